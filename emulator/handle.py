"""The object the `batch_emulator` fixture hands to a test: clients, clock control, scenarios, the
request journal and inspection, all through the admin API (so it works against any running server)."""

from __future__ import annotations

import fnmatch
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openai import AsyncOpenAI, OpenAI

    from .server import ThreadedEmulator

DEFAULT_API_KEY = "sk-batch-emulator-test"


class AdminError(RuntimeError):
    """The admin API answered with an error."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"admin API answered {status}: {body}")
        self.status = status
        self.body = body


class RemoteEmulator:
    """A running emulator reached over HTTP (started by the plugin, or given by URL)."""

    def __init__(self, url: str, server: ThreadedEmulator | None = None) -> None:
        self.url = url.rstrip("/")
        if self.url.endswith("/v1"):
            self.url = self.url[:-3]
        self.server = server

    def admin(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> Any:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + "/_emulator" + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
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


class RequestLog:
    """The request journal with helpers to assert what a client did."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries

    def __iter__(self) -> Any:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.entries[index]

    def http(self) -> list[dict[str, Any]]:
        """Entries for HTTP requests (not batch or line rule records)."""
        return [e for e in self.entries if "method" in e]

    def matching(
        self, method: str | None = None, path: str | None = None, status: int | None = None
    ) -> list[dict[str, Any]]:
        """HTTP entries by method, path glob (`/v1/batches/*`) and status."""
        return [
            e
            for e in self.http()
            if (method is None or e["method"] == method.upper())
            and (path is None or fnmatch.fnmatchcase(e["path"], path))
            and (status is None or e["status"] == status)
        ]

    def count(self, method: str | None = None, path: str | None = None, status: int | None = None) -> int:
        return len(self.matching(method, path, status))

    def polls(self, batch_id: str) -> int:
        """How many times the client retrieved this batch."""
        return self.count("GET", f"*/batches/{batch_id}")

    def calls(self) -> list[str]:
        """Each HTTP request as "METHOD /path"."""
        return [f"{e['method']} {e['path']}" for e in self.http()]

    def rules_fired(self) -> list[dict[str, Any]]:
        """Every entry where a scenario rule fired (HTTP requests, batches and lines)."""
        return [e for e in self.entries if e.get("rule")]

    def assert_called(self, method: str, path: str, times: int | None = None) -> None:
        found = self.count(method, path)
        if (times is None and found == 0) or (times is not None and found != times):
            expected = "at least once" if times is None else f"{times} time(s)"
            seen = "\n  ".join(self.calls()) or "(no requests)"
            raise AssertionError(f"expected {method} {path} {expected}, saw {found}; requests were:\n  {seen}")


class EmulatorHandle:
    """Drive one emulator from a test."""

    def __init__(self, remote: RemoteEmulator, api_key: str = DEFAULT_API_KEY) -> None:
        self._remote = remote
        self.api_key = api_key
        self._clients: list[Any] = []

    @property
    def url(self) -> str:
        return self._remote.url

    @property
    def base_url(self) -> str:
        return self._remote.url + "/v1"

    def openai(self, **kwargs: Any) -> OpenAI:
        """A sync `openai` client pointed at the emulator, with strict response validation."""
        import openai

        kwargs.setdefault("base_url", self.base_url)
        kwargs.setdefault("api_key", self.api_key)
        kwargs.setdefault("_strict_response_validation", True)
        client = openai.OpenAI(**kwargs)
        self._clients.append(client)
        return client

    def async_openai(self, **kwargs: Any) -> AsyncOpenAI:
        """An async `openai` client pointed at the emulator, with strict response validation."""
        import openai

        kwargs.setdefault("base_url", self.base_url)
        kwargs.setdefault("api_key", self.api_key)
        kwargs.setdefault("_strict_response_validation", True)
        return openai.AsyncOpenAI(**kwargs)

    # -- clock ----------------------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        result: dict[str, Any] = self._remote.admin("GET", "/clock")
        return result

    def now(self) -> float:
        return float(self.clock()["now"])

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0) -> dict[str, Any]:
        """Move virtual time forward; every transition due on the way has run when this returns."""
        total = seconds + minutes * 60 + hours * 3600 + days * 86400
        result: dict[str, Any] = self._remote.admin("POST", "/clock/advance", {"seconds": total})
        return result

    def set_time(self, when: float | str) -> dict[str, Any]:
        result: dict[str, Any] = self._remote.admin("POST", "/clock/set", {"now": when})
        return result

    def run_until_idle(self, max_seconds: float | None = None) -> dict[str, Any]:
        """Jump from event to event until no batch is active."""
        body = {} if max_seconds is None else {"max_seconds": max_seconds}
        result: dict[str, Any] = self._remote.admin("POST", "/clock/run-until-idle", body)
        return result

    # -- state ----------------------------------------------------------------------------------

    def reset(
        self, *, start_time: float | str | None = None, seed: int | None = None, clock: str | None = None
    ) -> None:
        """Wipe everything; optionally restart with another start time, seed or clock mode."""
        body = {k: v for k, v in {"start_time": start_time, "seed": seed, "clock": clock}.items() if v is not None}
        self._remote.admin("POST", "/reset", body)

    def use_scenario(self, scenario: str | Mapping[str, Any] | Path) -> dict[str, Any]:
        """Make a scenario active: a bundled or loaded name, a document (dict), or a YAML/JSON file path."""
        if isinstance(scenario, Path) or (isinstance(scenario, str) and scenario.endswith((".yaml", ".yml", ".json"))):
            result: dict[str, Any] = self._remote.admin("PUT", "/scenario", raw=Path(scenario).read_bytes())
        elif isinstance(scenario, str):
            result = self._remote.admin("PUT", "/scenario", {"name": scenario})
        else:
            result = self._remote.admin("PUT", "/scenario", dict(scenario))
        return result

    @property
    def requests(self) -> RequestLog:
        return RequestLog(self._remote.admin("GET", "/requests")["data"])

    def clear_requests(self) -> None:
        self._remote.admin("DELETE", "/requests")

    def batch(self, batch_id: str) -> dict[str, Any]:
        """The emulator's full record of a batch (status, counts, progress, plan)."""
        result: dict[str, Any] = self._remote.admin("GET", f"/batches/{batch_id}")
        return result

    def file(self, file_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._remote.admin("GET", f"/files/{file_id}")
        return result

    def handler_errors(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._remote.admin("GET", "/handler-errors")["data"]
        return result

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
