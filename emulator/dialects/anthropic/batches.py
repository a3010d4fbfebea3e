"""Anthropic Message Batches on the engine: inline `requests[{custom_id, params}]` become an internal chat
completions input file; batch objects, counts and the single results stream are rendered from the record
and its OpenAI-format output and error files, line by line.

How params map onto the fake model's chat requests and back is `anthropic_messages`'s job. Requests whose
params Anthropic would reject while processing (streaming, a missing `max_tokens`, no messages, malformed
tools) never reach the engine: they are kept on the record and reported as `errored` results, so a
batch never fails as a whole. Lines a cancel skipped are reported as `canceled`, requests still waiting when
the batch expired as `expired`.

Every result line has the shape of Anthropic's document (`MessageBatchIndividualResponse`): an `errored`
result's error is a full error response whose `request_id` is derived from the engine line's request id when
the request ran and failed, and null when it was rejected before it ran (as the real API reports validation
failures).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict, cast

import orjson

from emulator.batches.records import BatchRecord
from emulator.batches.request_lines import iter_request_lines
from emulator.batches.service import RESULT_FIELDS, BatchesService
from emulator.batches.state import TERMINAL, stamp
from emulator.dialects.anthropic.messages import chat_body, message, request_problem, stop_sequence_hit, thinking_of
from emulator.dialects.base import Dialect
from emulator.dialects.envelopes import anthropic_error_type
from emulator.engine.clock import iso
from emulator.engine.errors import InvalidRequest, NotFound
from emulator.engine.ids import derived_anthropic_request_id
from emulator.fake_model import FakeModel

WIRE_PREFIX = "msgbatch_"
ENGINE_PREFIX = "batch_"
CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
CHAT = "/v1/chat/completions"
# the error types an errored result's error may have (Anthropic's document lists no others there)
RESULT_ERROR_TYPES = frozenset(
    {
        "invalid_request_error",
        "authentication_error",
        "billing_error",
        "permission_error",
        "not_found_error",
        "rate_limit_error",
        "timeout_error",
        "api_error",
        "overloaded_error",
    }
)
STATUS = {
    "validating": "in_progress",
    "in_progress": "in_progress",
    "finalizing": "in_progress",
    "cancelling": "canceling",
}


class AnthropicState(TypedDict):
    """What the dialect keeps about a batch beside its engine record."""

    total: int  # requests in the create body
    pre_errors: list[list[str]]  # [custom_id, problem] of requests rejected before the engine
    models: dict[str, str]  # custom_id -> model, for requests whose model is not the first one
    final: dict[str, int] | None  # the counts of an ended batch, once computed
    extras: bool  # whether results need the mapped chat requests again (thinking, stop sequences)


def _state(batches: BatchesService, record: BatchRecord) -> AnthropicState:
    return cast(AnthropicState, batches.dialect_state(record))


def wire_id(record_id: str) -> str:
    return WIRE_PREFIX + record_id.removeprefix(ENGINE_PREFIX)


def record_id(batch_id: str) -> str:
    if not batch_id.startswith(WIRE_PREFIX):
        raise NotFound(f"message_batch {batch_id} not found", code="not_found_error")
    return ENGINE_PREFIX + batch_id[len(WIRE_PREFIX) :]


# -- create -----------------------------------------------------------------------------------------


def create_batch(
    batches: BatchesService, dialect: Dialect, body: Any, owner: str | None, scenario: str | None
) -> BatchRecord:
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests:
        raise InvalidRequest("requests: Field required (a non-empty list).", param="requests")
    limit = int(dialect.limits.get("batch_max_requests", 100_000))
    if len(requests) > limit:
        raise InvalidRequest(f"requests: List should have at most {limit} items after validation, not {len(requests)}")
    for key in body:
        if key != "requests":
            raise InvalidRequest(f"{key}: Extra inputs are not permitted", param=key)
    seen: set[str] = set()
    for index, item in enumerate(requests):
        custom_id = item.get("custom_id") if isinstance(item, dict) else None
        if not isinstance(custom_id, str) or not CUSTOM_ID.match(custom_id):
            raise InvalidRequest(
                f"requests.{index}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'",
                param=f"requests.{index}.custom_id",
            )
        if custom_id in seen:
            raise InvalidRequest(f"requests.{index}.custom_id: Duplicate custom_id '{custom_id}'.")
        seen.add(custom_id)
        if not isinstance(item.get("params"), dict):
            raise InvalidRequest(f"requests.{index}.params: Field required", param=f"requests.{index}.params")
    pre_errors: list[list[str]] = []
    valid: list[dict[str, Any]] = []
    for item in requests:
        problem = request_problem(item["params"])
        if problem is None:
            valid.append(item)
        else:
            pre_errors.append([item["custom_id"], problem])
    first_model = str(valid[0]["params"]["model"]) if valid else "claude"
    models = {i["custom_id"]: i["params"]["model"] for i in valid if i["params"]["model"] != first_model}
    lines = (
        {"custom_id": i["custom_id"], "method": "POST", "url": CHAT, "body": chat_body(i["params"], first_model)}
        for i in valid
    )
    internal = batches.write_input(owner, lines, "message_batch_requests.jsonl")
    # whether any request needs its mapped chat request again when results are read (thinking, stop sequences)
    extras = any(i["params"].get("thinking") or i["params"].get("stop_sequences") for i in valid)
    state: AnthropicState = {
        "total": len(requests),
        "pre_errors": pre_errors,
        "models": models,
        "final": None,
        "extras": extras,
    }
    with batches.discarded_on_failure(internal):
        return batches.create(
            input_file_id=internal["id"],
            endpoint=CHAT,
            owner=owner,
            scenario=scenario,
            dialect_state=state,
            **dialect.create_arguments(),
        )


# -- batch objects ----------------------------------------------------------------------------------


def final_counts(batches: BatchesService, record: BatchRecord) -> dict[str, int]:
    """Counts of an ended batch (computed once from its files, then kept in the dialect's state)."""
    state = _state(batches, record)
    final = state["final"]
    if final:
        return dict(final)
    total = int(state["total"])
    pre = len(state["pre_errors"])
    if record["status"] == "failed":
        counts = {"processing": 0, "succeeded": 0, "errored": total, "canceled": 0, "expired": 0}
    else:
        lines = (orjson.loads(raw) for raw in batches.result_lines(record, "error_file_id"))
        expired = sum(1 for line in lines if (line.get("error") or {}).get("code") == "batch_expired")
        succeeded = int(record["request_counts"]["completed"])
        errored = int(record["request_counts"]["failed"]) - expired + pre
        canceled = max(0, total - succeeded - errored - expired)
        counts = {"processing": 0, "succeeded": succeeded, "errored": errored, "canceled": canceled, "expired": expired}
    state["final"] = counts
    batches.save_dialect_state(record, state)
    return counts


def batch_object(batches: BatchesService, record: BatchRecord, results_base: str) -> dict[str, Any]:
    """A `message_batch`: three statuses, counts hidden until ended, RFC 3339 times, an absolute results URL."""
    status = record["status"]
    ended = status in TERMINAL
    total = _state(batches, record)["total"]
    counts = (
        final_counts(batches, record)
        if ended
        else {"processing": total, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
    )
    batch_id = wire_id(record["id"])
    ended_at = stamp(record, status) if ended else None
    cancelled_at = record.get("cancelling_at")
    return {
        "id": batch_id,
        "type": "message_batch",
        "processing_status": "ended" if ended else STATUS[status],
        "request_counts": counts,
        "ended_at": iso(ended_at) if ended_at is not None else None,
        "created_at": iso(record["created_at"]),
        "expires_at": iso(record["expires_at"]),
        "archived_at": None,
        "cancel_initiated_at": iso(cancelled_at) if cancelled_at is not None else None,
        "results_url": f"{results_base}/{batch_id}/results" if ended else None,
    }


def page(
    batches: BatchesService,
    dialect: Dialect,
    owner: str | None,
    *,
    limit: int,
    after_id: str | None,
    before_id: str | None,
) -> tuple[list[BatchRecord], bool]:
    """Newest first; `after_id` pages towards older batches, `before_id` towards newer ones."""
    records = batches.of_dialect(owner, dialect.name)
    records.reverse()
    ids = [wire_id(r["id"]) for r in records]
    if before_id is not None:
        end = ids.index(before_id) if before_id in ids else 0
        start = max(0, end - limit)
        chosen, more = records[start:end], start > 0
    else:
        begin = ids.index(after_id) + 1 if after_id in ids else (0 if after_id is None else len(ids))
        chosen, more = records[begin : begin + limit], begin + limit < len(records)
    for record in chosen:
        batches.sync(record)
    return chosen, more


def get(batches: BatchesService, dialect: Dialect, batch_id: str, owner: str | None) -> BatchRecord:
    record = batches.find(record_id(batch_id), owner, dialect.name)
    if record is None:
        raise NotFound(f"message_batch {batch_id} not found")
    return record


def cancel(batches: BatchesService, dialect: Dialect, batch_id: str, owner: str | None) -> BatchRecord:
    record = get(batches, dialect, batch_id, owner)
    if record["status"] in TERMINAL:
        raise InvalidRequest(f"Batch {batch_id} has already ended and cannot be canceled.")
    return batches.cancel(record["id"], owner)


def delete(batches: BatchesService, dialect: Dialect, batch_id: str, owner: str | None) -> dict[str, Any]:
    record = get(batches, dialect, batch_id, owner)
    if record["status"] not in TERMINAL:
        raise InvalidRequest(f"Batch {batch_id} cannot be deleted while it is processing; cancel it first.")
    batches.delete(record, ("input_file_id", "output_file_id", "error_file_id"))
    return {"id": batch_id, "type": "message_batch_deleted"}


# -- results ----------------------------------------------------------------------------------------


def _errored(kind: str, text: str, request_id: str | None = None) -> dict[str, Any]:
    """An `errored` result: Anthropic's error response (`type: "error"`, the error, the `request_id` of the
    request that ran and failed; null for a request rejected before it ran)."""
    error = {"type": kind, "message": text}
    return {"type": "errored", "error": {"type": "error", "error": error, "request_id": request_id}}


def _line_error_type(status: int) -> str:
    """The error type of a request that ran and failed with `status`: one of the types an errored result has."""
    kind = anthropic_error_type(status) if status else "api_error"
    if kind in RESULT_ERROR_TYPES:
        return kind
    return "invalid_request_error" if 400 <= status < 500 else "api_error"


class _MappedRequests:
    """The mapped chat requests of a batch's internal input file, looked up by custom_id while its output file
    is read in nearly the same order: lines are read ahead only as far as a lookup needs, and only requests
    with thinking or stop sequences are kept (the others are remembered as None)."""

    def __init__(self, path: Path | None) -> None:
        self._lines = iter_request_lines(path) if path is not None else iter(())
        self._ahead: dict[str, dict[str, Any] | None] = {}

    def get(self, custom_id: str) -> dict[str, Any] | None:
        if custom_id in self._ahead:
            return self._ahead.pop(custom_id)
        try:
            for _, request in self._lines:
                body = request.body if request.body.get("stop") or thinking_of(request.body) else None
                if request.custom_id == custom_id:
                    return body
                self._ahead[request.custom_id] = body
        except ValueError:  # the file changed since it was validated: answer without the extras
            return None
        return None


def _succeeded(fake: FakeModel, chat: dict[str, Any], model: str, custom_id: str, request: Any) -> dict[str, Any]:
    """The `message` of a succeeded request, with its thinking and the stop sequence that ended it."""
    stop_sequence = None
    stops = request.get("stop") if request is not None else None
    choice = (chat.get("choices") or [{}])[0]
    text = (choice.get("message") or {}).get("content")
    if stops and choice.get("finish_reason") == "stop" and isinstance(text, str):
        uncut = fake.respond(CHAT, {k: v for k, v in request.items() if k != "stop"}, custom_id=custom_id)
        full = ((uncut.body.get("choices") or [{}])[0].get("message") or {}).get("content") if uncut.ok else None
        if isinstance(full, str):
            stop_sequence = stop_sequence_hit(text, full, stops)
    return message(chat, model, thinking=thinking_of(request), stop_sequence=stop_sequence)


def result_line(line: dict[str, Any], models: dict[str, str], model: FakeModel, requests: _MappedRequests) -> bytes:
    """One engine output/error line as an Anthropic result line."""
    custom_id = line["custom_id"]
    response = line.get("response") or {}
    error = line.get("error") or {}
    status = int(response.get("status_code") or 0)
    if error.get("code") == "batch_expired":
        result: dict[str, Any] = {"type": "expired"}
    elif 200 <= status < 300:
        body = response.get("body") or {}
        name = models.get(custom_id) or str(body.get("model"))
        result = {"type": "succeeded", "message": _succeeded(model, body, name, custom_id, requests.get(custom_id))}
    else:
        detail = ((response.get("body") or {}).get("error") or {}).get("message") or error.get("message")
        ran = response.get("request_id")
        request_id = derived_anthropic_request_id(str(ran)) if ran else None
        result = _errored(_line_error_type(status), str(detail or "The request failed."), request_id)
    return orjson.dumps({"custom_id": custom_id, "result": result}) + b"\n"


def results(batches: BatchesService, model: FakeModel, record: BatchRecord) -> Iterator[bytes]:
    """Every request's result line: engine results, requests rejected up front, and requests never run."""
    if record["status"] not in TERMINAL:
        raise InvalidRequest(
            f"Batch {wire_id(record['id'])} is still processing; results are available once it has ended."
        )
    state = _state(batches, record)
    models = state["models"]
    failed = record["status"] == "failed"
    requests = _MappedRequests(batches.input_path(record) if state.get("extras", True) else None)
    for field in RESULT_FIELDS:
        for raw in batches.result_lines(record, field):
            yield result_line(orjson.loads(raw), models, model, requests)
    for custom_id, problem in state["pre_errors"]:
        yield orjson.dumps({"custom_id": custom_id, "result": _errored("invalid_request_error", problem)}) + b"\n"
    yield from _unprocessed(batches, record, failed)


def _unprocessed(batches: BatchesService, record: BatchRecord, failed: bool) -> Iterator[bytes]:
    """Lines that never ran: canceled ones, or all of them when the batch failed before running."""
    input_path = batches.input_path(record)
    if input_path is None:
        return
    progress = record["progress"]
    template: dict[str, Any]
    if failed:
        errors = record.get("errors") or []
        text = str((errors[0]["message"] if errors else None) or "The batch could not be processed.")
        offset, line = 0, 0
        template = _errored("invalid_request_error", text)
    else:
        offset, line = int(progress["cursor_offset"]), int(progress["cursor_line"])
        template = {"type": "canceled"}
    for item in progress.get("delayed") or []:
        yield orjson.dumps({"custom_id": item["custom_id"], "result": template}) + b"\n"
    try:
        for _, request in iter_request_lines(input_path, offset, line):
            yield orjson.dumps({"custom_id": request.custom_id, "result": template}) + b"\n"
    except ValueError:
        return
