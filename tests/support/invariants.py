"""What a client was told (a `Ledger`), and the invariants a restarted `--data-dir` server must keep about it.

`violations()` reads the server through the real SDK and the admin API, and the data dir directly:
- the clock is not earlier than any time the server reported;
- every acknowledged file is there, byte-identical; every acknowledged delete stays deleted;
- every acknowledged batch is there, with its acknowledged status or one that status can move to, and a
  batch acknowledged as ended keeps its output and error file ids;
- every ended batch's output and error files exist, hold as many lines as `request_counts` says
  (completed and failed), each custom_id at most once, and every batch_output file belongs to a batch;
- on disk every blob has a record, every file record has its blob, and only running batches have work files.
`settle()` then runs the clock until no batch is active; every batch must have reached a terminal status.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
import orjson

from emulator.batches.state import ACTIVE, TERMINAL, TRANSITIONS

API_KEY = "sk-durable"


def admin(url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url + path, data=data, method="GET" if body is None else "POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def client_for(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "/v1", api_key=API_KEY, max_retries=0, _strict_response_validation=True)


def reachable(status: str) -> set[str]:
    """`status` and every status the batch state machine can move it to."""
    seen, todo = {status}, [status]
    while todo:
        current = todo.pop()
        for (source, _event), target in TRANSITIONS.items():
            if source == current and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@dataclass
class Ledger:
    """Everything the server acknowledged to the client so far (`deleting`: deletes sent, maybe not answered)."""

    clock: float = 0.0
    files: dict[str, bytes] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    deleting: set[str] = field(default_factory=set)
    batches: dict[str, str] = field(default_factory=dict)
    results: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    def saw_batch(self, batch: Any) -> None:
        self.batches[batch.id] = batch.status
        if batch.status in TERMINAL:
            self.results[batch.id] = (batch.output_file_id, batch.error_file_id)

    def saw_clock(self, url: str) -> None:
        self.clock = max(self.clock, float(admin(url, "/_emulator/clock")["now"]))


def _lines(client: openai.OpenAI, file_id: str | None, problems: list[str], owner: str) -> list[dict[str, Any]]:
    if not file_id:
        return []
    try:
        data = client.files.content(file_id).content
    except openai.NotFoundError:
        problems.append(f"{owner}: its file {file_id} is missing")
        return []
    return [orjson.loads(line) for line in data.splitlines()]


def _check_results(client: openai.OpenAI, batch: Any, problems: list[str]) -> None:
    counts = batch.request_counts
    output = _lines(client, batch.output_file_id, problems, batch.id)
    errors = _lines(client, batch.error_file_id, problems, batch.id)
    if counts is not None and (len(output), len(errors)) != (counts.completed, counts.failed):
        problems.append(
            f"{batch.id} ({batch.status}): {len(output)} output and {len(errors)} error lines, "
            f"request_counts says {counts.completed} completed and {counts.failed} failed"
        )
    custom_ids = [line["custom_id"] for line in output + errors]
    if len(custom_ids) != len(set(custom_ids)):
        problems.append(f"{batch.id}: a custom_id appears twice in its results")


def _disk_problems(data_dir: Path, active: set[str]) -> list[str]:
    problems = []
    with sqlite3.connect(f"file:{data_dir / 'metadata.sqlite3'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT kind, key FROM records WHERE kind IN ('files', 'parts')").fetchall()
    owned = {key for _kind, key in rows}
    blobs = {path.name for path in (data_dir / "blobs").iterdir()}
    problems += [f"blob {name} has no record" for name in sorted(blobs - owned)]
    problems += [f"{kind} record {key} has no blob" for kind, key in rows if key not in blobs]
    for path in (data_dir / "work").iterdir():
        if path.name.split(".", 1)[0] not in active:
            problems.append(f"work file {path.name} of a batch that is not running")
    return problems


def violations(url: str, data_dir: Path, ledger: Ledger) -> list[str]:
    """Every invariant the server at `url` (serving `data_dir`) breaks, as sentences; empty when all hold."""
    problems: list[str] = []
    now = float(admin(url, "/_emulator/clock")["now"])
    if now < ledger.clock:
        problems.append(f"the clock went back from {ledger.clock} to {now}")
    with client_for(url) as client:
        for file_id, data in ledger.files.items():
            try:
                stored = client.files.content(file_id).content
            except openai.NotFoundError:
                if file_id not in ledger.deleted | ledger.deleting:
                    problems.append(f"acknowledged file {file_id} is missing")
                continue
            if file_id in ledger.deleted:
                problems.append(f"deleted file {file_id} is back")
            elif stored != data:
                problems.append(f"file {file_id} changed: {len(stored)} bytes, {len(data)} acknowledged")
        batches = {batch.id: batch for batch in client.batches.list(limit=100)}
        for batch_id, status in ledger.batches.items():
            batch = batches.get(batch_id)
            if batch is None:
                problems.append(f"acknowledged batch {batch_id} ({status}) is missing")
            elif batch.status not in reachable(status):
                problems.append(f"batch {batch_id} went from {status} to {batch.status}")
            elif batch_id in ledger.results and (batch.output_file_id, batch.error_file_id) != ledger.results[batch_id]:
                problems.append(f"batch {batch_id} changed its result files")
        for batch in batches.values():
            if batch.status in TERMINAL:
                _check_results(client, batch, problems)
        linked = {file_id for b in batches.values() for file_id in (b.output_file_id, b.error_file_id) if file_id}
        for file in client.files.list(purpose="batch_output"):
            if file.id not in linked:
                problems.append(f"batch_output file {file.id} belongs to no batch")
    active = {batch.id for batch in batches.values() if batch.status in ACTIVE}
    return problems + _disk_problems(data_dir, active)


def settle(url: str) -> list[str]:
    """Run the clock until no batch is active; the batches that still have not ended, as sentences."""
    admin(url, "/_emulator/clock/run-until-idle", {"max_seconds": 3 * 86_400})
    with client_for(url) as client:
        return [f"batch {b.id} is still {b.status}" for b in client.batches.list(limit=100) if b.status not in TERMINAL]
