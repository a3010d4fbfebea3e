"""Typed application keys and small response helpers shared by the route modules."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from emulator.backend import Backend
from emulator.dialects.envelopes import OPENAI_ERRORS, ErrorEnvelope
from emulator.http.body import parse_json, read_body

BACKEND = web.AppKey("backend", Backend)
OWNER: web.RequestKey[str | None] = web.RequestKey("owner")
ENTRY: web.RequestKey[dict[str, Any]] = web.RequestKey("journal_entry")
ENVELOPE: web.RequestKey[ErrorEnvelope] = web.RequestKey("error_envelope")
STARTED: web.RequestKey[float] = web.RequestKey("started")  # `time.perf_counter()` when the request arrived
CHUNK = 256 * 1024  # bytes read from or written to a connection at a time
# Set when a request's work slice ran out with work left: the app's driver then finishes it in slices.
WORK_LEFT = web.AppKey("work_left", asyncio.Event)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json", headers=headers)


async def stream_response(request: web.Request, lines: Iterable[bytes], content_type: str) -> web.StreamResponse:
    """Send `lines` as the body, written in chunks of about CHUNK bytes, never holding them all. The
    headers are sent before the middleware sees the response, so the provider's headers go here."""
    response = web.StreamResponse(headers={"Content-Type": content_type, **provider_headers(request)})
    await response.prepare(request)
    buffer: list[bytes] = []
    size = 0
    for line in lines:
        buffer.append(line)
        size += len(line)
        if size >= CHUNK:
            await response.write(b"".join(buffer))
            buffer, size = [], 0
    if buffer:
        await response.write(b"".join(buffer))
    await response.write_eof()
    return response


def file_download(path: Path) -> web.FileResponse:
    """A stored file's bytes as a download, sent in chunks from disk."""
    return web.FileResponse(path, chunk_size=CHUNK, headers={"Content-Type": "application/octet-stream"})


SMALL_CONTAINER = 16  # containers with at most this many items are encoded in one call


def json_pieces(value: Any) -> Iterator[bytes]:
    """`orjson.dumps(value)` in pieces: the same bytes when joined, but a container with many items is encoded
    item by item, so that no single call runs long."""
    if type(value) is dict and len(value) > SMALL_CONTAINER:
        yield b"{"
        for i, (key, item) in enumerate(value.items()):
            yield (b",%s:" if i else b"%s:") % orjson.dumps(key)
            yield from json_pieces(item)
        yield b"}"
    elif type(value) is dict:
        head = b"{"
        for key, item in value.items():
            if type(item) in (dict, list) and len(item) > SMALL_CONTAINER:
                yield head + orjson.dumps(key) + b":"
                yield from json_pieces(item)
            else:
                yield head + orjson.dumps(key) + b":" + orjson.dumps(item)
            head = b","
        yield b"}" if head == b"," else b"{}"
    elif type(value) is list and len(value) > SMALL_CONTAINER:
        yield b"["
        for i, item in enumerate(value):
            if i:
                yield b","
            yield from json_pieces(item)
        yield b"]"
    else:
        yield orjson.dumps(value)


async def large_json_response(request: web.Request, data: Any) -> web.StreamResponse:
    """A JSON answer too large to encode in one go: encoded in pieces and sent in chunks, the event loop turning
    between chunks (byte for byte what `json_response` would send, without a Content-Length)."""
    response = web.StreamResponse(headers={"Content-Type": "application/json", **provider_headers(request)})
    await response.prepare(request)
    buffer: list[bytes] = []
    size = 0
    for piece in json_pieces(data):
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK:
            await response.write(b"".join(buffer))
            await asyncio.sleep(0)
            buffer, size = [], 0
    await response.write(b"".join(buffer))
    await response.write_eof()
    return response


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
