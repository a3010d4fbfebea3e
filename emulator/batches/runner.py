"""Runs a batch's lines through the scenario and the fake model and appends result lines to work files.

Progress is revealed by the clock: line k (0-based) of a batch that started at `in_progress_at` finishes
at `in_progress_at + (k + 1) / requests_per_second` plus any scenario `extra_seconds`. `advance_to(t)`
processes exactly the lines finished by `t`, reading the input from a saved byte offset, so a batch never
holds its input or its results in memory and its state depends only on the clock.

Inside a work slice (see `engine.budget`) `advance_to` and `expire_rest` stop early once the slice is spent,
with the cursor saved after the last line done, and report that work is left; the next call goes on from
there, so the lines and their bytes are the same however the work was cut.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.batches.early_answers import EarlyAnswers
from emulator.batches.line_workers import BlockJob, LinePool, model_settings
from emulator.batches.records import BatchRecord, CountsAs, DelayedLine, LineTarget
from emulator.batches.request_lines import RequestLine, iter_request_lines, iter_requests
from emulator.batches.result_lines import ResultLines, result_line
from emulator.batches.work_files import WorkFiles
from emulator.engine.budget import CHECK_EVERY, spent
from emulator.fake_model import FakeModel, ModelResult, ResponseShape, TokenUsage
from emulator.scenario.registry import LineEffect, ScenarioEngine

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
WRITE_BLOCK = 256  # output lines gathered before one write
WRITE_BYTES = 1 << 20  # or fewer, once they hold this many bytes (big answers: no write holds the loop long)


@dataclass(slots=True)
class LineOutcome:
    """One executed line: where it goes, how it counts, and its usage."""

    target: LineTarget
    counts_as: CountsAs
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


def foreign_url_error(endpoint: str, url: Any) -> dict[str, Any]:
    """The answer to a line written for another endpoint than its batch's, in a dialect that accepts such lines."""
    message = (
        f"This batch sends every request to {endpoint}; this line's url {url} is not answered here. "
        "Put requests for other endpoints in a batch of their own."
    )
    return {"error": {"message": message, "type": "invalid_request_error", "param": "url", "code": "invalid_url"}}


def execute_line(
    model: FakeModel, endpoint: str, request: RequestLine, effect: LineEffect | None, created: int
) -> tuple[int, dict[str, Any], TokenUsage | None]:
    """The status, body and usage of one request line, after the scenario's effect."""
    if request.url != endpoint:
        return 400, foreign_url_error(endpoint, request.url), None
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
    target: LineTarget = "output" if ok else "error"
    if effect is not None and effect.omit:
        target = "none"
    counts: CountsAs = (effect.count_as if effect is not None and effect.count_as else None) or (
        "completed" if ok else "failed"
    )
    return LineOutcome(target, counts, result_line(seed, batch_id, request.custom_id, status, body), usage, rule)


def slots_finished(record: BatchRecord, at: float) -> int:
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


def slot_end(record: BatchRecord, index: int) -> float:
    """When line `index` (0-based) finishes without extra time."""
    rate = float(record["plan"]["timing"]["requests_per_second"])
    return float(record["in_progress_at"] or 0) + (index + 1) / rate


