"""Anthropic Message Batches routes (`<prefix>/messages/batches…`). Their errors come in Anthropic's
envelope (the dialect's `errors`, applied by the middleware)."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable

from aiohttp import web

from emulator.dialects.anthropic import batches as anthropic
from emulator.dialects.base import Dialect
from emulator.engine.params import query_int
from emulator.http.public_url import public_origin
from emulator.http.responses import backend_of, json_body, json_response, owner_of, stream_response
from emulator.http.routes.batches import SCENARIO_HEADER

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def handlers(dialect: Dialect, prefix: str) -> dict[str, Handler]:
    def base(request: web.Request) -> str:
        return f"{public_origin(request)}{prefix}/messages/batches"

    async def create(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        body = await json_body(request)
        record = anthropic.create_batch(
            backend.batches, dialect, body, owner_of(request), request.headers.get(SCENARIO_HEADER)
        )
        return json_response(anthropic.batch_object(backend.batches, record, base(request)))

    async def retrieve(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        record = anthropic.get(backend.batches, dialect, request.match_info["batch_id"], owner_of(request))
        return json_response(anthropic.batch_object(backend.batches, record, base(request)))

    async def listing(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        query = request.query
        limit = query_int(query.get("limit"), "limit", 1, dialect.list_max, dialect.list_default)
        records, has_more = anthropic.page(
            backend.batches,
            dialect,
            owner_of(request),
            limit=limit,
            after_id=query.get("after_id"),
            before_id=query.get("before_id"),
        )
        data = [anthropic.batch_object(backend.batches, record, base(request)) for record in records]
        return json_response(
            {
                "data": data,
                "has_more": has_more,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
            }
        )

    async def cancel(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        record = anthropic.cancel(backend.batches, dialect, request.match_info["batch_id"], owner_of(request))
        return json_response(anthropic.batch_object(backend.batches, record, base(request)))

    async def delete(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        return json_response(
            anthropic.delete(backend.batches, dialect, request.match_info["batch_id"], owner_of(request))
        )

    async def results(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        record = anthropic.get(backend.batches, dialect, request.match_info["batch_id"], owner_of(request))
        lines = anthropic.results(backend.batches, backend.model, record)
        first = next(lines, None)  # raises before the response starts when the batch has not ended
        started = itertools.chain([] if first is None else [first], lines)
        return await stream_response(request, started, "application/binary")

    return {
        "create": create,
        "retrieve": retrieve,
        "list": listing,
        "cancel": cancel,
        "delete": delete,
        "results": results,
    }


def add_routes(router: web.UrlDispatcher, prefix: str, dialect: Dialect) -> None:
    routes = handlers(dialect, prefix)
    router.add_post(f"{prefix}/messages/batches", routes["create"])
    router.add_get(f"{prefix}/messages/batches", routes["list"])
    router.add_get(f"{prefix}/messages/batches/{{batch_id}}", routes["retrieve"])
    router.add_delete(f"{prefix}/messages/batches/{{batch_id}}", routes["delete"])
    router.add_post(f"{prefix}/messages/batches/{{batch_id}}/cancel", routes["cancel"])
    router.add_get(f"{prefix}/messages/batches/{{batch_id}}/results", routes["results"])
