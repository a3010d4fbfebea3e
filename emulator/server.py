"""Runs the aiohttp app: `EmulatorServer` in the current event loop, `ThreadedEmulator` in a background thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from aiohttp import web

from emulator.backend import Backend
from emulator.config import EmulatorConfig
from emulator.http.app import create_app
from emulator.http.parser_errors import EnvelopeAppRunner

T = TypeVar("T")
START_TIMEOUT = 30.0


class EmulatorServer:
    """The server on a host and port (port 0 picks a free one) in the running event loop."""

    def __init__(self, backend: Backend, host: str = "127.0.0.1", port: int = 0) -> None:
        self.backend = backend
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = EnvelopeAppRunner(create_app(self.backend), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None:
            sockets = getattr(server, "sockets", None) or []
            self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


class ThreadedEmulator:
    """An emulator serving from its own thread and event loop; `call` runs code on that loop."""

    def __init__(self, config: EmulatorConfig | None = None, backend: Backend | None = None) -> None:
        config = config or EmulatorConfig(port=0, clock="manual")
        self.backend = backend or Backend(config)
        self.server = EmulatorServer(self.backend, config.host, config.port)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> ThreadedEmulator:
        self._thread = threading.Thread(target=self._run, name="batch-emulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise RuntimeError("the emulator did not start in time")
        if self._error is not None:
            raise RuntimeError("the emulator failed to start") from self._error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self.server.start())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self.server.stop())
        loop.close()

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the server's loop (where all domain code runs) and return its result."""
        assert self._loop is not None, "not started"

        async def wrapper() -> T:
            return fn()

        future: Future[T] = asyncio.run_coroutine_threadsafe(wrapper(), self._loop)
        return future.result()

    def call_async(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run the coroutine `make()` on the server's loop (which keeps serving while it awaits) and return its
        result."""
        assert self._loop is not None, "not started"

        async def wrapper() -> T:
            return await make()

        future: Future[T] = asyncio.run_coroutine_threadsafe(wrapper(), self._loop)
        return future.result()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = None
        self.backend.close()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def base_url(self) -> str:
        return self.server.url + "/v1"

    def __enter__(self) -> ThreadedEmulator:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
