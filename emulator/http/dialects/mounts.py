"""Mounts the other providers' dialects at their prefixes, one of them also at the root with
`serve --dialect NAME`, plus the webhook sender and its admin routes.

The root mount uses its own router consulted by a middleware before the app's routes, so a dialect whose
paths coincide with OpenAI's (`/v1/files` for Mistral and Netmind, `/v1/batches` for Nebius) answers
there in its own shapes; every other OpenAI path keeps working.

`dialect_of` tells the middleware which dialect a request addresses, so that its errors (the auth check,
scenario faults, unknown routes) come in that dialect's envelope.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from emulator.backend import Backend
from emulator.dialects.base import Dialect
from emulator.dialects.registry import COMPATIBLE, DIALECTS
from emulator.engine.errors import InvalidRequest
from emulator.http.dialects import anthropic as dialect_anthropic
from emulator.http.dialects import compat as dialect_compat
from emulator.http.dialects import mistral as dialect_mistral
from emulator.http.dialects import netmind as dialect_netmind

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class RootMount:
    """The dialect `serve --dialect NAME` mounts at the root, and the router that holds its root routes."""

    dialect: Dialect
    router: web.UrlDispatcher


ROOT_MOUNT = web.AppKey("root_mount", RootMount)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


async def dialect_of(request: web.Request) -> Dialect | None:
    """The dialect whose routes `request` addresses, or None for OpenAI's own.

    A path under `/<name>/` belongs to the dialect of that name. With a root mount, a path of the root
    dialect's routes (whatever the method) belongs to it, and so does a path under its root that no route
    has at all; the OpenAI routes next to it stay OpenAI's.
    """
    dialect = DIALECTS.get(request.path.split("/", 2)[1])
    if dialect is not None:
        return dialect
    mount = request.app.get(ROOT_MOUNT)
    if mount is None:
        return None
    if _status((await mount.router.resolve(request)).http_exception) != 404:
        return mount.dialect
    unknown = _status(request.match_info.http_exception) == 404
    return mount.dialect if unknown and _under(request.path, mount.dialect.root) else None


def _status(exc: web.HTTPException | None) -> int | None:
    return None if exc is None else exc.status


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
    """Register every dialect at its prefix, the chosen one at the root, and presigned URLs."""
    for dialect in DIALECTS.values():
        add_dialect_routes(app.router, dialect, dialect.prefix, f"/{dialect.name}/v1")
    dialect_netmind.add_presigned_routes(app.router)
    name = backend.config.dialect
    if name is not None and name != "openai":
        if name not in DIALECTS:
            raise InvalidRequest(f"Unknown dialect '{name}'. Known: {', '.join(DIALECTS)}.")
        root = web.UrlDispatcher()
        add_dialect_routes(root, DIALECTS[name], DIALECTS[name].root, "/v1")
        app[ROOT_MOUNT] = RootMount(DIALECTS[name], root)
        app.middlewares.append(root_middleware(root))  # type: ignore[arg-type]
