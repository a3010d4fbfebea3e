"""How the pytest handle reaches an emulator: `EmulatorConnection` talks to a running server's admin API over
HTTP (any server, e.g. one given with `--batch-emulator-url`); emulator/testing/in_process.py runs the same
operations directly on a server of this process. Both answer with the same results and the same `AdminError`s.

This module is cheap to import (no aiohttp, no emulator internals): the pytest plugin loads it at startup.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from emulator.config import ADMIN_PREFIX
from emulator.scenario import SCENARIO_SUFFIXES

# A scenario as a test names it: a registered name, a file path or a document.
ScenarioSpec = str | Path | Mapping[str, Any]


class AdminError(RuntimeError):
    """The emulator refused an admin operation (`status` and `body` as the admin API answers them)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"admin API answered {status}: {body}")
        self.status = status
        self.body = body


def scenario_path(scenario: ScenarioSpec) -> Path | None:
    """The file a scenario spec names, if it names one (a Path, or a string ending in .yaml/.yml/.json)."""
    if isinstance(scenario, Path) or (isinstance(scenario, str) and scenario.endswith(SCENARIO_SUFFIXES)):
        return Path(scenario)
    return None


def scenario_document(scenario: ScenarioSpec) -> dict[str, Any]:
    """A scenario spec that is neither a path nor a name, as the document the admin API takes."""
    if not isinstance(scenario, Mapping):
        raise TypeError(f"a scenario is a name, a path or a mapping, not {type(scenario).__name__}")
    return dict(scenario)


class EmulatorConnection:
    """A running emulator reached through its admin API over HTTP."""

    server: object | None = None  # the server object when it runs in this process (see InProcessConnection)

    def __init__(self, url: str, admin_token: str | None = None) -> None:
        self.admin_token = admin_token  # sent as `Authorization: Bearer` when the server requires one
        self.url = url.rstrip("/")
        if self.url.endswith("/v1"):
            self.url = self.url[:-3]

    def admin(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> Any:
        """One admin API call (`path` below `/_emulator`); AdminError on an error status."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + ADMIN_PREFIX + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.admin_token is not None:
            request.add_header("Authorization", f"Bearer {self.admin_token}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                parsed = json.loads(payload)
            except ValueError:
                parsed = payload.decode(errors="replace")
            raise AdminError(exc.code, parsed) from None

    # -- the operations the handle needs (InProcessConnection runs them without HTTP) -------------

    def clock(self) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("GET", "/clock")
        return result

    def advance(self, seconds: float) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("POST", "/clock/advance", {"seconds": seconds})
        return result

    def set_time(self, when: float | str) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("POST", "/clock/set", {"now": when})
        return result

    def run_until_idle(self, max_seconds: float | None) -> dict[str, Any]:
        result: dict[str, Any] = self.admin(
            "POST", "/clock/run-until-idle", {} if max_seconds is None else {"max_seconds": max_seconds}
        )
        return result

    def reset(self, options: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("POST", "/reset", options)
        return result

    def use_scenario(self, scenario: ScenarioSpec) -> dict[str, Any]:
        path = scenario_path(scenario)
        if path is not None:
            result: dict[str, Any] = self.admin("PUT", "/scenario", raw=path.read_bytes())
        elif isinstance(scenario, str):
            result = self.admin("PUT", "/scenario", {"name": scenario})
        else:
            result = self.admin("PUT", "/scenario", scenario_document(scenario))
        return result

    def journal(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.admin("GET", "/requests")["data"]
        return result

    def clear_journal(self) -> None:
        self.admin("DELETE", "/requests")

    def batch(self, batch_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("GET", f"/batches/{batch_id}")
        return result

    def file(self, file_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("GET", f"/files/{file_id}")
        return result

    def handler_errors(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.admin("GET", "/handler-errors")["data"]
        return result

    def findings(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.admin("GET", "/findings")["data"]
        return result
