"""Batches service: create a batch from domain arguments with the real synchronous checks; read, list and
cancel; the operations dialects build on (batches by dialect and owner, their own state, internal input
files, delete with files). What happens after create is `batches.lifecycle`'s job, by scheduler timers.

Wire bodies are parsed by the dialects (the OpenAI one in `dialects.openai.batches`); this service never
sees one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableSequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from emulator.batches import state as batch_state
from emulator.batches.early_answers import index_path
from emulator.batches.events import BatchEvents
from emulator.batches.input_files import Transform, internal_input_file
from emulator.batches.lifecycle import BatchLifecycle
from emulator.batches.line_workers import LinePool
from emulator.batches.records import BatchRecord, dialect_of
from emulator.batches.results import ResultPublisher, work_files
from emulator.batches.work_files import truncate_to
from emulator.config import Limits, Timing
from emulator.engine.clock import Clock
from emulator.engine.errors import (
    MSG_CANNOT_CANCEL,
    Conflict,
    InsufficientStorage,
    InvalidRequest,
    batch_not_found,
    file_not_found,
)
from emulator.engine.ids import IdFactory
from emulator.engine.journal import Journal
from emulator.engine.paging import cursor_page
from emulator.engine.scheduler import Scheduler
from emulator.engine.storage import BlobStore, MetadataStore
from emulator.engine.table import RecordTable
from emulator.fake_model import FakeModel
from emulator.files.records import FileRecord
from emulator.files.service import FilesService
from emulator.scenario.effects import BatchPlan
from emulator.scenario.selection import ScenarioSelection

KIND = "batches"
ResultField = Literal["output_file_id", "error_file_id"]
FileField = Literal["input_file_id", "output_file_id", "error_file_id"]
RESULT_FIELDS: tuple[ResultField, ...] = ("output_file_id", "error_file_id")
SCENARIO_METADATA_KEY = "emulator_scenario"
DialectState = Mapping[str, Any]  # each dialect reads it as its own TypedDict


def dialect_kind(dialect: str) -> str:
    """The store kind that holds a dialect's own state of its batches, e.g. "anthropic_batches"."""
    return f"{dialect}_batches"


