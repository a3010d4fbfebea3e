"""The batches service driven without HTTP or a Backend: built from its collaborators (a real FilesService on a
temporary directory, a manual clock, the scheduler, the fake model, the bundled scenarios), moved by the clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest

from emulator.batches.events import BatchEvents
from emulator.batches.input_files import is_internal
from emulator.batches.records import BatchEvent, BatchRecord
from emulator.batches.service import BatchesService, dialect_kind
from emulator.config import Limits, Timing
from emulator.engine.clock import ManualClock
from emulator.engine.errors import Conflict, InvalidRequest, NotFound
from emulator.engine.ids import IdFactory
from emulator.engine.journal import Journal
from emulator.engine.scheduler import Scheduler
from emulator.engine.storage import BlobStore, MemoryStore, MetadataStore, SqliteStore
from emulator.fake_model import FakeModel
from emulator.files.records import FileRecord
from emulator.files.service import FilesService
from emulator.scenario.loader import ScenarioError
from emulator.scenario.selection import ScenarioSelection
from tests.conftest import chat_batch_file, chat_line, jsonl

T0 = 1_780_000_000.0
CHAT = "/v1/chat/completions"


@dataclass
class Parts:
    """A batches service and the collaborators a test looks at."""

    service: BatchesService
    files: FilesService
    clock: ManualClock
    scheduler: Scheduler
    scenarios: ScenarioSelection
    journal: Journal
    store: MetadataStore
    blobs: BlobStore
    ids: IdFactory
    events: list[tuple[str, BatchEvent, str]] = field(default_factory=list)

    def upload(self, data: bytes, purpose: str = "batch", owner: str | None = None) -> FileRecord:
        pending = self.files.begin(purpose=purpose, filename="input.jsonl", ttl=None, owner=owner)
        pending.write(data)
        return self.files.finish(pending)

    def advance_to(self, target: float) -> None:
        """Move the clock to `target`, running due timers in time order on the way (as the backend does)."""
        while (due := self.scheduler.next_due()) is not None and due <= target:
            self.clock.set(max(due, self.clock.now()))
            self.scheduler.run_due(self.clock.now())
        self.clock.set(target)
        self.scheduler.run_due(target)

    def advance(self, seconds: float) -> None:
        self.advance_to(self.clock.now() + seconds)

    def content(self, file_id: str | None) -> list[dict[str, Any]]:
        assert file_id
        path, _size = self.files.content_path(file_id, None)
        return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def build(root: Path, store: MetadataStore | None = None, *, start: float = T0, **options: Any) -> Parts:
    store = store if store is not None else MemoryStore()
    blobs = BlobStore(root)
    clock = ManualClock(start)
    ids = IdFactory(7)
    scheduler = Scheduler()
    limits = Limits()
    files = FilesService(store, blobs, clock, ids, limits)
    scenarios = ScenarioSelection([], Timing())
    journal = Journal()
    events = BatchEvents()
    service = BatchesService(
        store,
        blobs,
        clock,
        ids,
        scheduler,
        files,
        FakeModel(7),
        scenarios,
        journal,
        events,
        limits=limits,
        timing=Timing(),
        unknown_input_file=options.get("unknown_input_file", "not_found"),
        handler_errors=[],
    )
    parts = Parts(service, files, clock, scheduler, scenarios, journal, store, blobs, ids)
    events.subscribe(lambda record, event: parts.events.append((record["id"], event, record["status"])))
    return parts


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[Parts]:
    yield build(tmp_path)


def create(parts: Parts, data: bytes, **arguments: Any) -> BatchRecord:
    file = parts.upload(data)
    return parts.service.create(input_file_id=file["id"], endpoint=CHAT, owner=None, **arguments)


def test_a_batch_validates_runs_and_completes_by_the_clock(parts: Parts) -> None:
    batch = create(parts, chat_batch_file(5))
    assert batch["status"] == "validating"
    assert batch["expires_at"] == int(T0) + 86_400

    parts.advance(2)  # validating lasts 2 s by default
    record = parts.service.get(batch["id"], None)
    assert record["status"] == "in_progress"
    assert record["request_counts"] == {"total": 5, "completed": 0, "failed": 0}

    parts.advance(0.03)  # 100 requests per second: three lines have finished
    assert parts.service.get(batch["id"], None)["request_counts"]["completed"] == 3

    parts.advance(10)
    record = parts.service.get(batch["id"], None)
    assert record["status"] == "completed"
    assert record["request_counts"] == {"total": 5, "completed": 5, "failed": 0}
    assert record["usage"]["output_tokens"] > 0
    lines = parts.content(record["output_file_id"])
    assert [line["custom_id"] for line in lines] == [f"req-{i}" for i in range(5)]
    assert all(line["response"]["status_code"] == 200 for line in lines)
    assert record["error_file_id"] is None
    assert [(event, status) for _, event, status in parts.events] == [
        ("validated", "in_progress"),
        ("all_done", "finalizing"),
        ("finalized", "completed"),
    ]


def test_the_output_is_the_same_for_the_same_seed_and_clock(tmp_path: Path) -> None:
    outputs = []
    for run in ("a", "b"):
        parts = build(tmp_path / run)
        batch = create(parts, chat_batch_file(4))
        parts.advance(60)
        outputs.append(parts.content(parts.service.get(batch["id"], None)["output_file_id"]))
    assert outputs[0] == outputs[1]


def test_create_refuses_an_unknown_file_a_file_of_another_purpose_and_an_unknown_scenario(parts: Parts) -> None:
    with pytest.raises(NotFound):
        parts.service.create(input_file_id="file-missing", endpoint=CHAT, owner=None)
    other = parts.upload(b"x", purpose="user_data")
    with pytest.raises(InvalidRequest) as refused:
        parts.service.create(input_file_id=other["id"], endpoint=CHAT, owner=None)
    assert refused.value.code == "invalid_file_purpose"
    batch_file = parts.upload(chat_batch_file(1))
    with pytest.raises(ScenarioError):
        parts.service.create(input_file_id=batch_file["id"], endpoint=CHAT, owner=None, scenario="no_such_scenario")
    assert not parts.service.any_active()


def test_an_unknown_file_fails_the_batch_at_validation_when_configured_so(tmp_path: Path) -> None:
    parts = build(tmp_path, unknown_input_file="fail_batch")
    batch = parts.service.create(input_file_id="file-missing", endpoint=CHAT, owner=None)
    parts.advance(5)
    record = parts.service.get(batch["id"], None)
    assert record["status"] == "failed"
    assert record["errors"] is not None and record["errors"][0]["param"] == "input_file_id"


def test_invalid_input_fails_the_batch_with_the_line_of_the_problem(parts: Parts) -> None:
    batch = create(parts, jsonl([chat_line("a"), {"custom_id": "b", "method": "POST"}]))
    parts.advance(5)
    record = parts.service.get(batch["id"], None)
    assert record["status"] == "failed"
    assert record["errors"] is not None and record["errors"][0]["line"] == 2
    assert record["failed_at"] == int(T0) + 2
    assert [event for _, event, _ in parts.events] == ["invalid"]


def test_cancel_keeps_the_finished_lines_and_ends_cancelled(parts: Parts) -> None:
    batch = create(parts, chat_batch_file(1000))
    parts.advance(2.5)  # half a second of lines: 50 done
    record = parts.service.cancel(batch["id"], None)
    assert record["status"] == "cancelling"
    assert record["request_counts"]["completed"] == 50
    parts.advance(2)  # cancelling lasts 2 s by default
    record = parts.service.get(batch["id"], None)
    assert record["status"] == "cancelled"
    assert len(parts.content(record["output_file_id"])) == 50
    assert parts.service.cancel(batch["id"], None)["status"] == "cancelled"  # cancelling again is a no-op


def test_a_completed_batch_cannot_be_cancelled(parts: Parts) -> None:
    batch = create(parts, chat_batch_file(2))
    parts.advance(60)
    with pytest.raises(Conflict):
        parts.service.cancel(batch["id"], None)


def test_lines_not_finished_when_the_window_ends_expire(parts: Parts) -> None:
    batch = create(parts, chat_batch_file(3), window_seconds=60.0, scenario="expiry_mid_run")
    parts.advance(61)
    record = parts.service.get(batch["id"], None)
    assert record["status"] == "expired"
    assert record["expires_at"] == int(T0) + 60
    errors = parts.content(record["error_file_id"])
    assert {line["error"]["code"] for line in errors} == {"batch_expired"}
    assert record["request_counts"] == {"total": 3, "completed": 0, "failed": 3}


def test_a_batch_is_found_only_by_its_owner_and_dialect(parts: Parts) -> None:
    file = parts.upload(chat_batch_file(1), owner="alice")
    batch = parts.service.create(input_file_id=file["id"], endpoint=CHAT, owner="alice", dialect="anthropic")
    assert parts.service.find(batch["id"], "alice", "anthropic") is batch
    assert parts.service.find(batch["id"], "bob", "anthropic") is None
    assert parts.service.find(batch["id"], "alice", "openai") is None
    assert parts.service.of_dialect("alice", "anthropic") == [batch]
    assert parts.service.of_dialect("alice", "openai") == []
    with pytest.raises(NotFound):
        parts.service.get(batch["id"], "bob")


def test_dialect_state_lives_under_its_own_kind_and_goes_with_the_batch(parts: Parts) -> None:
    internal = parts.service.write_input(None, [chat_line("a"), chat_line("b")], "requests.jsonl")
    assert is_internal(internal)
    with parts.service.discarded_on_failure(internal):
        batch = parts.service.create(
            input_file_id=internal["id"], endpoint=CHAT, owner=None, dialect="mistral", dialect_state={"n": 2}
        )
    assert "mistral" not in batch
    assert parts.store.get(dialect_kind("mistral"), batch["id"]) == {"n": 2}
    parts.service.save_dialect_state(batch, {"n": 3})
    assert parts.service.dialect_state(batch) == {"n": 3}
    parts.advance(60)
    record = parts.service.get(batch["id"], None)
    assert record["status"] == "completed"
    parts.service.delete(record, ("input_file_id", "output_file_id", "error_file_id"))
    assert parts.store.get("batches", batch["id"]) is None
    assert parts.store.get(dialect_kind("mistral"), batch["id"]) is None
    assert parts.files.find(internal["id"], None) is None
    assert record["output_file_id"] and parts.files.find(record["output_file_id"], None) is None


def test_an_internal_input_file_is_deleted_when_the_create_is_refused(parts: Parts) -> None:
    internal = parts.service.write_input(None, [chat_line("a")], "requests.jsonl")
    with pytest.raises(ScenarioError), parts.service.discarded_on_failure(internal):
        parts.service.create(input_file_id=internal["id"], endpoint=CHAT, owner=None, scenario="no_such_scenario")
    assert parts.files.find(internal["id"], None) is None


def test_rewritten_input_passes_object_lines_through_the_transform(parts: Parts) -> None:
    source = parts.upload(jsonl([chat_line("a"), chat_line("b")]) + b"not json\n")

    def shout(line: dict[str, Any]) -> dict[str, Any]:
        return {**line, "custom_id": line["custom_id"].upper()}

    internal = parts.service.rewrite_input(None, [source["id"]], shout, "rewritten.jsonl")
    path, _size = parts.files.content_path(internal["id"], None)
    lines = path.read_bytes().splitlines()
    assert [orjson.loads(line)["custom_id"] for line in lines[:2]] == ["A", "B"]
    assert lines[2] == b"not json"


def test_a_restarted_service_carries_a_running_batch_on_where_the_store_left_it(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "metadata.sqlite3")
    first = build(tmp_path, store)
    batch = create(first, chat_batch_file(200))
    first.advance(2.5)
    assert first.service.get(batch["id"], None)["request_counts"]["completed"] == 50
    store.close()

    reopened = SqliteStore(tmp_path / "metadata.sqlite3")
    again = build(tmp_path, reopened, start=first.clock.now())
    again.ids.restore(dict(first.ids.counters))  # as the backend does from its saved counters
    again.service.restore()
    again.advance(60)
    record = again.service.get(batch["id"], None)
    assert record["status"] == "completed"
    lines = again.content(record["output_file_id"])
    assert [line["custom_id"] for line in lines] == [f"req-{i}" for i in range(200)]
    assert again.files.find(record["input_file_id"], None) is not None
    reopened.close()
