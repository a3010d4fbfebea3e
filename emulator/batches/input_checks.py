"""Per-line rules of a Batch API input file: the error record, the messages, and the endpoint tables.

Each check returns the problems it found as `LineError`s; `batch_input` runs them over a file and adds the
file-level rules (size, count, duplicates, one model per batch). Texts quoted from the real API are marked
"real"; the others are written for the emulator and listed in the README's known differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.engine.errors import MSG_MISSING_PARAM, json_type_name

# Real texts (CONTRACT.md 6.2).
MSG_INVALID_JSON = "This line is not parseable as valid JSON."
MSG_INVALID_URL = "The URL provided for this request does not match the batch endpoint."
MSG_MODEL_NOT_FOUND = "The provided model '{model}' is not supported by the Batch API."
MSG_STREAMING = "{label}: Streaming is not supported in the Batch API."
MSG_MODEL_REQUIRED = "Model parameter is required."
MSG_MISMATCHED_MODEL = (
    "The model '{model}' for this request does not match the rest of the batch. "
    "Each batch must contain requests for a single model."
)
MSG_DUPLICATE_ID = (
    "The custom_id '{custom_id}' for this request is a duplicate of another request. "
    "The custom_id parameter must be unique for each request in a batch."
)
MSG_FILE_TOO_LARGE = (
    "The batch input file is larger than the {limit} maximum for the {model} model. "
    "Please try again with a smaller batch."
)
# Emulator texts (the real wording is unknown).
MSG_FILE_TOO_LARGE_NO_MODEL = (
    "The batch input file is larger than the {limit} maximum. Please try again with a smaller batch."
)
MSG_LINE_TOO_LARGE = "This request line is {size} bytes, more than the {limit}-byte maximum for one request."
MSG_INVALID_METHOD = "The method '{method}' is not supported for batch requests. Only 'POST' is supported."
MSG_INVALID_TYPE = "Invalid type for '{param}': expected {expected}, but got {got} instead."
MSG_EMPTY_FILE = "The batch input file is empty. Please provide a file with at least one request."
MSG_TOO_MANY_REQUESTS = (
    "The batch input file has {count} requests, more than the {limit} maximum per batch. "
    "Please try again with a smaller batch."
)
MSG_TOO_MANY_EMBEDDING_INPUTS = (
    "The batch has {count} embedding inputs, more than the {limit} maximum per embeddings batch. "
    "Please try again with a smaller batch."
)

# Label that prefixes endpoint-specific messages ("Chat Completions: Streaming is not supported ...").
ENDPOINT_LABELS: dict[str, str] = {
    "/v1/chat/completions": "Chat Completions",
    "/v1/completions": "Completions",
    "/v1/embeddings": "Embeddings",
    "/v1/responses": "Responses",
    "/v1/moderations": "Moderations",
    "/v1/images/generations": "Image Generations",
    "/v1/images/edits": "Image Edits",
    "/v1/videos": "Videos",
}

# The body field each endpoint cannot do without, and fields that may stand in for it.
REQUIRED_INPUT: dict[str, tuple[str, tuple[str, ...]]] = {
    "/v1/chat/completions": ("messages", ()),
    "/v1/completions": ("prompt", ()),
    "/v1/embeddings": ("input", ()),
    "/v1/responses": ("input", ("prompt", "previous_response_id", "conversation")),
    "/v1/moderations": ("input", ()),
    "/v1/images/generations": ("prompt", ()),
    "/v1/images/edits": ("prompt", ()),
    "/v1/videos": ("prompt", ()),
}

ENVELOPE_FIELDS = ("custom_id", "method", "url", "body")


@dataclass(frozen=True, slots=True)
class LineError:
    """One validation problem; becomes a `BatchError` {code, message, param, line} of a failed batch."""

    code: str
    message: str
    param: str | None
    line: int | None  # 1-based; None for file-level errors


def endpoint_label(endpoint: str) -> str:
    """The product name the real API puts before endpoint-specific messages."""
    label = ENDPOINT_LABELS.get(endpoint)
    if label is not None:
        return label
    last = endpoint.rstrip("/").rsplit("/", 1)[-1]
    return last.replace("_", " ").replace("-", " ").title() or "Batch"


def required_message(field: str) -> str:
    """`Messages parameter is required.` and its siblings for other endpoints."""
    return f"{field.capitalize()} parameter is required."


def invalid_json(line: int) -> LineError:
    return LineError("invalid_json_line", MSG_INVALID_JSON, None, line)


def envelope_errors(request: dict[str, Any], endpoint: str, line: int) -> list[LineError]:
    """Missing or malformed `custom_id`, `method`, `url` and `body` (not duplicates, not the body's content)."""
    errors: list[LineError] = []
    for field in ENVELOPE_FIELDS:
        if request.get(field) is None:
            errors.append(LineError("missing_required_parameter", MSG_MISSING_PARAM.format(param=field), field, line))
    custom_id = request.get("custom_id")
    if custom_id is not None and not isinstance(custom_id, str):
        errors.append(_invalid_type("custom_id", "a string", custom_id, line))
    method = request.get("method")
    if method is not None and method != "POST":
        shown = method if isinstance(method, str) else json_type_name(method)
        errors.append(LineError("invalid_method", MSG_INVALID_METHOD.format(method=shown), "method", line))
    url = request.get("url")
    if url is not None and url != endpoint:
        errors.append(LineError("invalid_url", MSG_INVALID_URL, "url", line))
    body = request.get("body")
    if body is not None and not isinstance(body, dict):
        errors.append(_invalid_type("body", "an object", body, line))
    return errors


def body_errors(body: dict[str, Any], endpoint: str, line: int) -> list[LineError]:
    """Problems inside `body` that do not depend on other lines: model present, no streaming, input present."""
    errors: list[LineError] = []
    model = body.get("model")
    if model is None:
        errors.append(LineError("invalid_request", MSG_MODEL_REQUIRED, "body.model", line))
    elif not isinstance(model, str):
        errors.append(_invalid_type("body.model", "a string", model, line))
    if body.get("stream") is True:
        message = MSG_STREAMING.format(label=endpoint_label(endpoint))
        errors.append(LineError("streaming_unsupported", message, "body.stream", line))
    required = REQUIRED_INPUT.get(endpoint)
    if required is not None:
        field, alternatives = required
        if body.get(field) is None and not any(body.get(other) is not None for other in alternatives):
            errors.append(LineError("invalid_request", required_message(field), "body." + field, line))
    return errors


def embedding_input_count(value: Any) -> int:
    """How many embedding inputs one `input` holds: a string or a token array is one, a list of them is its length."""
    if isinstance(value, list):
        if value and isinstance(value[0], int):
            return 1  # one token array
        return len(value)
    return 0 if value is None else 1


def _invalid_type(param: str, expected: str, value: Any, line: int) -> LineError:
    message = MSG_INVALID_TYPE.format(param=param, expected=expected, got=json_type_name(value))
    return LineError("invalid_request", message, param, line)
