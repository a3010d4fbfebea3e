"""Batches service: create with the real synchronous checks, then validate, run, finalize, cancel and
expire by the clock. Every transition is a scheduler timer, so state depends only on time and events.
"""

from __future__ import annotations

import os
import random
import shutil
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulator.batches import state as batch_state
from emulator.batches.endpoints import BATCH_ENDPOINTS
from emulator.batches.input import iter_request_lines, validate_batch_input
from emulator.batches.runner import LineRunner, WorkFiles, slot_end, truncate_to
from emulator.engine.errors import (
    MSG_CANNOT_CANCEL,
    Conflict,
    InvalidRequest,
    batch_not_found,
    file_not_found,
    invalid_value,
)
from emulator.engine.paging import cursor_page
from emulator.engine.params import as_string, expires_after, metadata, one_of, require
from emulator.engine.storage import BlobWriter, ExistingFile
from emulator.fake_model.tokens import request_prompt_tokens
from emulator.scenario.registry import BatchPlan, ScenarioEngine, token_limit_error

MSG_BATCH_BROKEN = "The batch could not be processed further because of an internal error."

if TYPE_CHECKING:
    from emulator.backend import Backend

KIND = "batches"
SCENARIO_METADATA_KEY = "emulator_scenario"
MSG_CANNOT_FIND_FILE = "Cannot find file {id}, or organization does not have access to it."
SHUFFLE_WINDOW = 10_000


