"""How each provider shapes an error response, words a missing or unknown API key and a body that is not
JSON, fills in a scripted error the scenario left incomplete, and which headers name the request on every
response.

- OpenAI (and the OpenAI-compatible dialects): `{"error": {"message", "type", "param", "code"}}`; responses
  carry `x-request-id`, `openai-processing-ms` and `openai-version`.
- Anthropic: `{"type": "error", "error": {"type", "message"}, "request_id": "req_…"}`, the error type
  following the status (`authentication_error`, `rate_limit_error`, `api_error`, ...), the shape the
  `anthropic` SDK parses. Every response names its request in a `request-id` header (the SDK's
  `APIStatusError.request_id`), the same id an error body carries; no OpenAI headers.
- Mistral: `{"object": "error", "message", "type", "param", "code"}`; a rejected key is answered by the
  gateway in front of the API with `{"detail": "Unauthorized"}`. The `mistralai` SDK keeps any error body
  as text on its `SDKError`. Responses carry an `x-request-id` and no OpenAI headers.

The HTTP layer decides which envelope a request gets (the dialect whose route it addresses) and renders
every error through it: engine errors, the auth check's 401, scenario HTTP faults, unknown routes.

A scenario's `http` rule writes its `error` as an OpenAI error object. The fields it leaves out take the
defaults of the envelope the request gets: OpenAI's per-status defaults, Anthropic's error type for the
status (a `type` the rule gives is kept when it is one of Anthropic's), or Mistral's values (`rate_limited`
/ `"1300"` for a 429).
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from emulator.engine.errors import MSG_BAD_API_KEY, MSG_NO_API_KEY, EmulatorError, Unauthorized
from emulator.scenario.effects import default_error

ERROR_FIELDS = ("message", "type", "param", "code")
MSG_INVALID_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
    "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"
)
MSG_INVALID_JSON_DETAIL = "The request body is not valid JSON: {detail}"
OPENAI_VERSION = "2020-10-01"

ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}
ANTHROPIC_TYPE_NAMES = frozenset(ANTHROPIC_ERROR_TYPES.values()) | {"api_error"}
ANTHROPIC_BAD_KEY = "invalid x-api-key"
ANTHROPIC_FAULT_MESSAGES = {
    401: ANTHROPIC_BAD_KEY,
    429: "Number of requests has exceeded your rate limit.",
    500: "Internal server error",
    529: "Overloaded",
}
MISTRAL_RATE_LIMITED = {"message": "Rate limit exceeded", "type": "rate_limited", "param": None, "code": "1300"}


def anthropic_error_type(status: int) -> str:
    """Anthropic's error `type` for an HTTP status (`api_error` for anything it does not name)."""
    return ANTHROPIC_ERROR_TYPES.get(status, "api_error")


def status_phrase(status: int) -> str:
    """The standard reason phrase of `status` ("Not Found", "Service Unavailable", ...)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


def exception_fields(exc: EmulatorError) -> dict[str, Any]:
    """`exc` as OpenAI error fields (message, type, param, code)."""
    return {"message": exc.message, "type": exc.type, "param": exc.param, "code": exc.code}


class ErrorEnvelope:
    """OpenAI's error envelope; the other providers' envelopes override how a body is shaped and worded.

    `request_id_header` names the response header that carries the request's id when the provider sends
    one the emulator derives from the seed (None: the request keeps its random `x-request-id`).
    """

    missing_key = MSG_NO_API_KEY
    bad_key = MSG_BAD_API_KEY  # formatted with `masked`, the key with its middle hidden
    invalid_json = MSG_INVALID_JSON  # formatted with `detail`, the parser's complaint
    request_id_header: str | None = None

    def shape(self, status: int, fields: Mapping[str, Any], request_id: str) -> dict[str, Any]:
        """The JSON body of an error with `status` and the OpenAI error `fields`."""
        return {"error": {name: fields.get(name) for name in ERROR_FIELDS}}

    def body(self, exc: EmulatorError, request_id: str) -> dict[str, Any]:
        """The JSON body of the response for `exc` to the request `request_id`."""
        return self.shape(exc.status, exception_fields(exc), request_id)

    def fault_defaults(self, status: int) -> dict[str, Any]:
        """The error fields a scenario's injected `status` gets where its rule says nothing."""
        return default_error(status)

    def fault_body(self, status: int, given: Mapping[str, Any], request_id: str) -> dict[str, Any]:
        """The body of a scenario's injected `status`: the error fields its rule `given` over the defaults."""
        return self.shape(status, {**self.fault_defaults(status), **given}, request_id)

    def response_headers(self, request_id: str, elapsed_ms: int) -> dict[str, str]:
        """The headers every response of this provider carries: the request's id (and for OpenAI the time
        spent on it and the API version)."""
        return {"x-request-id": request_id, "openai-processing-ms": str(elapsed_ms), "openai-version": OPENAI_VERSION}

    def unauthorized(self, masked: str | None) -> Unauthorized:
        """The 401 for a request without a key (`masked` None) or with an unknown one."""
        if masked is None:
            return Unauthorized(self.missing_key)
        return Unauthorized(self.bad_key.format(masked=masked), code="invalid_api_key")


class AnthropicErrors(ErrorEnvelope):
    """`{"type": "error", "error": {"type", "message"}, "request_id"}`, the type following the status; an
    injected error keeps a `type` its rule gives when that is one of Anthropic's."""

    missing_key = "x-api-key header is required"
    bad_key = ANTHROPIC_BAD_KEY
    invalid_json = MSG_INVALID_JSON_DETAIL
    request_id_header = "request-id"

    def shape(self, status: int, fields: Mapping[str, Any], request_id: str) -> dict[str, Any]:
        kind = fields.get("type")
        if kind not in ANTHROPIC_TYPE_NAMES:
            kind = anthropic_error_type(status)
        error = {"type": kind, "message": fields.get("message") or ""}
        return {"type": "error", "error": error, "request_id": request_id}

    def body(self, exc: EmulatorError, request_id: str) -> dict[str, Any]:
        return self.shape(exc.status, {"message": exc.message}, request_id)

    def response_headers(self, request_id: str, elapsed_ms: int) -> dict[str, str]:
        return {"request-id": request_id}

    def fault_defaults(self, status: int) -> dict[str, Any]:
        return {"message": ANTHROPIC_FAULT_MESSAGES.get(status) or status_phrase(status)}


class MistralErrors(ErrorEnvelope):
    """`{"object": "error", "message", "type", "param", "code"}`; any 401 is the gateway's
    `{"detail": "Unauthorized"}`."""

    missing_key = bad_key = "Unauthorized"
    invalid_json = MSG_INVALID_JSON_DETAIL

    def response_headers(self, request_id: str, elapsed_ms: int) -> dict[str, str]:
        return {"x-request-id": request_id}

    def shape(self, status: int, fields: Mapping[str, Any], request_id: str) -> dict[str, Any]:
        if status == 401:
            return {"detail": "Unauthorized"}
        return {"object": "error", **{name: fields.get(name) for name in ERROR_FIELDS}}

    def fault_defaults(self, status: int) -> dict[str, Any]:
        if status == 429:
            return dict(MISTRAL_RATE_LIMITED)
        kind = "internal_server_error" if status >= 500 else "invalid_request_error"
        return {"message": status_phrase(status), "type": kind, "param": None, "code": None}


OPENAI_ERRORS = ErrorEnvelope()
ANTHROPIC_ERRORS = AnthropicErrors()
MISTRAL_ERRORS = MistralErrors()
