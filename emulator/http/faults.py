"""Scenario HTTP faults on the emulator's own API: error statuses with headers, real delays, and
transport faults (connection reset, truncated body, malformed JSON)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web

from .keys import backend_of, json_response

MAX_DELAY_MS = 5000


async def _create_target(request: web.Request) -> dict[str, str | None]:
    """For creates, what a rule may match on besides method and path (endpoint of a batch)."""
    if request.method == "POST" and request.path.rstrip("/").endswith("/batches") and request.can_read_body:
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            return {}
        if isinstance(body, dict) and isinstance(body.get("endpoint"), str):
            return {"endpoint": body["endpoint"]}
    return {}


async def apply_fault(
    request: web.Request, entry: dict[str, Any], purpose: str | None = None
) -> web.StreamResponse | None:
    """Ask the active scenario for a fault on this request and carry it out; None lets the request through."""
    backend = backend_of(request)
    if request.method == "POST" and request.path.rstrip("/").endswith("/files") and purpose is None:
        return None  # the files route asks again once it has read the purpose
    target = await _create_target(request)
    fault = backend.engine.http_fault(request.method, request.path, purpose=purpose, endpoint=target.get("endpoint"))
    if fault is None:
        return None
    entry["rule"] = fault.rule
    if fault.delay_ms:
        await asyncio.sleep(min(fault.delay_ms, MAX_DELAY_MS) / 1000)
    if fault.fault == "connection_reset":
        if request.transport is not None:
            request.transport.abort()
        raise ConnectionResetError("connection reset by scenario")
    if fault.fault == "malformed_json":
        return web.Response(body=b'{"id": "broken", "object": ', status=200, content_type="application/json")
    if fault.fault == "truncated_body":
        response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        response.content_length = 4096
        await response.prepare(request)
        await response.write(b'{"object": "list", "data": [')
        if request.transport is not None:
            request.transport.close()
        return response
    if fault.status is None:
        return None
    return json_response(fault.body or {}, status=fault.status, headers=dict(fault.headers))
