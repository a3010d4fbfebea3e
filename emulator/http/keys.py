"""Typed application keys and small response helpers shared by the route modules."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from ..backend import Backend

BACKEND = web.AppKey("backend", Backend)
OWNER: web.RequestKey[str | None] = web.RequestKey("owner")
ENTRY: web.RequestKey[dict[str, Any]] = web.RequestKey("journal_entry")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json", headers=headers)


def backend_of(request: web.Request) -> Backend:
    return request.app[BACKEND]


def owner_of(request: web.Request) -> str | None:
    return request.get(OWNER)


async def json_body(request: web.Request) -> Any:
    """The request's JSON body, or the real API's 400 when it is not JSON."""
    from ..errors import InvalidRequest

    raw = await request.read()
    if not raw:
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidRequest(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
            "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
            code=None,
        ) from None
