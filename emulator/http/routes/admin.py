"""/_emulator: health, clock control, reset, scenarios, the request journal, and read-only inspection.

The operations live in emulator/admin.py; these handlers decode the request and send the answer as JSON."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from aiohttp import web

from emulator import admin
from emulator.config import ADMIN_PREFIX
from emulator.engine.errors import InvalidRequest
from emulator.engine.params import query_int
from emulator.http.body import parse_json, read_body
from emulator.http.responses import backend_of, json_response, stream_response

JOURNAL_PAGE_MAX = 10_000
MSG_ADMIN_INVALID_JSON = "The request body is not valid JSON."


async def admin_json(request: web.Request) -> Any:
    """An admin request's JSON body within the admin size limit and the JSON depth limit; `{}` when empty."""
    limits = backend_of(request).config.request_limits
    raw = await read_body(request, limits.admin_body_max_bytes)
    if not raw.strip():
        return {}
    return parse_json(raw, limits.json_max_depth, MSG_ADMIN_INVALID_JSON)


async def _body(request: web.Request) -> dict[str, Any]:
    body = await admin_json(request)
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    return body


async def health(request: web.Request) -> web.Response:
    return json_response(admin.health())


async def get_clock(request: web.Request) -> web.Response:
    return json_response(admin.clock(backend_of(request)))


async def advance_clock(request: web.Request) -> web.Response:
    return json_response(await admin.advance_async(backend_of(request), await _body(request)))


async def set_clock(request: web.Request) -> web.Response:
    return json_response(await admin.set_clock_async(backend_of(request), await _body(request)))


async def run_until_idle(request: web.Request) -> web.Response:
    return json_response(await admin.run_until_idle_async(backend_of(request), await _body(request)))


async def reset(request: web.Request) -> web.Response:
    return json_response(admin.reset(backend_of(request), await _body(request)))


async def get_scenario(request: web.Request) -> web.Response:
    return json_response(admin.active_scenario(backend_of(request)))


async def put_scenario(request: web.Request) -> web.Response:
    backend = backend_of(request)
    raw = await read_body(request, backend.config.request_limits.scenario_max_bytes)
    return json_response(admin.use_scenario(backend, raw))


async def list_scenarios(request: web.Request) -> web.Response:
    return json_response(admin.scenarios(backend_of(request)))


async def get_requests(request: web.Request) -> web.StreamResponse:
    """The journal, oldest first, streamed; `limit` and `after` (the `next_after` of the previous page) page it."""
    query = request.query
    limit = query_int(query.get("limit"), "limit", 1, JOURNAL_PAGE_MAX, JOURNAL_PAGE_MAX) if "limit" in query else None
    after = query_int(query.get("after"), "after", -1, 2**62, -1)
    entries, has_more = backend_of(request).journal.page(after=after, limit=limit)
    next_after = entries[-1][0] if entries else (after if after >= 0 else None)
    tail = orjson.dumps({"has_more": has_more, "next_after": next_after})

    def parts() -> Iterator[bytes]:
        yield b'{"object":"list","data":['
        for index, (_, entry) in enumerate(entries):
            yield (b"," if index else b"") + orjson.dumps(entry, default=str)
        yield b"]," + tail[1:]

    return await stream_response(request, parts(), "application/json")


async def clear_requests(request: web.Request) -> web.Response:
    return json_response(admin.clear_requests(backend_of(request)))


async def inspect_batch(request: web.Request) -> web.Response:
    return json_response(admin.batch(backend_of(request), request.match_info["batch_id"]))


async def inspect_file(request: web.Request) -> web.Response:
    return json_response(admin.file(backend_of(request), request.match_info["file_id"]))


async def get_findings(request: web.Request) -> web.Response:
    return json_response(admin.findings(backend_of(request)))


async def handler_errors(request: web.Request) -> web.Response:
    return json_response(admin.handler_errors(backend_of(request)))


def setup_routes(app: web.Application, prefix: str = ADMIN_PREFIX) -> None:
    app.router.add_get(f"{prefix}/health", health)
    app.router.add_get(f"{prefix}/clock", get_clock)
    app.router.add_post(f"{prefix}/clock/advance", advance_clock)
    app.router.add_post(f"{prefix}/clock/set", set_clock)
    app.router.add_post(f"{prefix}/clock/run-until-idle", run_until_idle)
    app.router.add_post(f"{prefix}/reset", reset)
    app.router.add_get(f"{prefix}/scenario", get_scenario)
    app.router.add_put(f"{prefix}/scenario", put_scenario)
    app.router.add_get(f"{prefix}/scenarios", list_scenarios)
    app.router.add_get(f"{prefix}/requests", get_requests)
    app.router.add_delete(f"{prefix}/requests", clear_requests)
    app.router.add_get(f"{prefix}/batches/{{batch_id}}", inspect_batch)
    app.router.add_get(f"{prefix}/files/{{file_id}}", inspect_file)
    app.router.add_get(f"{prefix}/handler-errors", handler_errors)
    app.router.add_get(f"{prefix}/findings", get_findings)
