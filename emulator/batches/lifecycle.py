"""A batch's life after create, driven by scheduler timers: validate, run lines as the clock reveals them,
finalize, drain a cancel, expire at the deadline. Every transition goes through the state machine and is
published on the batch events hook.

Timers are keyed `<batch id>:step` (the next phase) and `<batch id>:deadline` (the end of the window), so a
status change replaces the step timer and the state depends only on time and events. After a restart,
`schedule` re-arms what a record's status implies.

Validation, line processing and expiry run in work slices (see `engine.budget`): a timer whose work is not
done when its slice is spent returns AGAIN and runs again first, so the order of transitions and the bytes
written are the same as when everything runs in one go.

Every change is one transaction (`_change`): a batch that ends writes its status, its file ids, its output and
error file records and what the listeners write (webhook deliveries) together, after its result bytes are
linked into place; the work files go only once that is committed. If anything fails on the way (a full disk),
the record, the work files and the linked bytes are put back as they were saved, and the timer runs again
later; after a kill, the batch simply ends again from its work files.
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Iterator, MutableSequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import orjson

from emulator.batches import state as batch_state
from emulator.batches.early_answers import EARLY_MAX_BYTES, EarlyAnswers
from emulator.batches.events import BatchEvents
from emulator.batches.held_inputs import hold_input, input_path, release_input
from emulator.batches.input import ValidationRun
from emulator.batches.line_workers import LinePool
from emulator.batches.records import BatchError, BatchEvent, BatchRecord, PlanTiming, batch_error, error_of
from emulator.batches.request_lines import iter_request_lines
from emulator.batches.results import ResultPublisher, work_files
from emulator.batches.runner import LineRunner, slot_end
from emulator.batches.work_files import WorkFiles, truncate_to
from emulator.config import Limits
from emulator.engine.budget import work_slice
from emulator.engine.errors import InsufficientStorage
from emulator.engine.journal import Journal
from emulator.engine.scheduler import AGAIN, Again, Scheduler
from emulator.engine.storage import BlobStore
from emulator.engine.table import RecordTable
from emulator.fake_model import FakeModel
from emulator.fake_model.tokens import request_prompt_tokens
from emulator.files.service import FilesService
from emulator.scenario.effects import token_limit_error
from emulator.scenario.selection import ScenarioSelection

MSG_BATCH_BROKEN = "The batch could not be processed further because of an internal error."
MSG_CANNOT_FIND_FILE = "Cannot find file {id}, or organization does not have access to it."


class BatchLifecycle:
    """The timers of every batch and what each does when it fires."""

    def __init__(
        self,
        table: RecordTable[BatchRecord],
        blobs: BlobStore,
        scheduler: Scheduler,
        files: FilesService,
        model: FakeModel,
        scenarios: ScenarioSelection,
        journal: Journal,
        events: BatchEvents,
        results: ResultPublisher,
        *,
        limits: Limits,
        handler_errors: MutableSequence[dict[str, Any]],
        line_pool: LinePool | None = None,
    ) -> None:
        self.table = table
        self.blobs = blobs
        self.scheduler = scheduler
        self.files = files
        self.model = model
        self.scenarios = scenarios
        self.journal = journal
        self.events = events
        self.results = results
        self.limits = limits
        self.handler_errors = handler_errors
        self.validations: dict[str, ValidationRun] = {}  # input checks under way, by batch id
        self.early: dict[str, EarlyAnswers] = {}  # lines answered while validating, by batch id
        self.line_pool = line_pool  # worker processes for the lines of big batches, if any

    def forget_work(self) -> None:
        """Drop the validations under way and the blocks in flight at the worker processes."""
        self.validations.clear()
        for early in self.early.values():
            early.close()  # their files go with the blob store's
        self.early.clear()
        self.results.forget_work()
        if self.line_pool is not None:
            self.line_pool.reset()

    # -- helpers --------------------------------------------------------------------------------

    def save(self, record: BatchRecord) -> None:
        self.table.put(record["id"], record)

    @contextmanager
    def _change(self, record: BatchRecord) -> Iterator[list[str]]:
        """One transaction for what the block writes. The block appends the blobs it links to the list it gets;
        if it fails, those blobs go, the record is put back as it was and its work files are cut back to it."""
        saved = orjson.loads(orjson.dumps(record))
        linked: list[str] = []
        try:
            with self.table.store.transaction():
                yield linked
        except BaseException:
            if self.line_pool is not None:
                self.line_pool.drop(record["id"])  # no block copy in flight writes after the cut below
            for blob_id in linked:
                self.blobs.delete(blob_id)
            raw = cast("dict[str, Any]", record)
            raw.clear()
            raw.update(saved)
            work = work_files(self.blobs, record["id"])
            truncate_to(work.out_path, record["progress"]["out_bytes"])
            truncate_to(work.err_path, record["progress"]["err_bytes"])
            raise

    def transition(self, record: BatchRecord, event: BatchEvent, at: float) -> None:
        """Move a batch by `event`, save it and publish its new status (webhooks and dialects listen), in one
        transaction with what the listeners write."""
        with self._change(record):
            self._move(record, event, at)

    def _move(self, record: BatchRecord, event: BatchEvent, at: float) -> None:
        batch_state.apply(record, event, at)
        self.save(record)
        self.events.publish(record, event)

    def _record(self, batch_id: str) -> BatchRecord:
        record = self.table.get(batch_id)
        assert record is not None, f"timer for a missing batch {batch_id}"
        return record

    def _timing(self, record: BatchRecord) -> PlanTiming:
        return record["plan"]["timing"]

    def unschedule(self, record: BatchRecord) -> None:
        self.scheduler.cancel(f"{record['id']}:step")
        self.scheduler.cancel(f"{record['id']}:deadline")

    # -- arming timers --------------------------------------------------------------------------

    def schedule(self, record: BatchRecord) -> None:
        """(Re)create the timers a record's status implies; used at create and after a restart."""
        batch_id = record["id"]
        sched = self.scheduler
        timing = self._timing(record)
        stuck = record["plan"]["stuck_in"]
        status = record["status"]
        if status in batch_state.TERMINAL:
            return
        if status != "cancelling":
            sched.call_at(record["expires_at"], f"{batch_id}:deadline", lambda at: self._deadline(batch_id, at))
        if status == stuck:
            return
        step = f"{batch_id}:step"
        if status == "validating":
            sched.call_at(record["created_at"] + timing["validating"], step, lambda at: self._validate(batch_id, at))
        elif status == "in_progress":
            self._schedule_progress(record)
        elif status == "finalizing":
            finalizing_at = float(record["finalizing_at"] or 0)
            sched.call_at(finalizing_at + timing["finalizing"], step, lambda at: self._finalized(batch_id, at))
        elif status == "cancelling":
            delay = record["plan"]["cancel_delay"]
            delay = timing["cancelling"] if delay is None else delay
            cancelling_at = float(record["cancelling_at"] or 0)
            sched.call_at(cancelling_at + delay, step, lambda at: self._drained(batch_id, at))

    def _schedule_progress(self, record: BatchRecord) -> None:
        batch_id = record["id"]
        total = int(record["request_counts"]["total"])
        progress = record["progress"]
        started = float(record["in_progress_at"] or 0)
        if progress["cursor_line"] < total:
            due = slot_end(record, total - 1) if total else started
        elif progress["delayed"]:
            due = min(item["finish"] for item in progress["delayed"])
        else:
            due = max(started, slot_end(record, total - 1) if total else 0.0)
        self.scheduler.call_at(due, f"{batch_id}:step", lambda at: self._progress(batch_id, at))

    def cancel(self, record: BatchRecord, now: float) -> None:
        """Start cancelling: lines finished by now count, the rest never run; `cancelled` after the delay."""
        batch_id = record["id"]
        with work_slice(math.inf):  # every line finished by now counts before the cancel, however many
            self.catch_up(record, now)
        self.transition(record, "cancel", now)
        self.unschedule(record)
        delay = record["plan"]["cancel_delay"]
        delay = float(self._timing(record)["cancelling"] if delay is None else delay)
        self.scheduler.call_at(now + delay, f"{batch_id}:step", lambda at: self._drained(batch_id, at))

    # -- timers ---------------------------------------------------------------------------------

    def _fail(self, record: BatchRecord, errors: list[BatchError], at: float) -> None:
        self._drop_early(record)
        with self._change(record):
            record["errors"] = errors
            self._move(record, "invalid", at)
        self.unschedule(record)
        release_input(self.blobs, record)
        self.results.discard_work(record["id"])

    def _validate(self, batch_id: str, at: float) -> Again | None:
        """Check the input file, in work slices (AGAIN until the whole file is read), then start or fail."""
        record = self._record(batch_id)
        plan = record["plan"]
        if self.files.find(record["input_file_id"], record["owner"]) is None:
            message = MSG_CANNOT_FIND_FILE.format(id=record["input_file_id"])
            self._fail(record, [batch_error(code="invalid_request", message=message, param="input_file_id")], at)
            return None
        if plan["fail_validation"]:
            self._fail(record, [error_of(e) for e in plan["fail_validation"]], at)
            return None
        run = self.validations.get(batch_id)
        if run is None:
            hold_input(self.blobs, record)
            run = self.validations[batch_id] = ValidationRun(
                input_path(self.blobs, record),
                record["endpoint"],
                self.limits.model_copy(update=record.get("limits") or {}),
                known_model=self.model.knows_model,
                foreign_urls=bool(record.get("lines_follow_endpoint")),
                sink=self._start_early(record, at),
            )
        report = run.step()
        if report is None:
            return AGAIN
        del self.validations[batch_id]
        if batch_id in self.early:
            self.early[batch_id].stop()
        record["model"] = report.model
        if report.errors:
            errors = [batch_error(code=e.code, message=e.message, param=e.param, line=e.line) for e in report.errors]
            self._fail(record, errors, at)
            return None
        if plan["token_limit_exceeded"]:
            self._fail(record, [error_of(token_limit_error(report.model))], at)
            return None
        limit = self.scenarios.engine_for(record["scenario"]).enqueued_token_limit(report.model)
        if limit is not None:
            record["enqueued_tokens"] = enqueued_tokens(input_path(self.blobs, record))
            if record["enqueued_tokens"] + self._tokens_in_progress(record) > limit:
                self._fail(record, [error_of(token_limit_error(report.model, limit=limit))], at)
                return None
        record["request_counts"]["total"] = report.total_requests
        try:
            self.transition(record, "validated", at)
        except BaseException:  # validated again later, from the start
            self._drop_early(record)
            raise
        if plan["stuck_in"] != "in_progress":
            self._schedule_progress(record)
        return None

    def _tokens_in_progress(self, record: BatchRecord) -> int:
        """The enqueued tokens of the owner's other batches for the same model that have passed validation and
        not ended."""
        return sum(
            int(other.get("enqueued_tokens") or 0)
            for other in self.table.values()
            if other["id"] != record["id"]
            and other.get("owner") == record.get("owner")
            and other.get("model") == record.get("model")
            and other["status"] in batch_state.ACTIVE
            and other["status"] != "validating"
        )

    def _start_early(self, record: BatchRecord, at: float) -> EarlyAnswers | None:
        """Early answers for a batch about to be validated at `at` (see `batches.early_answers`), unless a
        scenario rule may act on its lines, its lines may name other endpoints or it never runs. With worker
        processes, only as many lines as they would not take."""
        batch_id = record["id"]
        self._drop_early(record)
        if record["plan"]["stuck_in"] == "in_progress" or record.get("lines_follow_endpoint"):
            return None
        if self.scenarios.engine_for(record["scenario"]).scenario.lines:
            return None
        pool = self.line_pool
        pooled = pool is not None and pool.workers > 0
        early = self.early[batch_id] = EarlyAnswers(
            work_files(self.blobs, batch_id),
            batch_id,
            self.model.seed,
            self.model.line_answerer(record["endpoint"]),
            int(at),  # the batch's in_progress_at once validated
            float(self._timing(record)["requests_per_second"]),
            input_size=input_path(self.blobs, record).stat().st_size,
            max_lines=pool.min_lines if pool is not None and pooled else 1 << 62,
            max_bytes=min(EARLY_MAX_BYTES, pool.min_bytes) if pool is not None and pooled else EARLY_MAX_BYTES,
        )
        return early

    def _drop_early(self, record: BatchRecord) -> None:
        """Forget a batch's early answers, cutting its work files back to its record (before anything else writes
        to them or publishes them)."""
        early = self.early.pop(record["id"], None)
        if early is not None:
            early.discard((record["progress"]["out_bytes"], record["progress"]["err_bytes"]))

    def _runner(self, record: BatchRecord, work: WorkFiles) -> LineRunner:
        engine = self.scenarios.engine_for(record["scenario"])
        early = self.early.get(record["id"])
        if early is not None and (
            not early.usable
            or early.in_progress_at != record["in_progress_at"]
            or early.rate != float(self._timing(record)["requests_per_second"])
            or engine.scenario.lines
        ):
            self._drop_early(record)
            early = None
        return LineRunner(
            record, input_path(self.blobs, record), work, self.model, engine, self.model.seed, self.line_pool, early
        )

    def catch_up(self, record: BatchRecord, at: float) -> bool:
        """Process the lines of an in-progress batch that have finished by `at`; False when the work slice ran
        out first (the lines done so far are saved). A full disk leaves the batch as it was saved (and raises);
        any other failure ends the batch as broken."""
        if record["status"] != "in_progress" or record["plan"]["stuck_in"] == "in_progress":
            return True
        progress = record["progress"]
        before = (progress["cursor_line"], len(progress["delayed"]))
        work = work_files(self.blobs, record["id"])
        runner = self._runner(record, work)
        try:
            with self._change(record):
                try:
                    done = runner.advance_to(at)
                    work.close()
                finally:
                    work.discard()
                if (progress["cursor_line"], len(progress["delayed"])) != before:
                    self.save(record)
        except InsufficientStorage:
            raise
        except Exception as exc:  # a bug or lost input: end this batch, keep the server serving
            self._broken(record, exc, at)
            return True
        for entry in runner.fired:
            self.journal.add({"kind": "line", **entry})
        return done

    def _broken(self, record: BatchRecord, exc: Exception, at: float) -> None:
        """An in-progress batch that cannot go on: keep the error for the test that caused it (like a failing
        request handler) and fail the batch, so reads and the clock keep working."""
        self.handler_errors.append(
            {"method": "BATCH", "path": record["id"], "error": repr(exc), "traceback": traceback.format_exc()}
        )
        work = work_files(self.blobs, record["id"])
        for path in (work.out_path, work.err_path):
            path.unlink(missing_ok=True)
        if self.line_pool is not None:
            self.line_pool.drop(record["id"])
        self._fail(record, [batch_error(code="server_error", message=MSG_BATCH_BROKEN)], at)

    def _progress(self, batch_id: str, at: float) -> Again | None:
        record = self._record(batch_id)
        if not self.catch_up(record, at):
            return AGAIN
        if record["status"] != "in_progress":
            return None
        progress = record["progress"]
        if progress["cursor_line"] < record["request_counts"]["total"] or progress["delayed"]:
            self._schedule_progress(record)
            return None
        self.transition(record, "all_done", at)
        if record["plan"]["stuck_in"] == "finalizing":
            return None
        self.scheduler.call_at(
            at + self._timing(record)["finalizing"], f"{batch_id}:step", lambda when: self._finalized(batch_id, when)
        )
        return None

    def _end(self, record: BatchRecord, event: BatchEvent, at: float, linked: list[str]) -> None:
        """Inside the batch's transaction: its result bytes linked into place, then its status, file ids and file
        records written (see `_ended` for what follows the commit)."""
        linked += self.results.publish(record, at)
        self._move(record, event, at)

    def _ended(self, record: BatchRecord) -> None:
        """After the commit: no more timers, and the held input and the work files go."""
        self.unschedule(record)
        self.validations.pop(record["id"], None)
        release_input(self.blobs, record)
        self.results.discard_work(record["id"])

    def _finalized(self, batch_id: str, at: float) -> Again | None:
        return self._end_now(self._record(batch_id), "finalized", at)

    def _drained(self, batch_id: str, at: float) -> Again | None:
        return self._end_now(self._record(batch_id), "drained", at)

    def _end_now(self, record: BatchRecord, event: BatchEvent, at: float) -> Again | None:
        """End a batch whose lines are all written: AGAIN while its big result files are still being flushed."""
        self._drop_early(record)  # the work files end where the record says
        if not self.results.on_disk(record):
            return AGAIN
        with self._change(record) as linked:
            self._end(record, event, at, linked)
        self._ended(record)
        return None

    def _deadline(self, batch_id: str, at: float) -> Again | None:
        record = self._record(batch_id)
        if not self.catch_up(record, at):
            return AGAIN
        if record["status"] in batch_state.TERMINAL:
            return None
        self._drop_early(record)  # the work files end where the record says
        with self._change(record) as linked:
            if record["status"] == "in_progress" and not self._expire_rest(record):
                self.save(record)  # the lines expired so far; the rest in the next slice
                return AGAIN
            if not self.results.on_disk(record):
                self.save(record)
                return AGAIN
            self._end(record, "deadline", at, linked)
        self._ended(record)
        return None

    def _expire_rest(self, record: BatchRecord) -> bool:
        """Write the unfinished lines as expired; False when the work slice ran out first."""
        work = work_files(self.blobs, record["id"])
        try:
            done = self._runner(record, work).expire_rest()
            work.close()
        finally:
            work.discard()
        return done


def enqueued_tokens(path: Path) -> int:
    """The prompt tokens of every request of a validated input file, read line by line."""
    return sum(request_prompt_tokens(request.body) for _, request in iter_request_lines(path))
