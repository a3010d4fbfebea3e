"""A deterministic workload that passes every persistence point: uploads (plain and in parts), batches that
complete, fail lines, shuffle, get cancelled and expire, a delete, and clock moves that finalize several batches
at once. Each step is one or a few requests; what a step's answers acknowledge goes into the `Ledger`.

A manual clock and a fixed seed make the points a run reaches, and their order, the same on every run, so a
test can trace one run and then crash another at the N-th time a point is reached.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import openai

from tests.conftest import chat_batch_file
from tests.support.invariants import Ledger, admin

CHAT = "/v1/chat/completions"


@dataclass
class Run:
    """One workload run against the server at `url`."""

    url: str
    client: openai.OpenAI
    ledger: Ledger = field(default_factory=Ledger)
    ids: dict[str, str] = field(default_factory=dict)

    def upload(self, name: str, data: bytes) -> None:
        file = self.client.files.create(file=(f"{name}.jsonl", data), purpose="batch")
        self.ids[name] = file.id
        self.ledger.files[file.id] = data

    def upload_in_parts(self, name: str, data: bytes) -> None:
        half = len(data) // 2
        upload = self.client.uploads.create(
            bytes=len(data), filename=f"{name}.jsonl", mime_type="application/jsonl", purpose="batch"
        )
        parts = [
            self.client.uploads.parts.create(upload.id, data=io.BytesIO(chunk)) for chunk in (data[:half], data[half:])
        ]
        done = self.client.uploads.complete(upload.id, part_ids=[part.id for part in parts])
        assert done.file is not None
        self.ids[name] = done.file.id
        self.ledger.files[done.file.id] = data

    def batch(self, name: str, file: str, scenario: str | None = None) -> None:
        metadata = {"emulator_scenario": scenario} if scenario else None
        batch = self.client.batches.create(
            input_file_id=self.ids[file], endpoint=CHAT, completion_window="24h", metadata=metadata
        )
        self.ids[name] = batch.id
        self.ledger.saw_batch(batch)

    def advance(self, seconds: float) -> None:
        admin(self.url, "/_emulator/clock/advance", {"seconds": seconds})
        self.observe()

    def cancel(self, name: str) -> None:
        self.ledger.saw_batch(self.client.batches.cancel(self.ids[name]))

    def delete(self, name: str) -> None:
        self.ledger.deleting.add(self.ids[name])
        self.client.files.delete(self.ids[name])
        self.ledger.deleted.add(self.ids[name])

    def observe(self) -> None:
        """Read the clock and every batch: what a client sees is acknowledged."""
        self.ledger.saw_clock(self.url)
        for batch in self.client.batches.list(limit=100):
            self.ledger.saw_batch(batch)


Step = tuple[str, Callable[[Run], Any]]

STEPS: list[Step] = [
    ("upload a plain input", lambda run: run.upload("plain", chat_batch_file(3, prefix="plain"))),
    ("upload an input with failing lines", lambda run: run.upload("partial", chat_batch_file(8, prefix="p"))),
    ("upload an input in two parts", lambda run: run.upload_in_parts("long", chat_batch_file(300, prefix="long"))),
    ("upload a slow input", lambda run: run.upload("slow", chat_batch_file(10, prefix="slow"))),
    ("create a batch", lambda run: run.batch("b_plain", "plain")),
    ("create a batch with failing lines", lambda run: run.batch("b_partial", "partial", "partial_line_failures")),
    ("create a long batch", lambda run: run.batch("b_cancel", "long")),
    ("create a batch that expires", lambda run: run.batch("b_expire", "slow", "expiry_mid_run")),
    ("create a shuffled batch", lambda run: run.batch("b_shuffle", "plain", "shuffled_output")),
    ("validate them", lambda run: run.advance(2)),
    ("run lines", lambda run: run.advance(1)),
    ("cancel the long batch", lambda run: run.cancel("b_cancel")),
    ("finalize and drain", lambda run: run.advance(5)),
    ("delete an input", lambda run: run.delete("plain")),
    ("expire", lambda run: run.advance(86_400)),
]


def run_steps(run: Run, steps: list[Step] = STEPS) -> int:
    """Run the steps in order; the number that were answered (all, unless the server went away)."""
    for done, (_name, step) in enumerate(steps):
        try:
            step(run)
        except (openai.APIConnectionError, ConnectionError, OSError):
            return done
    return len(steps)
