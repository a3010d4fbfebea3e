"""Scenario HTTP faults on the emulator's own API: error statuses with headers, real delays, and
transport faults (connection reset, truncated body, malformed JSON).

A fault never runs the request it replaces, and none of them is a server error: a dropped connection or a
damaged body is written without a traceback and without an entry in the backend's handler errors. The
journal entry of the request gets the rule's label in `rule` and, for a transport fault, its name in `fault`
(a reset connection has no status). An injected error body comes in the error envelope of the dialect the
request addresses, the error fields the rule leaves out taking that envelope's defaults for the status;
its status and headers (`retry-after`, ...) are kept as the rule gives them, and the envelope's request-id
header (Anthropic's `request-id`) names the request as the body does.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web

from emulator.http.body import read_body
from emulator.http.responses import ENTRY, backend_of, envelope_of, json_response, provider_headers
from emulator.scenario.registry import HttpFault

MAX_DELAY_MS = 5000
MALFORMED_JSON = b'{"id": "broken", "object": '
TRUNCATED_PLACEHOLDER = {"object": "list", "data": [], "has_more": False}


async def _create_target(request: web.Request) -> dict[str, str | None]:
    """For creates, what a rule may match on besides method and path (endpoint of a batch)."""
    if request.method == "POST" and request.path.rstrip("/").endswith("/batches") and request.can_read_body:
        raw = await read_body(request, backend_of(request).config.request_limits.body_max_bytes)
        try:
            body = orjson.loads(raw)
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
    upload = request.method == "POST" and request.path.rstrip("/").endswith("/files")
    if upload and purpose is None and request.content_type.startswith("multipart/"):
        return None  # the files route asks again once it has read the purpose
    target = await _create_target(request)
    fault = backend.active_scenario.http_fault(
        request.method, request.path, purpose=purpose, endpoint=target.get("endpoint")
    )
    if fault is None:
        return None
    entry["rule"] = fault.rule
    if fault.delay_ms:
        await asyncio.sleep(min(fault.delay_ms, MAX_DELAY_MS) / 1000)
    body, headers = _error_reply(request, fault)
    if fault.fault is not None:
        entry["fault"] = fault.fault
        return await _transport_fault(request, fault, body, headers)
    if fault.status is None:
        return None
    return json_response(body, status=fault.status, headers=headers)


def _error_reply(request: web.Request, fault: HttpFault) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The injected error body in the request's envelope (None when the rule gives no status) and the
    response headers: the provider's own, then the rule's."""
    headers = {**provider_headers(request), **fault.headers}
    if fault.status is None:
        return None, headers
    request_id = request[ENTRY]["request_id"]
    return envelope_of(request).fault_body(fault.status, fault.error_fields, request_id), headers


async def _transport_fault(
    request: web.Request, fault: HttpFault, body: dict[str, Any] | None, headers: dict[str, str]
) -> web.StreamResponse:
    """Drop the connection, or send a body (the error `body` when the rule gives a status) the client cannot
    parse."""
    status = fault.status or 200
    if fault.fault == "connection_reset":
        if request.transport is not None:
            request.transport.abort()
        # aiohttp finds the transport gone when it writes this and drops it quietly
        return web.Response(status=status)
    if fault.fault == "malformed_json":
        broken = orjson.dumps(body)[:-2] if body else MALFORMED_JSON
        return web.Response(body=broken, status=status, headers=headers, content_type="application/json")
    full = orjson.dumps(body or TRUNCATED_PLACEHOLDER)
    response = web.StreamResponse(status=status, headers={**headers, "Content-Type": "application/json"})
    response.content_length = len(full)
    await response.prepare(request)
    await response.write(full[: len(full) // 2])
    if request.transport is not None:
        request.transport.close()
    return response
