"""Request bodies read within limits: bytes counted as they arrive (after any Content-Encoding is inflated,
which aiohttp does as a stream), so an oversized or decompression-bomb body stops at the limit with a 413;
JSON checked for nesting depth where it is parsed; a body aiohttp cannot decode (a broken gzip stream, bad
chunked encoding) is a 400.

A body read here is kept on the request, so the scenario fault check and the handler read it once.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from emulator.engine.errors import INVALID_REQUEST, EmulatorError, InvalidRequest
from emulator.engine.nesting import MSG_TOO_DEEP, nesting_exceeds, raw_may_exceed
from emulator.http.parser_errors import close_after_response

RAW_BODY: web.RequestKey[bytes] = web.RequestKey("raw_body")
CHUNK = 64 * 1024
MSG_TOO_LARGE = "The request body is too large: the limit is {limit} bytes."
MSG_UNREADABLE = "The request body could not be read: {detail}"


class BodyTooLarge(EmulatorError):
    """The 413 for a body over `limit` bytes."""

    status = 413
    type = INVALID_REQUEST

    def __init__(self, limit: int) -> None:
        super().__init__(MSG_TOO_LARGE.format(limit=limit), code="request_too_large")


too_large = BodyTooLarge


def unreadable(exc: BaseException) -> InvalidRequest:
    """The 400 for a body aiohttp could not decode (`exc` is what it raised)."""
    cause = exc.__cause__ if isinstance(exc.__cause__, HttpProcessingError) else exc
    detail = " ".join((cause.message if isinstance(cause, HttpProcessingError) else str(exc)).split())
    return InvalidRequest(MSG_UNREADABLE.format(detail=detail))


UNREADABLE_BODY_ERRORS = (web.RequestPayloadError, HttpProcessingError)


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, at most `limit` bytes of it after decompression; a 413 beyond that."""
    cached: bytes | None = request.get(RAW_BODY)
    if cached is not None:
        return cached
    declared = request.content_length
    if declared is not None and declared > limit and "Content-Encoding" not in request.headers:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := await request.content.read(CHUNK):
            size += len(chunk)
            if size > limit:
                if "Content-Encoding" in request.headers:
                    close_after_response(request)
                raise too_large(limit)
            chunks.append(chunk)
    except UNREADABLE_BODY_ERRORS as exc:
        close_after_response(request)
        raise unreadable(exc) from None
    raw = request[RAW_BODY] = b"".join(chunks)
    return raw


def parse_json(raw: bytes, max_depth: int, invalid_json: str) -> Any:
    """`raw` parsed, or the 400 for JSON that does not parse (`invalid_json` worded with `detail`) or nests
    deeper than `max_depth`."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(invalid_json.format(detail=exc), code=None) from None
    if raw_may_exceed(raw, max_depth) and nesting_exceeds(value, max_depth):
        raise InvalidRequest(MSG_TOO_DEEP.format(limit=max_depth))
    return value
