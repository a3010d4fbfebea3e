"""One exception hierarchy for every error the emulator reports, mapped to the OpenAI envelope.

EmulatorError                    (status, message, type, param, code)
  InvalidRequest          400    invalid_request_error
  Unauthorized            401    invalid_request_error
  NotFound                404    invalid_request_error
  Conflict                409    invalid_request_error
  RateLimited             429    requests
  ServerError             500    server_error
  InsufficientStorage     507    server_error

Message texts that copy the real API's wording live here as constants so they change in one place.
This module imports nothing from the rest of the package.
"""

from __future__ import annotations

from typing import Any

INVALID_REQUEST = "invalid_request_error"
SERVER_ERROR = "server_error"

MSG_NO_SUCH_FILE = "No such File object: {id}"
MSG_NO_SUCH_BATCH = "No batch found with id '{id}'."
MSG_NO_SUCH_UPLOAD = "No such Upload object: {id}"
MSG_BATCH_FILE_FORMAT = "Invalid file format for Batch API. Must be .jsonl"
MSG_DOWNLOAD_FORBIDDEN = "Not allowed to download files of purpose: {purpose}"
MSG_CANNOT_CANCEL = "Cannot cancel a batch with status '{status}'."
MSG_MISSING_PARAM = "Missing required parameter: '{param}'."
MSG_INVALID_URL = "Invalid URL ({method} {path})"
MSG_STORAGE_FULL = (
    "The emulator could not store this change because its storage is full; nothing was changed. "
    "Free some space and retry."
)
MSG_NO_API_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
)
MSG_BAD_API_KEY = (
    "Incorrect API key provided: {masked}. You can find your API key at https://platform.openai.com/account/api-keys."
)


class EmulatorError(Exception):
    """An error that the HTTP layer renders as `{"error": {message, type, param, code}}`."""

    status: int = 500
    type: str = SERVER_ERROR

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        type: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code
        if type is not None:
            self.type = type
        if status is not None:
            self.status = status
        self.headers: dict[str, str] = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The JSON body the real API sends for this error."""
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.message!r}, param={self.param!r}, code={self.code!r})"


class InvalidRequest(EmulatorError):
    status = 400
    type = INVALID_REQUEST


class Unauthorized(EmulatorError):
    status = 401
    type = INVALID_REQUEST


class NotFound(EmulatorError):
    status = 404
    type = INVALID_REQUEST


class Conflict(EmulatorError):
    status = 409
    type = INVALID_REQUEST


class RateLimited(EmulatorError):
    status = 429
    type = "requests"


class ServerError(EmulatorError):
    status = 500
    type = SERVER_ERROR


class InsufficientStorage(EmulatorError):
    """A write failed for lack of space (ENOSPC, a quota, SQLite's "database or disk is full"): nothing changed."""

    status = 507
    type = SERVER_ERROR

    def __init__(self) -> None:
        super().__init__(MSG_STORAGE_FULL, code="storage_full")


def missing_parameter(param: str) -> InvalidRequest:
    """The real API's error for a required parameter that was not sent."""
    return InvalidRequest(MSG_MISSING_PARAM.format(param=param), param=param, code="missing_required_parameter")


def file_not_found(file_id: str) -> NotFound:
    return NotFound(MSG_NO_SUCH_FILE.format(id=file_id), param="id")


def batch_not_found(batch_id: str) -> NotFound:
    return NotFound(MSG_NO_SUCH_BATCH.format(id=batch_id), param="batch_id", code="batch_not_found")


def upload_not_found(upload_id: str) -> NotFound:
    return NotFound(MSG_NO_SUCH_UPLOAD.format(id=upload_id), param="upload_id")


def invalid_value(param: str, message: str) -> InvalidRequest:
    return InvalidRequest(message, param=param, code="invalid_value")


def string_too_long(name: str, maximum: int, length: int, *, param: str | None = None) -> InvalidRequest:
    """The real API's 400 for a string over its maximum length; `param` defaults to the quoted `name`."""
    return InvalidRequest(
        f"Invalid '{name}': string too long. Expected a string with maximum length {maximum}, "
        f"but got a string with length {length} instead.",
        param=name if param is None else param,
        code="string_above_max_length",
    )


def invalid_type(param: str, expected: str, got: object) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid type for '{param}': expected {expected}, but got {json_type_name(got)} instead.",
        param=param,
        code="invalid_type",
    )


def json_type_name(value: object) -> str:
    """Describe a decoded JSON value the way the real API's type errors do ("an array", "a string")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "an unsupported value"


def as_int(value: Any, param: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_type(param, "an integer", value)
    return value


def int_in_range(value: Any, param: str, low: int | None, high: int | None) -> int:
    """An integer within the bounds given (None: unbounded on that side)."""
    number = as_int(value, param)
    if low is not None and number < low:
        raise InvalidRequest(
            f"Invalid '{param}': integer below minimum value. Expected a value >= {low}, but got {number} instead.",
            param=param,
            code="integer_below_min_value",
        )
    if high is not None and number > high:
        raise InvalidRequest(
            f"Invalid '{param}': integer above maximum value. Expected a value <= {high}, but got {number} instead.",
            param=param,
            code="integer_above_max_value",
        )
    return number


def format_problem(source: object, line: int | None, code: str, param: str | None, message: str) -> str:
    """A problem found in a file, in the one format every file check prints: `SOURCE:LINE: code [param]: message`
    (`SOURCE: code: message` without a line or a param)."""
    where = f"{source}:{line}:" if line is not None else f"{source}:"
    return f"{where} {code}{f' [{param}]' if param else ''}: {message}"
