"""Findings about how a client used the batch API, read from the request journal and the batch records:
habits that work against the emulator but cost money or lose data against the real service.

- `tight_polling`: more than `TIGHT_POLLS` retrievals of one batch within one virtual second (a loop that
  does not back off; against the real API it burns rate limit for a job that takes hours);
- `resubmitted_input`: a batch created from an input file that an earlier batch of the same owner was still
  running, or had already completed (a retry that doubles the bill);
- `error_file_not_downloaded`: a finished batch with an error file nobody downloaded (failed lines are lost);
- `output_file_not_downloaded`: a completed, expired or cancelled batch whose output file nobody downloaded
  (for an expired or cancelled batch, the partial results are thrown away).

A finding is a dict with `kind`, `batch_id`, details and a `message` saying what to do instead. The journal
keeps the latest entries only (see `journal.MAX_ENTRIES`), so a very long run can miss early downloads.
Anthropic batches are left out of the download checks (their results come from `results_url`, not files).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from emulator.batches.records import BatchRecord, BatchStatus
from emulator.batches.state import stamp

TIGHT_POLLS = 10
POLL_WINDOW_SECONDS = 1.0
RETRIEVE = re.compile(r"/(?:batches|batch/jobs)/([^/]+)$")
DOWNLOAD = re.compile(r"/files/([^/]+)/content$")
ENDED_BEFORE_RESUBMIT: tuple[BatchStatus, ...] = ("failed", "expired", "cancelled")
DOWNLOADS_ELSEWHERE = frozenset({"anthropic"})


def client_findings(entries: Iterable[Mapping[str, Any]], batches: Iterable[BatchRecord]) -> list[dict[str, Any]]:
    """Every finding, in a stable order: polling, resubmissions, then undownloaded files by batch creation."""
    polls: dict[str, list[float]] = defaultdict(list)
    downloaded: set[str] = set()
    for entry in entries:
        if entry.get("method") != "GET" or not isinstance(entry.get("path"), str):
            continue
        retrieve = RETRIEVE.search(entry["path"])
        if retrieve is not None:
            polls[retrieve.group(1)].append(float(entry["time"]))
        download = DOWNLOAD.search(entry["path"])
        if download is not None and entry.get("status") == 200:
            downloaded.add(download.group(1))
    records = sorted(batches, key=lambda r: (r["created_at"], r["id"]))
    return [*_tight_polling(polls), *_resubmissions(records), *_undownloaded(records, downloaded)]


def _tight_polling(polls: Mapping[str, list[float]]) -> Iterable[dict[str, Any]]:
    for batch_id, times in sorted(polls.items()):
        times.sort()
        start = 0
        for end, at in enumerate(times):
            while at - times[start] >= POLL_WINDOW_SECONDS:
                start += 1
            count = end - start + 1
            if count > TIGHT_POLLS:
                yield {
                    "kind": "tight_polling",
                    "batch_id": batch_id,
                    "polls": count,
                    "at": times[start],
                    "message": f"{batch_id} was retrieved {count} times within one virtual second: wait between "
                    "polls, and wait longer as the batch runs.",
                }
                break


def _resubmissions(records: list[BatchRecord]) -> Iterable[dict[str, Any]]:
    first_use: dict[tuple[Any, str], BatchRecord] = {}
    for record in records:
        key = (record.get("owner"), str(record.get("input_file_id")))
        earlier = first_use.get(key)
        if earlier is not None and not _ended_before(earlier, record["created_at"]):
            yield {
                "kind": "resubmitted_input",
                "batch_id": record["id"],
                "first_batch_id": earlier["id"],
                "input_file_id": record.get("input_file_id"),
                "message": f"{record['id']} runs the input file of {earlier['id']} again, which had not failed, "
                "expired or been cancelled: check for an existing batch before creating one.",
            }
        first_use[key] = record


def _ended_before(record: BatchRecord, moment: float) -> bool:
    """Whether `record` had failed, expired or been cancelled by `moment`."""
    stamps = (stamp(record, status) for status in ENDED_BEFORE_RESUBMIT)
    return any(at is not None and at <= moment for at in stamps)


def _undownloaded(records: list[BatchRecord], downloaded: set[str]) -> Iterable[dict[str, Any]]:
    for record in records:
        if record.get("dialect") in DOWNLOADS_ELSEWHERE:
            continue
        status = record.get("status")
        error_file = record.get("error_file_id")
        if status in ("completed", "expired", "cancelled", "failed") and error_file and error_file not in downloaded:
            yield {
                "kind": "error_file_not_downloaded",
                "batch_id": record["id"],
                "file_id": error_file,
                "message": f"{record['id']} ended with an error file that was never downloaded: its failed lines "
                "are lost unless it is read.",
            }
        output_file = record.get("output_file_id")
        if status in ("completed", "expired", "cancelled") and output_file and output_file not in downloaded:
            yield {
                "kind": "output_file_not_downloaded",
                "batch_id": record["id"],
                "file_id": output_file,
                "status": status,
                "message": f"{record['id']} is {status} with an output file that was never downloaded"
                + (
                    ": a batch that did not complete still has results worth keeping." if status != "completed" else "."
                ),
            }
