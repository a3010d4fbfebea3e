"""Mounts the other providers' dialects at their prefixes, one of them also at the root with
`serve --dialect NAME`, plus the webhook sender and its admin routes.

The root mount uses its own router consulted by a middleware before the app's routes, so a dialect whose
paths coincide with OpenAI's (`/v1/files` for Mistral and Netmind, `/v1/batches` for Nebius) answers
there in its own shapes; every other OpenAI path keeps working.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from ..backend import Backend
from ..dialects.base import Dialect
from ..dialects.registry import COMPATIBLE, DIALECTS
from ..errors import InvalidRequest
from . import dialect_anthropic, dialect_compat, dialect_mistral, dialect_netmind, dialect_webhooks

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


def add_dialect_routes(router: web.UrlDispatcher, dialect: Dialect, prefix: str, native_prefix: str) -> None:
    """Every route of `dialect` with its API under `prefix` (and Netmind's native files under `native_prefix`)."""
    if dialect in COMPATIBLE:
        dialect_compat.add_routes(router, prefix, dialect)
        if dialect.native_files:
            dialect_netmind.add_native_file_routes(router, native_prefix)
    elif dialect.name == "anthropic":
        dialect_anthropic.add_routes(router, prefix, dialect)
    elif dialect.name == "mistral":
        dialect_mistral.add_routes(router, prefix, dialect)


def root_middleware(router: web.UrlDispatcher) -> Middleware:
    @web.middleware
    async def root_dialect(request: web.Request, handler: Handler) -> web.StreamResponse:
        match = await router.resolve(request)
        if match.http_exception is None:
            request.match_info.update(match)
            return await match.handler(request)
        return await handler(request)

    return root_dialect


def setup_routes(app: web.Application, backend: Backend) -> None:
    """Register every dialect at its prefix, the chosen one at the root, presigned URLs and webhooks."""
    for dialect in DIALECTS.values():
        add_dialect_routes(app.router, dialect, dialect.prefix, f"/{dialect.name}/v1")
    dialect_netmind.add_presigned_routes(app.router)
    name = backend.config.dialect
    if name is not None and name != "openai":
        if name not in DIALECTS:
            raise InvalidRequest(f"Unknown dialect '{name}'. Known: {', '.join(DIALECTS)}.")
        root = web.UrlDispatcher()
        add_dialect_routes(root, DIALECTS[name], DIALECTS[name].root, "/v1")
        app.middlewares.append(root_middleware(root))  # type: ignore[arg-type]
    dialect_webhooks.setup_routes(app, backend)