class BatchesService:
    def __init__(
        self,
        store: MetadataStore,
        blobs: BlobStore,
        clock: Clock,
        ids: IdFactory,
        scheduler: Scheduler,
        files: FilesService,
        model: FakeModel,
        scenarios: ScenarioSelection,
        journal: Journal,
        events: BatchEvents,
        *,
        limits: Limits,
        timing: Timing,
        unknown_input_file: Literal["not_found", "fail_batch"],
        handler_errors: MutableSequence[dict[str, Any]],
        line_pool: LinePool | None = None,
    ) -> None:
        self.store = store
        self.table: RecordTable[BatchRecord] = RecordTable(store, KIND)
        self.blobs = blobs
        self.clock = clock
        self.ids = ids
        self.scheduler = scheduler
        self.files = files
        self.scenarios = scenarios
        self.journal = journal
        self.limits = limits
        self.timing = timing
        self.unknown_input_file = unknown_input_file
        results = ResultPublisher(blobs, files, model, limits)
        self.lifecycle = BatchLifecycle(
            self.table,
            blobs,
            scheduler,
            files,
            model,
            scenarios,
            journal,
            events,
            results,
            limits=limits,
            handler_errors=handler_errors,
            line_pool=line_pool,
        )

    # -- create ---------------------------------------------------------------------------------

    def create(
        self,
        *,
        input_file_id: str,
        endpoint: str,
        owner: str | None,
        metadata: dict[str, str] | None = None,
        output_ttl: int | None = None,
        scenario: str | None = None,
        completion_window: str = "24h",
        window_seconds: float | None = None,
        dialect: str | None = None,
        limits: dict[str, int] | None = None,
        webhook_url: str | None = None,
        lines_follow_endpoint: bool = False,
        dialect_state: DialectState | None = None,
    ) -> BatchRecord:
        """Create a batch on the input file `input_file_id` (checked arguments, as a dialect parsed them).

        `scenario` (or the `emulator_scenario` metadata value) picks the scenario it follows; `window_seconds`
        is a window other than the scenario's (24h) and `completion_window` its label. A dialect gives its
        `dialect` name, the `limits` its input is validated with, a `webhook_url` to notify, whether every line
        goes to the batch endpoint whatever its `url` (`lines_follow_endpoint`), and its own `dialect_state`,
        kept beside the record (see `dialect_state`)."""
        scenario = scenario or (metadata or {}).get(SCENARIO_METADATA_KEY)
        if scenario:
            self.scenarios.engine(scenario)  # raises a 400 for an unknown name
        file = self.files.find(input_file_id, owner)
        if file is None and self.unknown_input_file == "not_found":
            raise file_not_found(input_file_id)
        if file is not None and file["purpose"] != "batch":
            raise InvalidRequest(
                f"The file {input_file_id} has purpose '{file['purpose']}'; a batch needs an input file uploaded "
                "with purpose 'batch'.",
                param="input_file_id",
                code="invalid_file_purpose",
            )
        now = self.clock.now()
        batch_id = self.ids.batch()
        engine = self.scenarios.engine(scenario)
        plan: BatchPlan = engine.batch_plan(
            batch_id=batch_id, endpoint=endpoint, metadata=metadata, base_timing=self.timing
        )
        created = int(now)
        window = plan.timing.completion_window if window_seconds is None else window_seconds
        record: BatchRecord = {
            "id": batch_id,
            "endpoint": endpoint,
            "input_file_id": input_file_id,
            "completion_window": completion_window,
            "status": "validating",
            "created_at": created,
            "expires_at": created + int(window),
            "errors": None,
            "output_file_id": None,
            "error_file_id": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "usage": {"input_tokens": 0, "cached_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0},
            "metadata": metadata,
            "model": None,
            "owner": owner,
            "output_ttl": output_ttl,
            "scenario": engine.name,
            "plan": plan.to_dict(),  # type: ignore[typeddict-item]  # BatchPlan.to_dict() has the Plan fields
            "progress": {
                "cursor_offset": 0,
                "cursor_line": 0,
                "out_bytes": 0,
                "err_bytes": 0,
                "out_lines": 0,
                "err_lines": 0,
                "delayed": [],
            },
            "in_progress_at": None,
            "failed_at": None,
            "finalizing_at": None,
            "completed_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "expired_at": None,
        }
        if dialect is not None:
            record["dialect"] = dialect
            record["limits"] = dict(limits or {})
        if lines_follow_endpoint:
            record["lines_follow_endpoint"] = True
        if webhook_url is not None:
            record["webhook_url"] = webhook_url
        if dialect is not None and dialect_state is not None:
            self.store.put(dialect_kind(dialect), batch_id, dict(dialect_state))
        self.lifecycle.save(record)
        if plan.rule:
            self.journal.add({"kind": "batch", "batch_id": batch_id, "rule": plan.rule, "time": now})
        self.lifecycle.schedule(record)
        return record

    @contextmanager
    def discarded_on_failure(self, internal: FileRecord | None) -> Iterator[None]:
        """Around the create of a batch on an internal input file (see `write_input`): when the create is
        refused, the file is deleted again, so nothing is left behind."""
        try:
            yield
        except BaseException:
            if internal is not None:
                self.files.delete(internal["id"], internal["owner"])
            raise

    def write_input(self, owner: str | None, lines: Iterable[dict[str, Any]], filename: str) -> FileRecord:
        """An internal `batch` input file of OpenAI-format request lines (hidden from dialect file listings)."""
        return internal_input_file(self.blobs, self.files, owner, filename, lines=lines)

    def rewrite_input(
        self, owner: str | None, file_ids: Iterable[str], transform: Transform, filename: str
    ) -> FileRecord:
        """An internal `batch` input file made of the files `file_ids`, each JSON-object line through
        `transform` (other lines copied as they are, so validation reports them at the same line)."""
        paths = [self.blobs.path(file_id) for file_id in file_ids]
        return internal_input_file(self.blobs, self.files, owner, filename, paths=paths, transform=transform)

    # -- read, list -----------------------------------------------------------------------------

    def inspect(self, batch_id: str) -> BatchRecord | None:
        """The batch `batch_id` whoever owns it, brought up to date, or None (for the admin API)."""
        record = self.table.get(batch_id)
        if record is not None:
            self.sync(record)
        return record

    def get(self, batch_id: str, owner: str | None) -> BatchRecord:
        record = self.table.get(batch_id)
        if record is None or record.get("owner") != owner:
            raise batch_not_found(batch_id)
        self.sync(record)
        return record

    def find(self, batch_id: str, owner: str | None, dialect: str) -> BatchRecord | None:
        """The batch `batch_id` of `owner` created through `dialect`, brought up to date, or None (the dialect
        raises its provider's not-found error)."""
        record = self.table.get(batch_id)
        if record is None or record.get("owner") != owner or dialect_of(record) != dialect:
            return None
        self.sync(record)
        return record

    def of_dialect(self, owner: str | None, dialect: str) -> list[BatchRecord]:
        """Every batch of `owner` created through `dialect`, oldest first, not brought up to date."""
        return [r for r in self.table.values() if r.get("owner") == owner and dialect_of(r) == dialect]

    def page(
        self,
        owner: str | None,
        *,
        limit: int,
        after: str | None,
        where: Callable[[BatchRecord], bool] | None = None,
    ) -> tuple[list[BatchRecord], bool]:
        """Newest first, like the real list endpoint; only the records `where` keeps, when given."""
        records = [r for r in self.table.values() if r.get("owner") == owner and (where is None or where(r))]
        records.reverse()
        page, has_more = cursor_page(records, limit=limit, after=after)
        for record in page:
            self.sync(record)
        return page, has_more

    def count_active(self, owner: str | None, dialect: str) -> int:
        """How many of `owner`'s batches created through `dialect` have not ended."""
        return sum(1 for r in self.of_dialect(owner, dialect) if r["status"] in batch_state.ACTIVE)

    def any_active(self) -> bool:
        return any(r["status"] in batch_state.ACTIVE for r in self.table.values())

    def result_lines(self, record: BatchRecord, field: ResultField) -> Iterator[bytes]:
        """The non-blank lines of the batch's output or error file, while that file exists."""
        file_id = record.get(field)
        if not file_id or self.files.find(file_id, record["owner"]) is None:
            return
        with self.blobs.path(file_id).open("rb") as stream:
            for raw in stream:
                if raw.strip():
                    yield raw

    def input_path(self, record: BatchRecord) -> Path | None:
        """Where the batch's input file is read from, while that file exists."""
        if self.files.find(record["input_file_id"], record["owner"]) is None:
            return None
        return self.blobs.path(record["input_file_id"])

    # -- dialect state --------------------------------------------------------------------------

    def dialect_state(self, record: BatchRecord) -> DialectState:
        """The state the batch's dialect keeps about it (given at create, changed by `save_dialect_state`)."""
        return self.store.get(dialect_kind(dialect_of(record)), record["id"]) or {}

    def save_dialect_state(self, record: BatchRecord, state: DialectState) -> None:
        self.store.put(dialect_kind(dialect_of(record)), record["id"], dict(state))

    # -- cancel, delete -------------------------------------------------------------------------

    def cancel(self, batch_id: str, owner: str | None) -> BatchRecord:
        record = self.get(batch_id, owner)
        status = record["status"]
        if status in ("cancelling", "cancelled"):
            return record
        if status not in batch_state.CANCELLABLE:
            raise Conflict(MSG_CANNOT_CANCEL.format(status=status))
        if record["plan"]["cancel_refused"]:
            raise Conflict(MSG_CANNOT_CANCEL.format(status=status))
        if record["plan"]["cancel_ignored"]:
            return record
        self.lifecycle.cancel(record, self.clock.now())
        return record

    def delete(
        self,
        record: BatchRecord,
        file_fields: Iterable[FileField],
    ) -> None:
        """Delete an ended batch, its dialect state and the files named by `file_fields` that still exist."""
        owner = record["owner"]
        for field in file_fields:
            file_id = record[field]
            if file_id and self.files.find(file_id, owner) is not None:
                self.files.delete(file_id, owner)
        if "dialect" in record:
            self.store.delete(dialect_kind(record["dialect"]), record["id"])
        self.table.delete(record["id"])

    def forget_work(self) -> None:
        """Drop the work under way (validations in progress, blocks at the worker processes) when everything is
        wiped."""
        self.lifecycle.forget_work()

    # -- reads catch up -------------------------------------------------------------------------

    def sync(self, record: BatchRecord) -> None:
        """Bring an in-progress batch's counts up to the clock (reads never change status). Inside a work slice
        a big batch may be brought only part of the way: the server's driver finishes it right after. A full disk
        leaves it as saved."""
        self.scheduler.run_due_or_wait(self.clock.now())
        if record["status"] == "in_progress":
            with contextlib.suppress(InsufficientStorage):  # a read answers from what is saved
                self.lifecycle.catch_up(record, self.clock.now())

    def sync_all(self) -> bool:
        """Bring every in-progress batch up to the clock; False when a work slice ran out first."""
        now = self.clock.now()
        for record in self.table.values():
            if record["status"] == "in_progress" and not self.lifecycle.catch_up(record, now):
                return False
        return True

    def restore(self) -> None:
        """After a restart: trim work files to the last saved state and re-arm every active batch's timers."""
        for record in self.table.values():
            if record["status"] in batch_state.TERMINAL:
                continue
            work = work_files(self.blobs, record["id"])
            truncate_to(work.out_path, record["progress"]["out_bytes"])
            truncate_to(work.err_path, record["progress"]["err_bytes"])
            index_path(self.blobs.work_dir, record["id"]).unlink(missing_ok=True)  # early answers end with the run
            self.lifecycle.schedule(record)
