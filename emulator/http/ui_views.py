"""What the dashboard at /_emulator/ui shows, as plain JSON-able data built from records: batch rows with the
segments of their timeline, file and upload rows, pages of the journal with filters, rules fired, and the
first lines of a file. Pure functions: no HTTP here, the route module serves what they return."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypedDict

from emulator.batches.records import BatchRecord, dialect_of
from emulator.dialects.anthropic.batches import wire_id as anthropic_id
from emulator.dialects.mistral.jobs import job_id as mistral_id

Phase = Literal["validating", "in_progress", "finalizing", "cancelling"]
Ended = Literal["completed", "failed", "expired", "cancelled"]

# when each phase starts, in lifecycle order (two phases stamped in the same second keep this order)
PHASE_STARTS: tuple[tuple[Phase, str], ...] = (
    ("validating", "created_at"),
    ("in_progress", "in_progress_at"),
    ("finalizing", "finalizing_at"),
    ("cancelling", "cancelling_at"),
)
ENDED_AT: dict[Ended, str] = {
    "completed": "completed_at",
    "failed": "failed_at",
    "expired": "expired_at",
    "cancelled": "cancelled_at",
}
OWN_IDS: dict[str, Callable[[str], str]] = {"anthropic": anthropic_id, "mistral": mistral_id}
OWN_ENDPOINTS = {"anthropic": "/v1/messages"}  # its batches carry Messages requests, run as chat completions
HEAD_LINES = 5
HEAD_LINE_CHARS = 2_000
SKIP_CHUNK = 64 * 1024
MAX_PAGE = 200


class Segment(TypedDict):
    phase: Phase
    start: float
    end: float


class End(TypedDict):
    status: Ended
    at: float


class BatchRow(TypedDict):
    id: str
    own_id: str
    dialect: str
    endpoint: str
    status: str
    scenario: str | None
    request_counts: dict[str, int]
    created_at: int
    updated_at: int
    expires_at: int | None
    segments: list[Segment]
    ended: End | None


class Page(TypedDict):
    total: int
    offset: int
    limit: int
    data: list[Any]


def own_id(record: BatchRecord) -> str:
    """The id the batch's own API shows: Anthropic's `msgbatch_…`, Mistral's job id, the engine id otherwise."""
    to_own = OWN_IDS.get(dialect_of(record))
    return to_own(record["id"]) if to_own is not None else str(record["id"])


def segments(record: Mapping[str, Any], now: float) -> tuple[list[Segment], End | None]:
    """The phases a batch went through as (start, end) spans of virtual time, and how it ended, if it did.
    A phase still running ends at `now`."""
    status = record["status"]
    ended: End | None = None
    if status in ENDED_AT and record.get(ENDED_AT[status]) is not None:
        ended = {"status": status, "at": float(record[ENDED_AT[status]])}
    order = {phase: index for index, (phase, _) in enumerate(PHASE_STARTS)}
    starts = sorted(
        ((float(record[stamp]), phase) for phase, stamp in PHASE_STARTS if record.get(stamp) is not None),
        key=lambda item: (item[0], order[item[1]]),
    )
    finish = ended["at"] if ended is not None else max(now, starts[-1][0] if starts else now)
    spans: list[Segment] = []
    for index, (start, phase) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else finish
        spans.append({"phase": phase, "start": start, "end": max(start, end)})
    return spans, ended


def batch_row(record: BatchRecord, now: float) -> BatchRow:
    spans, ended = segments(record, now)
    last_change = ended["at"] if ended is not None else max((span["start"] for span in spans), default=0.0)
    counts = record["request_counts"]
    return {
        "id": record["id"],
        "own_id": own_id(record),
        "dialect": dialect_of(record),
        "endpoint": OWN_ENDPOINTS.get(dialect_of(record), record.get("endpoint", "")),
        "status": record["status"],
        "scenario": record.get("scenario"),
        "request_counts": {"total": counts["total"], "completed": counts["completed"], "failed": counts["failed"]},
        "created_at": int(record["created_at"]),
        "updated_at": int(last_change),
        "expires_at": record.get("expires_at"),
        "segments": spans,
        "ended": ended,
    }