class LineRunner:
    """Advances one batch record's line processing; the record is updated in place."""

    def __init__(
        self,
        record: BatchRecord,
        input_path: Path,
        work: WorkFiles,
        model: FakeModel,
        engine: ScenarioEngine | None,
        seed: int,
        pool: LinePool | None = None,
        early: EarlyAnswers | None = None,
    ) -> None:
        self.record = record
        self.input_path = input_path
        self.work = work
        self.model = model
        self.engine = engine
        self.seed = seed
        self.pool = pool
        self.early = early  # lines answered during validation, when the record agrees with them
        self.fired: list[dict[str, Any]] = []
        self._lines = ResultLines(seed, record["id"])

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

    def advance_to(self, at: float) -> bool:
        """Process every line that has finished by `at` (regular slots first, then delayed lines); False when
        the work slice ran out first."""
        record = self.record
        progress = record["progress"]
        limit = slots_finished(record, at)
        if progress["cursor_line"] < limit and not self._run_slots(limit):
            return False
        self._release_delayed(at)
        return True

    def _run_slots(self, limit: int) -> bool:
        """Lines up to `limit` (exclusive, 0-based); False when the work slice ran out first. Lines without a
        scenario effect take a fast path that keeps counters in locals and writes output lines in blocks;
        everything else goes through `_run_line`."""
        record = self.record
        progress = record["progress"]
        early = self.early
        if early is not None and early.usable and progress["cursor_line"] < early.lines:
            self._run_early(early, limit)
            if progress["cursor_line"] >= limit:
                return True
        if early is not None and early.usable:  # the runner writes the rest: no early answers past the record
            early.discard((progress["out_bytes"], progress["err_bytes"]))
        if self._pooled(limit):
            return self._run_pooled(limit)
        counts = record["request_counts"]
        usage = record["usage"]
        started = float(record["in_progress_at"] or 0)
        rate = float(record["plan"]["timing"]["requests_per_second"])
        endpoint = record["endpoint"]
        batch_id = record["id"]
        answer = self.model.line_answerer(endpoint)
        lines = self._lines
        engine = self.engine
        line_effect = engine.line_effect if engine is not None and engine.scenario.lines else None
        pending: list[bytes] = []
        pending_bytes = done = input_tokens = cached_tokens = output_tokens = reasoning_tokens = 0
        cursor_line = progress["cursor_line"]
        cursor_offset = progress["cursor_offset"]

        def flush() -> None:
            nonlocal pending_bytes, done, input_tokens, cached_tokens, output_tokens, reasoning_tokens
            progress["cursor_line"] = cursor_line
            progress["cursor_offset"] = cursor_offset
            if pending:
                self.work.write("output", b"".join(pending))
                pending.clear()
            progress["out_bytes"] += pending_bytes
            progress["out_lines"] += done
            counts["completed"] += done
            usage["input_tokens"] += input_tokens
            usage["cached_tokens"] += cached_tokens
            usage["output_tokens"] += output_tokens
            usage["reasoning_tokens"] += reasoning_tokens
            pending_bytes = done = input_tokens = cached_tokens = output_tokens = reasoning_tokens = 0

        requests = iter_requests(self.input_path, cursor_offset, cursor_line)  # no RequestLine per line
        try:
            for offset, file_line, request in requests:
                index = cursor_line
                custom_id = request["custom_id"]
                body = request["body"]
                url = request.get("url")
                effect = None
                if line_effect is not None:
                    effect = line_effect(
                        batch_id=batch_id, line=file_line, custom_id=custom_id, body=body, model=record.get("model")
                    )
                cursor_offset = offset
                cursor_line = index + 1
                if effect is None and url != endpoint:
                    flush()
                    line = lines.line(custom_id, 400, foreign_url_error(endpoint, url))
                    self._settle(LineOutcome("error", "failed", line, None, None), file_line, custom_id)
                elif effect is None:
                    finish = started + cursor_line / rate  # the same arithmetic as slot_end()
                    status, body_json, used = answer(body, custom_id, int(finish))
                    data = lines.answered(custom_id, status, body_json)
                    if 200 <= status < 300:
                        pending.append(data)
                        pending_bytes += len(data)
                        done += 1
                        line_input, line_cached, line_output, line_reasoning = used
                        input_tokens += line_input
                        cached_tokens += line_cached
                        output_tokens += line_output
                        reasoning_tokens += line_reasoning
                        if len(pending) >= WRITE_BLOCK or pending_bytes >= WRITE_BYTES:
                            flush()
                    else:
                        flush()
                        self._settle(LineOutcome("error", "failed", data, None, None), file_line, custom_id)
                else:
                    flush()
                    self._run_line(index, RequestLine(file_line, custom_id, body, url), effect)
                if cursor_line >= limit:
                    break
                if not index % CHECK_EVERY and spent():
                    return False
        finally:
            requests.close()
            flush()
        return True

    def _run_early(self, early: EarlyAnswers, limit: int) -> None:
        """Count in the lines up to `limit` answered during validation, as far as they go (none when the record
        does not agree with them: they are dropped, and the work files cut back to the record)."""
        progress = self.record["progress"]
        first = progress["cursor_line"]
        if not early.agrees(first, progress["cursor_offset"], progress["out_bytes"], progress["err_bytes"]):
            early.discard((progress["out_bytes"], progress["err_bytes"]))
            return
        span = early.span(first, min(limit, early.lines))
        counts = self.record["request_counts"]
        usage = self.record["usage"]
        progress["cursor_line"] = first + span.lines
        progress["cursor_offset"] = span.input_offset
        progress["out_bytes"] += span.output_bytes
        progress["err_bytes"] += span.error_bytes
        progress["out_lines"] += span.completed
        progress["err_lines"] += span.lines - span.completed
        counts["completed"] += span.completed
        counts["failed"] += span.lines - span.completed
        usage["input_tokens"] += span.tokens[0]
        usage["cached_tokens"] += span.tokens[1]
        usage["output_tokens"] += span.tokens[2]
        usage["reasoning_tokens"] += span.tokens[3]

    def _pooled(self, limit: int) -> bool:
        """Whether the lines up to `limit` go to worker processes: a pool wants them (given how many are left and
        the size of the answers so far) and no scenario rule or foreign url can touch them."""
        record = self.record
        progress = record["progress"]
        answered = progress["out_lines"] + progress["err_lines"]
        line_bytes = (progress["out_bytes"] + progress["err_bytes"]) / answered if answered else 0.0
        return (
            self.pool is not None
            and (self.engine is None or not self.engine.scenario.lines)
            and not record.get("lines_follow_endpoint")
            and self.pool.wanted(record["id"], limit - progress["cursor_line"], line_bytes)
        )

    def _run_pooled(self, limit: int) -> bool:
        """Lines up to `limit` answered by worker processes, written in input order; False when the work slice
        ran out (or stopped to wait for a block) first."""
        assert self.pool is not None
        record = self.record
        progress = record["progress"]
        counts = record["request_counts"]
        usage = record["usage"]
        model = self.model
        job = BlockJob(
            model_settings(model.seed, model.models, model.embedding_dimensions),
            record["id"],
            record["endpoint"],
            float(record["in_progress_at"] or 0),
            float(record["plan"]["timing"]["requests_per_second"]),
            0,
            [],
        )
        while progress["cursor_line"] < limit:
            index = progress["cursor_line"]
            written = (progress["out_bytes"], progress["err_bytes"])
            cursor = progress["cursor_offset"]
            block = self.pool.take(job._replace(first_index=index), self.input_path, cursor, limit, self.work, written)
            if block is None:
                return False
            result = block.result  # its lines are in the work files already
            progress["out_bytes"] += block.output_size
            progress["out_lines"] += result.completed
            progress["err_bytes"] += block.errors_size
            progress["err_lines"] += result.failed
            counts["completed"] += result.completed
            counts["failed"] += result.failed
            usage["input_tokens"] += result.tokens[0]
            usage["cached_tokens"] += result.tokens[1]
            usage["output_tokens"] += result.tokens[2]
            usage["reasoning_tokens"] += result.tokens[3]
            progress["cursor_offset"] += result.consumed
            progress["cursor_line"] = index + result.requests
            if progress["cursor_line"] < limit and spent():
                return False
        return True

    def _run_line(self, index: int, request: RequestLine, effect: LineEffect) -> None:
        """One line the scenario acts on: settled now, or kept in `delayed` when it takes extra time."""
        record = self.record
        progress = record["progress"]
        endpoint = record["endpoint"]
        finish = slot_end(record, index)
        if effect.extra_seconds > 0:
            finish += effect.extra_seconds
            outcome = outcome_for(self.seed, record["id"], self.model, endpoint, request, effect, int(finish))
            delayed: DelayedLine = {
                "finish": finish,
                "line": request.line,
                "custom_id": request.custom_id,
                "target": outcome.target,
                "counts_as": outcome.counts_as,
                "text": outcome.line_bytes.decode(),
                "usage": _usage_list(outcome.usage),
                "rule": outcome.rule,
            }
            progress["delayed"].append(delayed)
            return
        self._settle(
            outcome_for(self.seed, record["id"], self.model, endpoint, request, effect, int(finish)),
            request.line,
            request.custom_id,
        )

    def _release_delayed(self, at: float) -> None:
        delayed = self.record["progress"]["delayed"]
        if not delayed:
            return
        delayed.sort(key=lambda item: (item["finish"], item["line"]))
        while delayed and delayed[0]["finish"] <= at + EPSILON:
            item = delayed.pop(0)
            outcome = LineOutcome(
                item["target"], item["counts_as"], item["text"].encode(), _usage_from(item["usage"]), item["rule"]
            )
            self._settle(outcome, item["line"], item["custom_id"])

    def expire_rest(self) -> bool:
        """Write every unfinished line to the error file as batch_expired; False when the work slice ran out
        first (the lines written so far are saved in the record)."""
        record = self.record
        for item in sorted(record["progress"]["delayed"], key=lambda item: item["line"]):
            self._write_expired(item["custom_id"])
        record["progress"]["delayed"] = []
        total = int(record["request_counts"]["total"])
        for offset, request in self._pending_requests(total):
            record["progress"]["cursor_offset"] = offset
            record["progress"]["cursor_line"] += 1
            self._write_expired(request.custom_id)
            if not record["progress"]["cursor_line"] % CHECK_EVERY and spent():
                return bool(record["progress"]["cursor_line"] >= total)
        return True

    def _write_expired(self, custom_id: str) -> None:
        data = self._lines.line(custom_id, None, None, EXPIRED_ERROR)
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
