"""/v1/batches: create, list (newest first), retrieve, cancel."""

from __future__ import annotations

from aiohttp import web

from emulator.dialects.openai.batches import parse_batch_create
from emulator.dialects.openai.wire import batch_list_wire, batch_wire
from emulator.engine.params import query_int
from emulator.http.responses import backend_of, json_body, json_response, owner_of

SCENARIO_HEADER = "X-Emulator-Scenario"


async def create_batch(request: web.Request) -> web.Response:
    arguments = parse_batch_create(await json_body(request))
    scenario = request.headers.get(SCENARIO_HEADER)
    record = backend_of(request).batches.create(**arguments, owner=owner_of(request), scenario=scenario)
    return json_response(batch_wire(record))


async def list_batches(request: web.Request) -> web.Response:
    limit = query_int(request.query.get("limit"), "limit", 1, 100, 20)
    records, has_more = backend_of(request).batches.page(
        owner_of(request), limit=limit, after=request.query.get("after")
    )
    return json_response(batch_list_wire(records, has_more))


async def retrieve_batch(request: web.Request) -> web.Response:
    return json_response(batch_wire(backend_of(request).batches.get(request.match_info["batch_id"], owner_of(request))))


async def cancel_batch(request: web.Request) -> web.Response:
    return json_response(
        batch_wire(backend_of(request).batches.cancel(request.match_info["batch_id"], owner_of(request)))
    )


def setup_routes(app: web.Application, prefix: str = "/v1") -> None:
    app.router.add_post(f"{prefix}/batches", create_batch)
    app.router.add_get(f"{prefix}/batches", list_batches)
    app.router.add_get(f"{prefix}/batches/{{batch_id}}", retrieve_batch)
    app.router.add_post(f"{prefix}/batches/{{batch_id}}/cancel", cancel_batch)
