"""Anthropic Message Batches routes (`<prefix>/messages/batches…`) with Anthropic's error envelope."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from ..dialects import anthropic
from ..dialects.base import Dialect
from ..errors import EmulatorError
from ..validation import query_int
from .batches_routes import SCENARIO_HEADER
from .keys import backend_of, json_body, json_response, owner_of

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CHUNK = 256 * 1024


def anthropic_errors(handler: Handler) -> Handler:
    """Render engine errors as `{"type": "error", "error": {"type", "message"}}`."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except EmulatorError as exc:
            body = {"type": "error", "error": {"type": anthropic.error_type(exc.status), "message": exc.message}}
            return json_response(body, status=exc.status)

    return wrapped


def handlers(dialect: Dialect, prefix: str) -> dict[str, Handler]:
    def base(request: web.Request) -> str:
        return f"{request.url.origin()}{prefix}/messages/batches"

    async def create(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        body = await json_body(request)
        record = anthropic.create_batch(backend, dialect, body, owner_of(request), request.headers.get(SCENARIO_HEADER))
        return json_response(anthropic.batch_object(backend, record, base(request)))

    async def retrieve(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        record = anthropic.get(backend, dialect, request.match_info["batch_id"], owner_of(request))
        return json_response(anthropic.batch_object(backend, record, base(request)))

    async def listing(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        query = request.query
        limit = query_int(query.get("limit"), "limit", 1, dialect.list_max, dialect.list_default)
        records, has_more = anthropic.page(
            backend,
            dialect,
            owner_of(request),
            limit=limit,
            after_id=query.get("after_id"),
            before_id=query.get("before_id"),
        )
        data = [anthropic.batch_object(backend, record, base(request)) for record in records]
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
        record = anthropic.cancel(backend, dialect, request.match_info["batch_id"], owner_of(request))
        return json_response(anthropic.batch_object(backend, record, base(request)))

    async def delete(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        return json_response(anthropic.delete(backend, dialect, request.match_info["batch_id"], owner_of(request)))

    async def results(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        record = anthropic.get(backend, dialect, request.match_info["batch_id"], owner_of(request))
        lines = anthropic.results(backend, record)
        first = next(lines, None)  # raises before the response starts when the batch has not ended
        response = web.StreamResponse(headers={"Content-Type": "application/binary"})
        await response.prepare(request)
        buffer: list[bytes] = [first] if first is not None else []
        size = len(first or b"")
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

    named = {
        "create": create,
        "retrieve": retrieve,
        "list": listing,
        "cancel": cancel,
        "delete": delete,
        "results": results,
    }
    return {name: anthropic_errors(handler) for name, handler in named.items()}


def add_routes(router: web.UrlDispatcher, prefix: str, dialect: Dialect) -> None:
    routes = handlers(dialect, prefix)
    router.add_post(f"{prefix}/messages/batches", routes["create"])
    router.add_get(f"{prefix}/messages/batches", routes["list"])
    router.add_get(f"{prefix}/messages/batches/{{batch_id}}", routes["retrieve"])
    router.add_delete(f"{prefix}/messages/batches/{{batch_id}}", routes["delete"])
    router.add_post(f"{prefix}/messages/batches/{{batch_id}}/cancel", routes["cancel"])
    router.add_get(f"{prefix}/messages/batches/{{batch_id}}/results", routes["results"])
