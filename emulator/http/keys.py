"""Typed application keys and small response helpers shared by the route modules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from aiohttp import web

from ..backend import Backend
from ..dialects.envelopes import OPENAI_ERRORS, ErrorEnvelope

BACKEND = web.AppKey("backend", Backend)
OWNER: web.RequestKey[str | None] = web.RequestKey("owner")
ENTRY: web.RequestKey[dict[str, Any]] = web.RequestKey("journal_entry")
ENVELOPE: web.RequestKey[ErrorEnvelope] = web.RequestKey("error_envelope")
WRITE_CHUNK = 256 * 1024


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json", headers=headers)


async def stream_response(request: web.Request, lines: Iterable[bytes], content_type: str) -> web.StreamResponse:
    """Send `lines` as the body, written in chunks of about WRITE_CHUNK bytes, never holding them all."""
    response = web.StreamResponse(headers={"Content-Type": content_type})
    await response.prepare(request)
    buffer: list[bytes] = []
    size = 0
    for line in lines:
        buffer.append(line)
        size += len(line)
        if size >= WRITE_CHUNK:
            await response.write(b"".join(buffer))
            buffer, size = [], 0
    if buffer:
        await response.write(b"".join(buffer))
    await response.write_eof()
    return response


def backend_of(request: web.Request) -> Backend:
    return request.app[BACKEND]


def owner_of(request: web.Request) -> str | None:
    return request.get(OWNER)


def envelope_of(request: web.Request) -> ErrorEnvelope:
    """The error envelope the middleware chose for this request (OpenAI's until it has chosen)."""
    envelope: ErrorEnvelope = request.get(ENVELOPE, OPENAI_ERRORS)
    return envelope


async def json_body(request: web.Request) -> Any:
    """The request's JSON body, or the real API's 400 when it is not JSON."""
    from ..errors import InvalidRequest

    raw = await request.read()
    if not raw:
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidRequest(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
            "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
            code=None,
        ) from None
