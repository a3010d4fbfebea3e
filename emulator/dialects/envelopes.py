"""How each provider shapes an error response, and how it words a missing or unknown API key.

- OpenAI (and the OpenAI-compatible dialects): `{"error": {"message", "type", "param", "code"}}`.
- Anthropic: `{"type": "error", "error": {"type", "message"}}`, the error type following the status
  (`authentication_error`, `rate_limit_error`, `api_error`, ...), the shape the `anthropic` SDK parses.
- Mistral: `{"object": "error", "message", "type", "param", "code"}`; a rejected key is answered by the
  gateway in front of the API with `{"detail": "Unauthorized"}`. The `mistralai` SDK keeps any error body
  as text on its `SDKError`.

The HTTP layer decides which envelope a request gets (the dialect whose route it addresses) and renders
every error through it: engine errors, the auth check's 401, scenario HTTP faults, unknown routes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import MSG_BAD_API_KEY, MSG_NO_API_KEY, EmulatorError, Unauthorized

ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def anthropic_error_type(status: int) -> str:
    """Anthropic's error `type` for an HTTP status (`api_error` for anything it does not name)."""
    return ANTHROPIC_ERROR_TYPES.get(status, "api_error")


class ErrorEnvelope:
    """OpenAI's error envelope; the other providers' envelopes override how a body is shaped and worded."""

    missing_key = MSG_NO_API_KEY
    bad_key = MSG_BAD_API_KEY  # formatted with `masked`, the key with its middle hidden

    def body(self, exc: EmulatorError) -> dict[str, Any]:
        """The JSON body of the response for `exc`."""
        return exc.body()

    def fault_body(self, status: int, body: Mapping[str, Any]) -> dict[str, Any]:
        """A scenario's injected error body (an OpenAI `{"error": {...}}`) in this envelope."""
        return dict(body)

    def unauthorized(self, masked: str | None) -> Unauthorized:
        """The 401 for a request without a key (`masked` None) or with an unknown one."""
        if masked is None:
            return Unauthorized(self.missing_key)
        return Unauthorized(self.bad_key.format(masked=masked), code="invalid_api_key")


class _RecastErrors(ErrorEnvelope):
    """An envelope that renders a scenario's OpenAI error object through its own `body`."""

    def fault_body(self, status: int, body: Mapping[str, Any]) -> dict[str, Any]:
        error = body.get("error")
        fields: Mapping[str, Any] = error if isinstance(error, Mapping) else {}

        def text(name: str) -> str | None:
            value = fields.get(name)
            return None if value is None else str(value)

        message = text("message") or ""
        return self.body(
            EmulatorError(message, type=text("type"), param=text("param"), code=text("code"), status=status)
        )


class AnthropicErrors(_RecastErrors):
    """`{"type": "error", "error": {"type", "message"}}`, the type following the status."""

    missing_key = "x-api-key header is required"
    bad_key = "invalid x-api-key"

    def body(self, exc: EmulatorError) -> dict[str, Any]:
        return {"type": "error", "error": {"type": anthropic_error_type(exc.status), "message": exc.message}}


class MistralErrors(_RecastErrors):
    """`{"object": "error", "message", "type", "param", "code"}`; any 401 is the gateway's
    `{"detail": "Unauthorized"}`."""

    missing_key = bad_key = "Unauthorized"

    def body(self, exc: EmulatorError) -> dict[str, Any]:
        if exc.status == 401:
            return {"detail": "Unauthorized"}
        return {"object": "error", "message": exc.message, "type": exc.type, "param": exc.param, "code": exc.code}


OPENAI_ERRORS = ErrorEnvelope()
ANTHROPIC_ERRORS = AnthropicErrors()
MISTRAL_ERRORS = MistralErrors()