class BatchesService:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.created_count = 0
        self.listeners: list[Callable[[dict[str, Any], str], None]] = []

    def _apply(self, record: dict[str, Any], event: str, at: float) -> None:
        """Move a batch by `event` and tell every listener (webhooks, dialects) about its new status."""
        batch_state.apply(record, event, at)
        for listener in self.listeners:
            listener(record, event)

    # -- helpers --------------------------------------------------------------------------------

    @property
    def store(self) -> Any:
        return self.backend.store

    def _save(self, record: dict[str, Any]) -> None:
        self.store.put(KIND, record["id"], record)

    def _timing(self, record: dict[str, Any]) -> dict[str, float]:
        timing: dict[str, float] = record["plan"]["timing"]
        return timing

    def _work(self, record: dict[str, Any]) -> WorkFiles:
        blobs = self.backend.blobs
        return WorkFiles(blobs.scratch_path(record["id"] + ".out"), blobs.scratch_path(record["id"] + ".err"))

    def engine_for(self, record: dict[str, Any]) -> ScenarioEngine | None:
        """The engine of the scenario the batch was created under (the active one if that name is gone)."""
        name = record.get("scenario")
        if name and name in self.backend.scenarios:
            return self.backend.scenarios.engine(name)
        return self.backend.engine

    def reset(self) -> None:
        self.created_count = 0

    # -- create, read, list ---------------------------------------------------------------------

    def create(
        self,
        body: Any,
        owner: str | None,
        scenario_name: str | None = None,
        *,
        window_seconds: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a batch. Dialects pass `window_seconds` (a window other than 24h) and `extra` record fields
        (dialect name, wire-only values, `limits` overrides for validation)."""
        if not isinstance(body, dict):
            raise InvalidRequest("The request body must be a JSON object.", code="invalid_type")
        input_file_id = as_string(require(body, "input_file_id"), "input_file_id")
        endpoint = one_of(require(body, "endpoint"), "endpoint", BATCH_ENDPOINTS)
        window = require(body, "completion_window")
        if window != "24h":
            raise invalid_value("completion_window", f"Invalid value: '{window}'. Supported values are: '24h'.")
        meta = metadata(body.get("metadata"))
        output_ttl = expires_after(body.get("output_expires_after"), "output_expires_after")
        known = {"input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"}
        for key in body:
            if key not in known:
                raise InvalidRequest(
                    f"Unrecognized request argument supplied: {key}", param=key, code="unknown_parameter"
                )
        scenario_name = scenario_name or (meta or {}).get(SCENARIO_METADATA_KEY)
        if scenario_name:
            self.backend.scenarios.engine(scenario_name)  # raises a 400 for an unknown name
        file = self.backend.files.find(input_file_id, owner)
        unknown_file = file is None
        if unknown_file and self.backend.config.unknown_input_file == "not_found":
            raise file_not_found(input_file_id)
        if file is not None and file["purpose"] != "batch":
            raise InvalidRequest(
                f"The file {input_file_id} has purpose '{file['purpose']}'; a batch needs an input file uploaded "
                "with purpose 'batch'.",
                param="input_file_id",
                code="invalid_file_purpose",
            )
        now = self.backend.clock.now()
        batch_id = self.backend.ids.batch()
        self.created_count += 1
        engine = self.backend.scenarios.engine(scenario_name) if scenario_name else self.backend.engine
        plan: BatchPlan = engine.batch_plan(
            batch_id=batch_id, endpoint=endpoint, metadata=meta, base_timing=self.backend.config.timing
        )
        created = int(now)
        record: dict[str, Any] = {
            "id": batch_id,
            "endpoint": endpoint,
            "input_file_id": input_file_id,
            "completion_window": "24h",
            "status": "validating",
            "created_at": created,
            "expires_at": created + int(plan.timing.completion_window if window_seconds is None else window_seconds),
            "errors": None,
            "output_file_id": None,
            "error_file_id": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "usage": {"input_tokens": 0, "cached_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0},
            "metadata": meta,
            "model": None,
            "owner": owner,
            "output_ttl": output_ttl,
            "scenario": engine.name,
            "plan": plan.to_dict(),
            "progress": {
                "cursor_offset": 0,
                "cursor_line": 0,
                "out_bytes": 0,
                "err_bytes": 0,
                "out_lines": 0,
                "err_lines": 0,
                "delayed": [],
            },
        }
        for field in batch_state.STAMP.values():
            record.setdefault(field, None)
        record.update(extra or {})
        self._save(record)
        if plan.rule:
            self.backend.journal.add({"kind": "batch", "batch_id": batch_id, "rule": plan.rule, "time": now})
        self._schedule(record)
        return record

    def get(self, batch_id: str, owner: str | None) -> dict[str, Any]:
        record = self.store.get(KIND, batch_id)
        if record is None or record.get("owner") != owner:
            raise batch_not_found(batch_id)
        self.sync(record)
        return record  # type: ignore[no-any-return]

    def page(
        self,
        owner: str | None,
        *,
        limit: int,
        after: str | None,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> tuple[list[dict[str, Any]], bool]:
        """An owner's batches (those `where` keeps, when given), newest first, after the batch id `after`."""
        records = [r for r in self.store.values(KIND) if r.get("owner") == owner and (where is None or where(r))]
        records.reverse()
        page, has_more = cursor_page(records, limit=limit, after=after)
        for record in page:
            self.sync(record)
        return page, has_more

    def any_active(self) -> bool:
        return any(r["status"] in batch_state.ACTIVE for r in self.store.values(KIND))

    # -- cancel ---------------------------------------------------------------------------------

    def cancel(self, batch_id: str, owner: str | None) -> dict[str, Any]:
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
        now = self.backend.clock.now()
        self._catch_up(record, now)
        self._apply(record, "cancel", now)
        self._unschedule(record)
        delay = record["plan"]["cancel_delay"]
        delay = float(self._timing(record)["cancelling"] if delay is None else delay)
        self._save(record)
        self.backend.scheduler.call_at(now + delay, f"{batch_id}:step", lambda at: self._drained(batch_id, at))
        return record

    # -- timers ---------------------------------------------------------------------------------

    def _record(self, batch_id: str) -> dict[str, Any]:
        record = self.store.get(KIND, batch_id)
        assert record is not None, f"timer for a missing batch {batch_id}"
        return record  # type: ignore[no-any-return]

    def _unschedule(self, record: dict[str, Any]) -> None:
        self.backend.scheduler.cancel(f"{record['id']}:step")
        self.backend.scheduler.cancel(f"{record['id']}:deadline")

    def _schedule(self, record: dict[str, Any]) -> None:
        """(Re)create the timers a record's status implies; used at create and after a restart."""
        batch_id = record["id"]
        sched = self.backend.scheduler
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
            sched.call_at(
                record["finalizing_at"] + timing["finalizing"], step, lambda at: self._finalized(batch_id, at)
            )
        elif status == "cancelling":
            delay = record["plan"]["cancel_delay"]
            delay = timing["cancelling"] if delay is None else delay
            sched.call_at(record["cancelling_at"] + delay, step, lambda at: self._drained(batch_id, at))

    def _schedule_progress(self, record: dict[str, Any]) -> None:
        batch_id = record["id"]
        total = int(record["request_counts"]["total"])
        progress = record["progress"]
        if progress["cursor_line"] < total:
            due = slot_end(record, total - 1) if total else float(record["in_progress_at"])
        elif progress["delayed"]:
            due = min(item[0] for item in progress["delayed"])
        else:
            due = max(float(record["in_progress_at"]), slot_end(record, total - 1) if total else 0.0)
        self.backend.scheduler.call_at(due, f"{batch_id}:step", lambda at: self._progress(batch_id, at))

    def _held_input(self, record: dict[str, Any]) -> Path:
        return self.backend.blobs.scratch_path(record["id"] + ".in")

    def _hold_input(self, record: dict[str, Any]) -> None:
        """Give the batch its own name for the input bytes (a hard link, else a copy), so deleting or expiring
        the input file while the batch runs takes the file away from the API but not from the batch."""
        held = self._held_input(record)
        source = self.backend.blobs.path(record["input_file_id"])
        held.parent.mkdir(parents=True, exist_ok=True)
        held.unlink(missing_ok=True)
        try:
            os.link(source, held)
        except OSError:
            shutil.copyfile(source, held)

    def _release_input(self, record: dict[str, Any]) -> None:
        self._held_input(record).unlink(missing_ok=True)

    def _input_path(self, record: dict[str, Any]) -> Path:
        held = self._held_input(record)
        return held if held.exists() else self.backend.blobs.path(record["input_file_id"])

    def _fail(self, record: dict[str, Any], errors: list[dict[str, Any]], at: float) -> None:
        self._release_input(record)
        record["errors"] = errors
        self._apply(record, "invalid", at)
        self._unschedule(record)
        self._save(record)

    def _validate(self, batch_id: str, at: float) -> None:
        record = self._record(batch_id)
        plan = record["plan"]
        file = self.backend.files.find(record["input_file_id"], record["owner"])
        if file is None:
            message = MSG_CANNOT_FIND_FILE.format(id=record["input_file_id"])
            self._fail(
                record, [{"code": "invalid_request", "message": message, "param": "input_file_id", "line": None}], at
            )
            return
        if plan["fail_validation"]:
            self._fail(record, [_batch_error(e) for e in plan["fail_validation"]], at)
            return
        self._hold_input(record)
        report = validate_batch_input(
            self._input_path(record),
            record["endpoint"],
            self.backend.config.limits.model_copy(update=record.get("limits") or {}),
            known_model=self.backend.model.knows_model,
            foreign_urls=bool(record.get("lines_follow_endpoint")),
        )
        record["model"] = report.model
        if report.errors:
            errors = [{"code": e.code, "message": e.message, "param": e.param, "line": e.line} for e in report.errors]
            self._fail(record, errors, at)
            return
        if plan["token_limit_exceeded"]:
            self._fail(record, [token_limit_error(report.model)], at)
            return
        engine = self.engine_for(record)
        limit = engine.enqueued_token_limit(report.model) if engine is not None else None
        if limit is not None:
            record["enqueued_tokens"] = enqueued_tokens(self._input_path(record))
            if record["enqueued_tokens"] + self._tokens_in_progress(record) > limit:
                self._fail(record, [token_limit_error(report.model, limit=limit)], at)
                return
        record["request_counts"]["total"] = report.total_requests
        self._apply(record, "validated", at)
        self._save(record)
        if plan["stuck_in"] != "in_progress":
            self._schedule_progress(record)

    def _tokens_in_progress(self, record: dict[str, Any]) -> int:
        """The enqueued tokens of the owner's other batches for the same model that have passed validation and
        not ended."""
        return sum(
            int(other.get("enqueued_tokens") or 0)
            for other in self.store.values(KIND)
            if other["id"] != record["id"]
            and other.get("owner") == record.get("owner")
            and other.get("model") == record.get("model")
            and other["status"] in batch_state.ACTIVE
            and other["status"] != "validating"
        )

    def _runner(self, record: dict[str, Any], work: WorkFiles) -> LineRunner:
        return LineRunner(
            record, self._input_path(record), work, self.backend.model, self.engine_for(record), self.backend.seed
        )

    def _catch_up(self, record: dict[str, Any], at: float) -> None:
        """Process the lines of an in-progress batch that have finished by `at`."""
        if record["status"] != "in_progress" or record["plan"]["stuck_in"] == "in_progress":
            return
        progress = record["progress"]
        before = (progress["cursor_line"], len(progress["delayed"]))
        work = self._work(record)
        runner = self._runner(record, work)
        try:
            runner.advance_to(at)
        except Exception as exc:  # a bug or lost input: end this batch, keep the server serving
            self._broken(record, exc, at)
            return
        finally:
            work.close()
        for entry in runner.fired:
            self.backend.journal.add({"kind": "line", **entry})
        if (progress["cursor_line"], len(progress["delayed"])) != before:
            self._save(record)

    def _broken(self, record: dict[str, Any], exc: Exception, at: float) -> None:
        """An in-progress batch that cannot go on: keep the error for the test that caused it (like a failing
        request handler) and fail the batch, so reads and the clock keep working."""
        self.backend.handler_errors.append(
            {"method": "BATCH", "path": record["id"], "error": repr(exc), "traceback": traceback.format_exc()}
        )
        work = self._work(record)
        for path in (work.out_path, work.err_path):
            path.unlink(missing_ok=True)
        error = {"code": "server_error", "message": MSG_BATCH_BROKEN, "param": None, "line": None}
        self._fail(record, [error], at)

    def _progress(self, batch_id: str, at: float) -> None:
        record = self._record(batch_id)
        self._catch_up(record, at)
        if record["status"] != "in_progress":
            return
        progress = record["progress"]
        if progress["cursor_line"] < record["request_counts"]["total"] or progress["delayed"]:
            self._schedule_progress(record)
            return
        self._apply(record, "all_done", at)
        self._save(record)
        if record["plan"]["stuck_in"] == "finalizing":
            return
        self.backend.scheduler.call_at(
            at + self._timing(record)["finalizing"], f"{batch_id}:step", lambda when: self._finalized(batch_id, when)
        )

    def _finalized(self, batch_id: str, at: float) -> None:
        record = self._record(batch_id)
        self._publish(record, at)
        self._apply(record, "finalized", at)
        self._unschedule(record)
        self._save(record)

    def _drained(self, batch_id: str, at: float) -> None:
        record = self._record(batch_id)
        self._publish(record, at)
        self._apply(record, "drained", at)
        self._save(record)

    def _deadline(self, batch_id: str, at: float) -> None:
        record = self._record(batch_id)
        self._catch_up(record, at)
        if record["status"] in batch_state.TERMINAL:
            return
        if record["status"] == "in_progress":
            work = self._work(record)
            try:
                self._runner(record, work).expire_rest()
            finally:
                work.close()
        self.backend.scheduler.cancel(f"{batch_id}:step")
        self._publish(record, at)
        self._apply(record, "deadline", at)
        self._save(record)

    # -- results --------------------------------------------------------------------------------

    def _publish(self, record: dict[str, Any], at: float) -> None:
        """Turn the work files into batch_output files and set the batch's file ids; let go of the input."""
        self._release_input(record)
        work = self._work(record)
        ttl = record["output_ttl"] or self.backend.config.limits.batch_output_default_ttl
        if record["plan"]["shuffle_output"] and work.out_path.exists():
            _shuffle_file(work.out_path, record["plan"].get("shuffle_seed") or self.backend.seed, record["id"])
        blank = "" if record["plan"]["empty_string_file_ids"] else None
        for path, field, suffix in (
            (work.out_path, "output_file_id", "output"),
            (work.err_path, "error_file_id", "error"),
        ):
            if path.exists() and path.stat().st_size > 0:
                blob = ExistingFile(path, self.backend.blobs.path)
                file = self.backend.files.add(
                    blob,
                    filename=f"{record['id']}_{suffix}.jsonl",
                    purpose="batch_output",
                    ttl=ttl,
                    owner=record["owner"],
                    at=at,
                )
                record[field] = file["id"]
            else:
                path.unlink(missing_ok=True)
                record[field] = blank

    # -- reads catch up -------------------------------------------------------------------------

    def sync(self, record: dict[str, Any]) -> None:
        """Bring an in-progress batch's counts up to the clock (reads never change status)."""
        self.backend.run_due()
        if record["status"] == "in_progress":
            self._catch_up(record, self.backend.clock.now())

    def sync_all(self) -> None:
        now = self.backend.clock.now()
        for record in self.store.values(KIND):
            if record["status"] == "in_progress":
                self._catch_up(record, now)

    def restore(self) -> None:
        """After a restart: trim work files to the last saved state and re-arm every active batch's timers."""
        for record in self.store.values(KIND):
            if record["status"] in batch_state.TERMINAL:
                continue
            work = self._work(record)
            truncate_to(work.out_path, record["progress"]["out_bytes"])
            truncate_to(work.err_path, record["progress"]["err_bytes"])
            self._schedule(record)


def _batch_error(error: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": error.get("code"),
        "message": error.get("message"),
        "param": error.get("param"),
        "line": error.get("line"),
    }


def _shuffle_file(path: Any, seed: int, batch_id: str) -> None:
    """Shuffle result lines in windows of SHUFFLE_WINDOW lines (seeded), keeping memory bounded."""
    rng = random.Random(f"{seed}:{batch_id}:shuffle")
    tmp = str(path) + ".shuffle"
    with open(path, "rb") as source, open(tmp, "wb") as target:
        window: list[bytes] = []
        for line in source:
            window.append(line)
            if len(window) >= SHUFFLE_WINDOW:
                rng.shuffle(window)
                target.writelines(window)
                window = []
        rng.shuffle(window)
        target.writelines(window)
    os.replace(tmp, path)


def enqueued_tokens(path: Path) -> int:
    """The prompt tokens of every request of a validated input file, read line by line."""
    return sum(request_prompt_tokens(request.body) for _, request in iter_request_lines(path))


__all__ = ["BatchesService", "BlobWriter"]
