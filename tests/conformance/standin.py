"""A stand-in server for the conformance tests: an aiohttp app on loopback that forwards every request to a
real emulator and breaks one promise on the way (a `Breakage` rewrites the request or the answer)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from aiohttp import web


@dataclass
class Exchange:
    """One request on its way through the stand-in; a breakage may change any field before or after forwarding."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes
    content_type: str
    status: int = 0
    answer: bytes = b""
    answer_type: str = "application/json"
    forward: bool = True
    state: dict[str, Any] = field(default_factory=dict)

    def json(self) -> Any:
        return orjson.loads(self.answer)

    def set_json(self, value: Any) -> None:
        self.answer = orjson.dumps(value)


@dataclass
class Breakage:
    """`before` runs on the request, `after` on the answer; either may be None."""

    before: Callable[[Exchange], None] | None = None
    after: Callable[[Exchange], None] | None = None


class StandIn:
    """Serves on a free loopback port from its own thread, forwarding to `upstream` through `breakage`."""

    def __init__(self, upstream: str, breakage: Breakage) -> None:
        self.upstream = upstream.rstrip("/")
        self.breakage = breakage
        self.state: dict[str, Any] = {}
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> StandIn:
        self._thread.start()
        assert self._ready.wait(30), "the stand-in did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        port = runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self._session = self._loop.run_until_complete(_new_session())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._session.close())
        self._loop.run_until_complete(runner.cleanup())
        self._loop.close()

    async def _handle(self, request: web.Request) -> web.Response:
        exchange = Exchange(
            request.method,
            request.path,
            dict(request.query),
            await request.read(),
            request.headers.get("Content-Type", ""),
        )
        exchange.state = self.state
        if self.breakage.before is not None:
            self.breakage.before(exchange)
        if exchange.forward:
            headers = {"Authorization": request.headers.get("Authorization", "")}
            if exchange.content_type:
                headers["Content-Type"] = exchange.content_type
            url = self.upstream + exchange.path
            async with self._session.request(
                exchange.method, url, params=exchange.query, data=exchange.body, headers=headers
            ) as answer:
                exchange.status, exchange.answer_type = answer.status, answer.content_type
                exchange.answer = await answer.read()
        if self.breakage.after is not None:
            self.breakage.after(exchange)
        return web.Response(status=exchange.status, body=exchange.answer, content_type=exchange.answer_type)


async def _new_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession()
