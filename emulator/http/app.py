"""Builds the aiohttp application for a backend, with the driver that runs timers when a real clock reaches them."""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from collections.abc import AsyncIterator

from aiohttp import web

from emulator.backend import Backend
from emulator.http.contract_middleware import contract_middleware
from emulator.http.dialects import mounts as dialect_mounts
from emulator.http.middleware import emulator_middleware
from emulator.http.responses import BACKEND
from emulator.http.routes import admin as admin_routes
from emulator.http.routes import batches as batches_routes
from emulator.http.routes import contract as contract_routes
from emulator.http.routes import files as files_routes
from emulator.http.routes import inference as inference_routes
from emulator.http.routes import ui
from emulator.http.routes import uploads as uploads_routes
from emulator.http.routes import videos as videos_routes

MAX_IDLE_WAIT = 1.0
CLIENT_MAX_SIZE = 1024**4


async def _drive_real_clock(backend: Backend) -> None:
    """Sleep until the next timer is due in wall time (or the schedule changes), then run what is due."""
    changed = asyncio.Event()
    backend.scheduler.on_change = changed.set
    try:
        while True:
            due = backend.scheduler.next_due()
            wait = MAX_IDLE_WAIT
            if due is not None:
                until = backend.clock.real_seconds_until(due)
                if until is not None:
                    wait = min(wait, until)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=max(wait, 0.0))
            changed.clear()
            try:
                backend.run_due()
            except Exception as exc:  # keep driving; the error is reported like a handler error
                backend.handler_errors.append(
                    {"method": "TIMER", "path": "", "error": repr(exc), "traceback": traceback.format_exc()}
                )
    finally:
        backend.scheduler.on_change = None


def create_app(backend: Backend) -> web.Application:
    app = web.Application(middlewares=[contract_middleware, emulator_middleware], client_max_size=CLIENT_MAX_SIZE)
    app[BACKEND] = backend
    files_routes.setup_routes(app)
    uploads_routes.setup_routes(app)
    batches_routes.setup_routes(app)
    inference_routes.setup_routes(app)
    videos_routes.setup_routes(app)
    dialect_mounts.setup_routes(app, backend)
    admin_routes.setup_routes(app)
    ui.setup_routes(app)
    contract_routes.setup_routes(app)

    async def driver(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_drive_real_clock(backend))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(driver)
    return app
