"""Typed application keys and small response helpers shared by the route modules."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from emulator.backend import Backend
from emulator.dialects.envelopes import OPENAI_ERRORS, ErrorEnvelope
from emulator.engine.budget import next_slice, spent, work_slice
from emulator.http.body import parse_json, read_body

BACKEND = web.AppKey("backend", Backend)
OWNER: web.RequestKey[str | None] = web.RequestKey("owner")
ENTRY: web.RequestKey[dict[str, Any]] = web.RequestKey("journal_entry")
ENVELOPE: web.RequestKey[ErrorEnvelope] = web.RequestKey("error_envelope")
STARTED: web.RequestKey[float] = web.RequestKey("started")  # `time.perf_counter()` when the request arrived
CHUNK = 256 * 1024  # bytes read from or written to a connection at a time
# Set by contract mode on a request whose answer is documented as JSON Lines: each line `stream_response` sends.
LINE_CHECK: web.RequestKey[Callable[[bytes], None]] = web.RequestKey("contract_line_check")
# Set when a request's work slice ran out with work left: the app's driver then finishes it in slices.
WORK_LEFT = web.AppKey("work_left", asyncio.Event)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json", headers=headers)


async def stream_response(request: web.Request, lines: Iterable[bytes], content_type: str) -> web.StreamResponse:
    """Send `lines` as the body, written in chunks of about CHUNK bytes, never holding them all. The lines are
    taken in work slices, the event loop turning between slices, so lines computed as they are taken (a long
    answer, a translated file) never hold other clients for long. The headers are sent before the middleware
    sees the response, so the provider's headers go here. In contract mode each line is handed to the request's
    `LINE_CHECK` as it goes."""
    response = web.StreamResponse(headers={"Content-Type": content_type, **provider_headers(request)})
    await response.prepare(request)
    pending = iter(lines)
    buffer: list[bytes] = []
    size = 0
    check = request.get(LINE_CHECK)
    finished = False
    while not finished:
        with work_slice() as piece:
            finished = True
            for line in pending:
                if check is not None:
                    check(line)
                buffer.append(line)
                size += len(line)
                if size >= CHUNK:
                    await response.write(b"".join(buffer))
                    buffer, size = [], 0
                if spent():
                    finished = False
                    break
        if not finished:
            await next_slice(piece)
    if buffer:
        await response.write(b"".join(buffer))
    await response.write_eof()
    return response


def file_download(path: Path) -> web.FileResponse:
    """A stored file's bytes as a download, sent in chunks from disk."""
    return web.FileResponse(path, chunk_size=CHUNK, headers={"Content-Type": "application/octet-stream"})


SMALL_CONTAINER = 16  # containers with at most this many items are encoded in one call
SCALARS_AT_ONCE = 4096  # a long list of numbers or strings is encoded this many items a call
_SCALARS = (str, int, float, bool, type(None))


def _long(value: Any) -> bool:
    """Whether `value` is encoded in pieces: a container of many items, or an iterator (a list computed as it is
    read)."""
    kind = type(value)
    if kind is dict or kind is list:
        return len(value) > SMALL_CONTAINER
    return isinstance(value, Iterator)


def _whole(value: Any) -> bool:
    """Whether `value` is encoded in one call: neither it nor any of its items is long."""
    kind = type(value)
    if kind is dict:
        return len(value) <= SMALL_CONTAINER and not any(map(_long, value.values()))
    if kind is list:
        return len(value) <= SMALL_CONTAINER and not any(map(_long, value))
    return not isinstance(value, Iterator)


def json_pieces(value: Any) -> Iterator[bytes]:
    """`orjson.dumps(value)` in pieces: the same bytes when joined, but a container with many items is encoded
    item by item (numbers and strings a block at a time), so that no single call runs long. An iterator is
    encoded as the list of its items, each item computed when the piece before it has been taken."""
    if _whole(value):
        yield orjson.dumps(value)
    elif type(value) is dict:
        head = b"{"
        for key, item in value.items():
            if _whole(item):
                yield head + orjson.dumps(key) + b":" + orjson.dumps(item)
            else:
                yield head + orjson.dumps(key) + b":"
                yield from json_pieces(item)
            head = b","
        yield b"}"
    elif type(value) is list and all(type(item) in _SCALARS for item in value):
        for start in range(0, len(value), SCALARS_AT_ONCE):
            block = orjson.dumps(value[start : start + SCALARS_AT_ONCE])
            yield (b"," if start else b"[") + block[1:-1]
        yield b"]"
    else:
        head = b"["
        for item in value:
            if _whole(item):
                yield head + orjson.dumps(item)
            else:
                yield head
                yield from json_pieces(item)
            head = b","
        yield b"]" if head == b"," else b"[]"


async def large_json_response(request: web.Request, data: Any) -> web.StreamResponse:
    """A JSON answer too large to encode in one go: encoded in pieces (computed as they are encoded, when `data`
    holds iterators) and sent as they come (byte for byte what `json_response` would send for the same values,
    without a Content-Length)."""
    return await stream_response(request, json_pieces(data), "application/json")


def backend_of(request: web.Request) -> Backend:
    return request.app[BACKEND]


def owner_of(request: web.Request) -> str | None:
    return request.get(OWNER)


def provider_headers(request: web.Request) -> dict[str, str]:
    """The headers that name the request (and for OpenAI, time it) on every response of its provider."""
    elapsed_ms = int((time.perf_counter() - request.get(STARTED, time.perf_counter())) * 1000)
    return envelope_of(request).response_headers(request[ENTRY]["request_id"], elapsed_ms)


def envelope_of(request: web.Request) -> ErrorEnvelope:
    """The error envelope the middleware chose for this request (OpenAI's until it has chosen)."""
    envelope: ErrorEnvelope = request.get(ENVELOPE, OPENAI_ERRORS)
    return envelope


async def json_body(request: web.Request) -> Any:
    """The request's JSON body within the server's size and depth limits, or the real API's 400 (worded by the
    request's envelope) when it is not JSON; `{}` when there is none."""
    limits = backend_of(request).config.request_limits
    raw = await read_body(request, limits.body_max_bytes)
    if not raw:
        return {}
    return parse_json(raw, limits.json_max_depth, envelope_of(request).invalid_json)
