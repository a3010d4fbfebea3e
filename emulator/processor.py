"""Runs a batch's lines through the scenario and the fake model and appends result lines to work files.

Progress is revealed by the clock: line k (0-based) of a batch that started at `in_progress_at` finishes
at `in_progress_at + (k + 1) / requests_per_second` plus any scenario `extra_seconds`. `advance_to(t)`
processes exactly the lines finished by `t`, reading the input from a saved byte offset, so a batch never
holds its input or its results in memory and its state depends only on the clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from .batch_input import RequestLine, iter_request_lines
from .fake_model import FakeModel, ModelResult, ResponseShape, TokenUsage
from .ids import derived_hex
from .scenario import LineEffect, ScenarioEngine

EXPIRED_ERROR = {
    "code": "batch_expired",
    "message": "This request could not be executed before the completion window expired.",
}
DEFAULT_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    404: "invalid_request_error",
    409: "invalid_request_error",
    429: "requests",
}
EPSILON = 1e-9


@dataclass(slots=True)
class LineOutcome:
    """One executed line: where it goes, how it counts, and its usage."""

    target: str  # "output", "error" or "none"
    counts_as: str  # "completed" or "failed"
    line_bytes: bytes
    usage: TokenUsage | None
    rule: str | None


def error_body(status: int, error: Mapping[str, Any] | None) -> dict[str, Any]:
    given = dict(error or {})
    return {
        "error": {
            "message": given.get("message", f"The request failed with status {status}."),
            "type": given.get("type", DEFAULT_ERROR_TYPES.get(status, "server_error")),
            "param": given.get("param"),
            "code": given.get("code"),
        }
    }


def result_line(seed: int, batch_id: str, custom_id: str, status: int | None, body: Any, error: Any = None) -> bytes:
    """One output/error file line in the OpenAI format; ids depend only on (seed, batch id, custom_id)."""
    line_id = "batch_req_" + derived_hex(str(seed), batch_id, custom_id)
    response = None
    if status is not None:
        response = {
            "status_code": status,
            "request_id": derived_hex(str(seed), batch_id, custom_id, "req"),
            "body": body,
        }
    return orjson.dumps({"id": line_id, "custom_id": custom_id, "response": response, "error": error}) + b"\n"


def execute_line(
    model: FakeModel, endpoint: str, request: RequestLine, effect: LineEffect | None, created: int
) -> tuple[int, dict[str, Any], TokenUsage | None]:
    """The status, body and usage of one request line, after the scenario's effect."""
    if effect is not None and effect.status is not None and effect.status >= 300:
        return effect.status, error_body(effect.status, effect.error), None
    if effect is not None and effect.response is not None:
        return 200, dict(effect.response), None
    shape = None
    if effect is not None and (effect.finish_reason or effect.empty_content or effect.refusal):
        shape = ResponseShape(effect.finish_reason, effect.empty_content, effect.refusal)
    result: ModelResult = model.respond(
        endpoint, request.body, custom_id=request.custom_id, created=created, shape=shape
    )
    return result.status_code, result.body, result.usage if result.status_code < 300 else None


def outcome_for(
    seed: int,
    batch_id: str,
    model: FakeModel,
    endpoint: str,
    request: RequestLine,
    effect: LineEffect | None,
    created: int,
) -> LineOutcome:
    rule = effect.rule if effect is not None else None
    if effect is not None and effect.status_code_zero:
        line = result_line(seed, batch_id, request.custom_id, 0, {})
        return LineOutcome("error", effect.count_as or "completed", line, None, rule)
    status, body, usage = execute_line(model, endpoint, request, effect, created)
    ok = 200 <= status < 300
    target = "output" if ok else "error"
    if effect is not None and effect.omit:
        target = "none"
    counts = (effect.count_as if effect is not None and effect.count_as else None) or ("completed" if ok else "failed")
    return LineOutcome(target, counts, result_line(seed, batch_id, request.custom_id, status, body), usage, rule)


class WorkFiles:
    """The append-only partial output and error files of a running batch."""

    def __init__(self, out_path: Path, err_path: Path) -> None:
        self.out_path = out_path
        self.err_path = err_path
        self._out: IO[bytes] | None = None
        self._err: IO[bytes] | None = None

    def write(self, target: str, data: bytes) -> None:
        if target == "output":
            if self._out is None:
                self._out = open(self.out_path, "ab")  # noqa: SIM115 - closed in close()
            self._out.write(data)
        elif target == "error":
            if self._err is None:
                self._err = open(self.err_path, "ab")  # noqa: SIM115 - closed in close()
            self._err.write(data)

    def close(self) -> None:
        for handle in (self._out, self._err):
            if handle is not None:
                handle.close()
        self._out = self._err = None


def truncate_to(path: Path, size: int) -> None:
    """Drop bytes written after the last saved state (after a crash)."""
    if path.exists() and path.stat().st_size > size:
        with open(path, "r+b") as handle:
            handle.truncate(size)


def slots_finished(record: Mapping[str, Any], at: float) -> int:
    """How many lines' regular slots have ended by `at`."""
    started = record.get("in_progress_at")
    if started is None:
        return 0
    rate = float(record["plan"]["timing"]["requests_per_second"])
    total = int(record["request_counts"]["total"])
    count: int = max(0, min(total, math.floor((float(at) - float(started)) * rate)))
    # settle float rounding so that "finished" agrees exactly with slot_end(), which timers are set from
    while count < total and slot_end(record, count) <= at:
        count += 1
    while count > 0 and slot_end(record, count - 1) > at:
        count -= 1
    return count


