"""Builds the aiohttp application for a backend, with the driver that runs timers when a real clock reaches them
and finishes, in work slices, what requests left unfinished."""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from collections.abc import AsyncIterator

from aiohttp import web

from emulator.backend import Backend
from emulator.engine.budget import Slice, next_slice, work_slice
from emulator.http.contract_middleware import contract_middleware
from emulator.http.dialects import mounts as dialect_mounts
from emulator.http.middleware import emulator_middleware
from emulator.http.responses import BACKEND, WORK_LEFT
from emulator.http.routes import admin as admin_routes
from emulator.http.routes import batches as batches_routes
from emulator.http.routes import contract as contract_routes
from emulator.http.routes import files as files_routes
from emulator.http.routes import inference as inference_routes
from emulator.http.routes import ui
from emulator.http.routes import uploads as uploads_routes
from emulator.http.routes import videos as videos_routes
from emulator.http.routes import webhooks as webhooks_routes

MAX_IDLE_WAIT = 1.0
CLIENT_MAX_SIZE = 1024**4


async def _drive(backend: Backend, wake: asyncio.Event) -> None:
    """Sleep until the next timer is due in wall time, the schedule changes or a request left work unfinished;
    then run what is due and bring running batches up to the clock, in work slices with the loop turning in
    between (so other clients are answered meanwhile)."""
    backend.scheduler.on_change = wake.set
    try:
        while True:
            due = backend.scheduler.next_due()
            wait = MAX_IDLE_WAIT
            if due is not None and not backend.scheduler.waiting_for_space:
                until = backend.clock.real_seconds_until(due)
                if until is not None:
                    wait = min(wait, until)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=max(wait, 0.0))
            wake.clear()
            while (piece := _one_slice(backend)) is not None:
                await next_slice(piece)
    finally:
        backend.scheduler.on_change = None


def _one_slice(backend: Backend) -> Slice | None:
    """One slice of catching up: None when nothing is left (an error counts as done and is reported like a
    handler error), else the slice, to wait on before the next."""
    try:
        with work_slice() as piece:
            return None if backend.catch_up_step() else piece
    except Exception as exc:
        backend.handler_errors.append(
            {"method": "TIMER", "path": "", "error": repr(exc), "traceback": traceback.format_exc()}
        )
        return None


def create_app(backend: Backend) -> web.Application:
    app = web.Application(middlewares=[contract_middleware, emulator_middleware], client_max_size=CLIENT_MAX_SIZE)
    app[BACKEND] = backend
    app[WORK_LEFT] = asyncio.Event()
    files_routes.setup_routes(app)
    uploads_routes.setup_routes(app)
    batches_routes.setup_routes(app)
    inference_routes.setup_routes(app)
    videos_routes.setup_routes(app)
    dialect_mounts.setup_routes(app, backend)
    admin_routes.setup_routes(app)
    webhooks_routes.setup_routes(app, backend)
    ui.setup_routes(app)
    contract_routes.setup_routes(app)

    async def driver(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_drive(backend, app[WORK_LEFT]))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(driver)
    return app
