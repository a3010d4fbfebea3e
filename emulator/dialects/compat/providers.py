"""The OpenAI-compatible dialects (Groq, Nebius, Inference.net, Netmind): create-body translation, their
batch objects and result lines. Everything else is the OpenAI engine unchanged."""

from __future__ import annotations

from typing import Any, TypedDict, cast
from urllib.parse import urlsplit

import orjson

from emulator.batches.records import BatchRecord
from emulator.batches.service import BatchesService
from emulator.dialects.base import DAY, Dialect
from emulator.dialects.openai.batches import parse_batch_create
from emulator.dialects.openai.wire import BATCH_TIMESTAMPS, batch_wire
from emulator.engine.errors import InvalidRequest, RateLimited, batch_not_found, invalid_type
from emulator.engine.params import as_string, require
from emulator.files.service import FilesService

OVERRIDE_KEYS = ("model", "temperature", "top_p", "max_tokens")


class CompatState(TypedDict, total=False):
    """What an OpenAI-compatible dialect keeps about a batch beside its engine record (each field only when set)."""

    wire_input_file_id: str  # the input file id the client knows, when the batch reads another file
    override_settings: dict[str, Any]  # Nebius's settings applied to every line


def check_webhook_url(value: Any) -> str:
    """An absolute http(s) URL. The provider asks for HTTPS; plain http is accepted so local receivers work."""
    url = as_string(value, "webhook_url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidRequest(
            f"Invalid 'webhook_url': '{url}' is not an absolute http(s) URL.", param="webhook_url", code="invalid_value"
        )
    return url


def check_override_settings(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_type("override_settings", "an object", value)
    for key in value:
        if key not in OVERRIDE_KEYS:
            raise InvalidRequest(
                f"Unrecognized key in 'override_settings': '{key}'. Allowed keys: {', '.join(OVERRIDE_KEYS)}.",
                param=f"override_settings.{key}",
                code="unknown_parameter",
            )
    return {key: item for key, item in value.items() if item is not None} or None


def _overrider(settings: dict[str, Any]) -> Any:
    def apply(line: dict[str, Any]) -> dict[str, Any]:
        body = line.get("body")
        if isinstance(body, dict):
            line["body"] = {**body, **settings}
        return line

    return apply


def _check_active_limit(batches: BatchesService, dialect: Dialect, owner: str | None) -> None:
    if dialect.max_active_batches is None:
        return
    if batches.count_active(owner, dialect.name) >= dialect.max_active_batches:
        raise RateLimited(
            f"You have reached the limit of {dialect.max_active_batches} batches in progress. "
            "Wait for some of them to finish.",
            code="batch_limit_exceeded",
        )


def create_batch(
    batches: BatchesService,
    files: FilesService,
    dialect: Dialect,
    body: Any,
    owner: str | None,
    scenario: str | None,
    wire_input_file_id: str | None = None,
) -> BatchRecord:
    """Check the dialect's own rules, take its extensions out of the body, and create a batch from the rest
    as the OpenAI API would. `wire_input_file_id` is the input file id the client knows, when the dialect's
    files have ids of their own."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.", code="invalid_type")
    body = dict(body)
    dialect.check_endpoint(body.get("endpoint"))
    state: CompatState = {}
    if wire_input_file_id is not None:
        state["wire_input_file_id"] = wire_input_file_id
    window = body.get("completion_window")
    seconds = dialect.window_seconds(window)
    label, window_seconds = "24h", None
    if window != "24h":
        label = str(window)
        body["completion_window"] = "24h"
        window_seconds = seconds if seconds != DAY else None
    webhook_url = None
    if "webhook_url" in dialect.extensions:
        url = body.pop("webhook_url", None)
        if url is not None:
            webhook_url = check_webhook_url(url)
    settings = None
    if "override_settings" in dialect.extensions:
        settings = check_override_settings(body.pop("override_settings", None))
    _check_active_limit(batches, dialect, owner)
    internal = None
    if settings:
        state["override_settings"] = settings
        input_id = as_string(require(body, "input_file_id"), "input_file_id")
        if files.get(input_id, owner)["purpose"] == "batch":
            internal = batches.rewrite_input(owner, [input_id], _overrider(settings), f"{input_id}_overridden.jsonl")
            body["input_file_id"] = internal["id"]
            state["wire_input_file_id"] = input_id
    with batches.discarded_on_failure(internal):
        return batches.create(
            **parse_batch_create(body),
            owner=owner,
            scenario=scenario,
            completion_window=label,
            window_seconds=window_seconds,
            webhook_url=webhook_url,
            dialect_state=state or None,
            **dialect.create_arguments(),
        )


def batch_object(
    batches: BatchesService, dialect: Dialect, record: BatchRecord, *, created: bool = False
) -> dict[str, Any]:
    """The dialect's batch object: OpenAI's, with the dialect's echoed extensions."""
    wire = batch_wire(record)
    state = cast(CompatState, batches.dialect_state(record))
    if state.get("wire_input_file_id"):
        wire["input_file_id"] = state["wire_input_file_id"]
    if state.get("override_settings") is not None:
        wire["override_settings"] = state["override_settings"]
    if created and dialect.sparse_create:
        return sparse_created(wire)
    return wire


def sparse_created(wire: dict[str, Any]) -> dict[str, Any]:
    """Netmind's documented create answer: status `pending` and almost every field empty."""
    sparse: dict[str, Any] = {
        "id": wire["id"],
        "object": "batch",
        "endpoint": "",
        "errors": None,
        "input_file_id": None,
        "completion_window": "",
        "status": "pending",
        "output_file_id": None,
        "error_file_id": None,
        "created_at": None,
    }
    sparse.update({name: None for name in BATCH_TIMESTAMPS})
    sparse["request_counts"] = {"total": 0, "completed": 0, "failed": 0}
    sparse["metadata"] = None
    return sparse


def unwrap_result_line(raw: bytes) -> bytes:
    """Nebius's output line: a successful request's completion directly under `response`."""
    try:
        line = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw
    response = line.get("response") if isinstance(line, dict) else None
    if isinstance(response, dict) and 200 <= int(response.get("status_code") or 0) < 300:
        line["response"] = response.get("body")
        return orjson.dumps(line) + b"\n"
    return raw


def get_batch(batches: BatchesService, dialect: Dialect, batch_id: str, owner: str | None) -> BatchRecord:
    """A batch created through this dialect (others are not found here)."""
    record = batches.get(batch_id, owner)
    if not dialect.owns(record):
        raise batch_not_found(batch_id)
    return record


def cancel_batch(batches: BatchesService, dialect: Dialect, batch_id: str, owner: str | None) -> BatchRecord:
    get_batch(batches, dialect, batch_id, owner)
    return batches.cancel(batch_id, owner)