def slot_end(record: Mapping[str, Any], index: int) -> float:
    """When line `index` (0-based) finishes without extra time."""
    rate = float(record["plan"]["timing"]["requests_per_second"])
    return float(record["in_progress_at"]) + (index + 1) / rate


class LineRunner:
    """Advances one batch record's line processing; the record is updated in place."""

    def __init__(
        self,
        record: dict[str, Any],
        input_path: Path,
        work: WorkFiles,
        model: FakeModel,
        engine: ScenarioEngine | None,
        seed: int,
    ) -> None:
        self.record = record
        self.input_path = input_path
        self.work = work
        self.model = model
        self.engine = engine
        self.seed = seed
        self.fired: list[dict[str, Any]] = []

    def _effect(self, request: RequestLine) -> LineEffect | None:
        if self.engine is None:
            return None
        return self.engine.line_effect(
            batch_id=self.record["id"],
            line=request.line,
            custom_id=request.custom_id,
            body=request.body,
            model=self.record.get("model"),
        )

    def _settle(self, outcome: LineOutcome, line: int, custom_id: str) -> None:
        record = self.record
        if outcome.target != "none":
            self.work.write(outcome.target, outcome.line_bytes)
            record["progress"]["out_bytes" if outcome.target == "output" else "err_bytes"] += len(outcome.line_bytes)
            record["progress"]["out_lines" if outcome.target == "output" else "err_lines"] += 1
        record["request_counts"][outcome.counts_as] += 1
        if outcome.usage is not None:
            usage = record["usage"]
            usage["input_tokens"] += outcome.usage.input_tokens
            usage["cached_tokens"] += outcome.usage.cached_tokens
            usage["output_tokens"] += outcome.usage.output_tokens
            usage["reasoning_tokens"] += outcome.usage.reasoning_tokens
        if outcome.rule is not None:
            self.fired.append({"batch_id": record["id"], "line": line, "custom_id": custom_id, "rule": outcome.rule})

    def _pending_requests(self, limit: int) -> Iterator[tuple[int, RequestLine]]:
        progress = self.record["progress"]
        if progress["cursor_line"] >= limit:
            return
        for offset, request in iter_request_lines(self.input_path, progress["cursor_offset"], progress["cursor_line"]):
            yield offset, request
            if progress["cursor_line"] >= limit:
                return

    def advance_to(self, at: float) -> None:
        """Process every line that has finished by `at` (regular slots first, then delayed lines)."""
        record = self.record
        progress = record["progress"]
        limit = slots_finished(record, at)
        endpoint = record["endpoint"]
        for offset, request in self._pending_requests(limit):
            index = progress["cursor_line"]
            effect = self._effect(request)
            finish = slot_end(record, index)
            progress["cursor_offset"] = offset
            progress["cursor_line"] = index + 1
            if effect is not None and effect.extra_seconds > 0:
                finish += effect.extra_seconds
                outcome = outcome_for(self.seed, record["id"], self.model, endpoint, request, effect, int(finish))
                progress["delayed"].append(
                    [
                        finish,
                        request.line,
                        request.custom_id,
                        outcome.target,
                        outcome.counts_as,
                        outcome.line_bytes.decode(),
                        _usage_list(outcome.usage),
                        outcome.rule,
                    ]
                )
                continue
            self._settle(
                outcome_for(self.seed, record["id"], self.model, endpoint, request, effect, int(finish)),
                request.line,
                request.custom_id,
            )
        self._release_delayed(at)

    def _release_delayed(self, at: float) -> None:
        delayed = self.record["progress"]["delayed"]
        if not delayed:
            return
        delayed.sort(key=lambda item: (item[0], item[1]))
        while delayed and delayed[0][0] <= at + EPSILON:
            _finish, line, custom_id, target, counts_as, text, usage, rule = delayed.pop(0)
            outcome = LineOutcome(target, counts_as, text.encode(), _usage_from(usage), rule)
            self._settle(outcome, line, custom_id)

    def next_delayed(self) -> float | None:
        delayed = self.record["progress"]["delayed"]
        return min(item[0] for item in delayed) if delayed else None

    def expire_rest(self) -> int:
        """Write every unfinished line to the error file as batch_expired; returns how many."""
        record = self.record
        count = 0
        for _, _line, custom_id, *_ in sorted(record["progress"]["delayed"], key=lambda item: item[1]):
            self._write_expired(custom_id)
            count += 1
        record["progress"]["delayed"] = []
        total = int(record["request_counts"]["total"])
        for offset, request in self._pending_requests(total):
            record["progress"]["cursor_offset"] = offset
            record["progress"]["cursor_line"] += 1
            self._write_expired(request.custom_id)
            count += 1
        return count

    def _write_expired(self, custom_id: str) -> None:
        data = result_line(self.seed, self.record["id"], custom_id, None, None, EXPIRED_ERROR)
        self.work.write("error", data)
        self.record["progress"]["err_bytes"] += len(data)
        self.record["progress"]["err_lines"] += 1
        self.record["request_counts"]["failed"] += 1


def _usage_list(usage: TokenUsage | None) -> list[int] | None:
    if usage is None:
        return None
    return [usage.input_tokens, usage.cached_tokens, usage.output_tokens, usage.reasoning_tokens]


def _usage_from(values: list[int] | None) -> TokenUsage | None:
    return TokenUsage(*values) if values is not None else None