def page_of(items: Sequence[Any], offset: int, limit: int) -> Page:
    """A slice of `items` with the total count, `limit` capped at MAX_PAGE."""
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    return {"total": len(items), "offset": offset, "limit": limit, "data": list(items[offset : offset + limit])}


def status_counts(records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    return dict(Counter(str(record["status"]) for record in records))


# -- files and uploads -----------------------------------------------------------------------------


def file_row(record: Mapping[str, Any], kind: Literal["file", "upload"]) -> dict[str, Any]:
    return {
        "kind": kind,
        "id": record["id"],
        "purpose": record.get("purpose"),
        "bytes": record.get("bytes"),
        "filename": record.get("filename"),
        "status": record.get("status"),
        "created_at": record.get("created_at"),
        "expires_at": record.get("expires_at"),
    }


def head_lines(path: Path, lines: int = HEAD_LINES, width: int = HEAD_LINE_CHARS) -> list[str]:
    """The first `lines` lines of a file, each cut at `width` characters, read without loading the file."""
    if not path.is_file():
        return []
    out: list[str] = []
    with path.open("rb") as handle:
        for _ in range(lines):
            line = handle.readline(width * 4)
            if not line:
                break
            text = line.decode("utf-8", errors="replace").rstrip("\n")
            cut = len(text) > width
            while not line.endswith(b"\n"):  # skip the rest of a long line, a piece at a time
                line = handle.readline(SKIP_CHUNK)
                if not line:
                    break
                cut = True
            out.append(text[:width] + "…" if cut else text)
    return out


# -- the journal -------------------------------------------------------------------------------------


JOURNAL_FILTERS = ("method", "path", "status", "rule")


def _status_matches(status: Any, wanted: str) -> bool:
    if wanted.lower().endswith("xx") and len(wanted) == 3:
        return status is not None and str(status)[0] == wanted[0]
    return str(status) == wanted


def entry_matches(entry: Mapping[str, Any], wanted: Mapping[str, str]) -> bool:
    """Whether a journal entry passes every filter given: method (exact; a kind such as `line` or `webhook`
    for entries that are not requests), path (part of it), status (`404` or a class such as `4xx`), rule (part
    of its name; `*` for any rule)."""
    method = wanted.get("method")
    if method and str(entry.get("method") or entry.get("kind", "")).upper() != method.upper():
        return False
    path = wanted.get("path")
    if path and path not in str(entry.get("path") or entry.get("batch_id") or ""):
        return False
    status = wanted.get("status")
    if status and not _status_matches(entry.get("status"), status):
        return False
    rule = wanted.get("rule")
    if rule:
        fired = entry.get("rule")
        if not fired or (rule != "*" and rule not in str(fired)):
            return False
    return True


def journal_page(entries: Sequence[Mapping[str, Any]], wanted: Mapping[str, str], offset: int, limit: int) -> Page:
    """Matching entries, newest first, each with `seq` (its position in the journal, oldest 0)."""
    active = {name: value for name, value in wanted.items() if value}
    newest_first = range(len(entries) - 1, -1, -1)
    matching = [index for index in newest_first if entry_matches(entries[index], active)] if active else newest_first
    page = page_of(matching, offset, limit)
    page["data"] = [{"seq": index, **entries[index]} for index in page["data"]]
    return page


def rules_fired(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each scenario rule that fired, with how often, most frequent first."""
    counts = Counter(str(entry["rule"]) for entry in entries if entry.get("rule"))
    return [{"rule": rule, "count": count} for rule, count in counts.most_common()]


def batch_entries(entries: Iterable[Mapping[str, Any]], record: BatchRecord) -> list[dict[str, Any]]:
    """The journal entries about a batch, newest first: requests whose path names it (by engine or own id)
    and the scenario, line and webhook entries carrying its id."""
    ids = {str(record["id"]), own_id(record)}

    def about(entry: Mapping[str, Any]) -> bool:
        if entry.get("batch_id") in ids:
            return True
        path = str(entry.get("path") or "")
        return any(part in ids for part in path.split("/"))

    return [dict(entry) for entry in reversed(list(entries)) if about(entry)]
