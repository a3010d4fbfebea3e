"""`InProcessConnection`: the handle's operations run directly on the loop of a `ThreadedEmulator` of this
process, through the same admin operations (emulator/admin.py) the `/_emulator` routes call: same results,
same checks and messages, no HTTP round trip. A bug inside the emulator raises with its own traceback.

Importing this module loads the whole emulator; the pytest plugin imports it only when it starts a server.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from emulator import admin
from emulator.engine.errors import EmulatorError
from emulator.testing.connection import (
    AdminError,
    EmulatorConnection,
    ScenarioSpec,
    scenario_document,
    scenario_path,
)

if TYPE_CHECKING:
    from emulator.backend import Backend
    from emulator.server import ThreadedEmulator

T = TypeVar("T")


def _json_copy(data: T) -> T:
    """What the admin API would have sent: a JSON copy, never the live records."""
    copied: T = orjson.loads(orjson.dumps(data))
    return copied


class InProcessConnection(EmulatorConnection):
    """A `ThreadedEmulator` of this process, driven on its own loop. `admin()` still uses HTTP."""

    server: ThreadedEmulator

    def __init__(self, server: ThreadedEmulator) -> None:
        super().__init__(server.url, server.backend.config.admin_token)
        self.server = server
        self._backend: Backend = server.backend

    def _run(self, operation: Callable[[Backend], T]) -> T:
        """Run an admin operation on the server's loop; its error as the admin API's AdminError."""
        backend = self._backend
        try:
            return self.server.call(lambda: _json_copy(operation(backend)))
        except EmulatorError as exc:
            raise AdminError(exc.status, exc.body()) from None

    def _run_async(self, operation: Callable[[Backend], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        """An admin operation that moves the clock, run in work slices on the server's loop, so that the
        server keeps answering other clients meanwhile."""
        backend = self._backend
        try:
            return _json_copy(self.server.call_async(lambda: operation(backend)))
        except EmulatorError as exc:
            raise AdminError(exc.status, exc.body()) from None

    def clock(self) -> dict[str, Any]:
        return self._run(admin.clock)

    def advance(self, seconds: float) -> dict[str, Any]:
        return self._run_async(lambda backend: admin.advance_async(backend, {"seconds": seconds}))

    def set_time(self, when: float | str) -> dict[str, Any]:
        return self._run_async(lambda backend: admin.set_clock_async(backend, {"now": when}))

    def run_until_idle(self, max_seconds: float | None) -> dict[str, Any]:
        body = {} if max_seconds is None else {"max_seconds": max_seconds}
        return self._run_async(lambda backend: admin.run_until_idle_async(backend, body))

    def reset(self, options: dict[str, Any]) -> dict[str, Any]:
        return self._run(lambda backend: admin.reset(backend, options))

    def use_scenario(self, scenario: ScenarioSpec) -> dict[str, Any]:
        path = scenario_path(scenario)
        if path is not None:
            return self._run(lambda backend: admin.use_scenario_file(backend, path))
        document = {"name": scenario} if isinstance(scenario, str) else scenario_document(scenario)
        body = json.dumps(document).encode()  # the bytes the HTTP connection sends, so problems name the same lines
        return self._run(lambda backend: admin.use_scenario(backend, body))

    def journal(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._run(admin.requests)["data"]
        return result

    def clear_journal(self) -> None:
        self._run(admin.clear_requests)

    def batch(self, batch_id: str) -> dict[str, Any]:
        return self._run(lambda backend: admin.batch(backend, batch_id))

    def file(self, file_id: str) -> dict[str, Any]:
        return self._run(lambda backend: admin.file(backend, file_id))

    def handler_errors(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._run(admin.handler_errors)["data"]
        return result

    def findings(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._run(admin.findings)["data"]
        return result
