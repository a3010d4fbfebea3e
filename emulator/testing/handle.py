"""The object the `batch_emulator` fixture hands to a test: clients, clock control, scenarios, the request
journal and inspection.

Two ways to reach the emulator sit behind one interface: `EmulatorConnection` talks to the admin API over
HTTP (works with any running server, e.g. one given with `--batch-emulator-url`), and `InProcessConnection`
runs the same operations directly on the loop of a server started in this process (no HTTP round trip).
"""

from __future__ import annotations

import fnmatch
import functools
import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from emulator.engine.clock import ClockError, parse_time
from emulator.engine.errors import EmulatorError, InvalidRequest, NotFound

if TYPE_CHECKING:
    from openai import AsyncOpenAI, OpenAI

    from emulator.backend import Backend
    from emulator.server import ThreadedEmulator

T = TypeVar("T")
DEFAULT_API_KEY = "sk-batch-emulator-test"
DEFAULT_MANUAL_START = "2026-01-01T00:00:00Z"
SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")
ScenarioSpec = str | Path | Mapping[str, Any]


class AdminError(RuntimeError):
    """The emulator refused an admin operation (`status` and `body` as the admin API answers them)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"admin API answered {status}: {body}")
        self.status = status
        self.body = body


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every client the handles make (loading CA certificates per client costs ~50 ms)."""
    return ssl.create_default_context()


def _client_options(handle: EmulatorHandle, kwargs: dict[str, Any], http_client: type[Any]) -> dict[str, Any]:
    kwargs.setdefault("base_url", handle.base_url)
    kwargs.setdefault("api_key", handle.api_key)
    kwargs.setdefault("_strict_response_validation", True)
    if "http_client" not in kwargs:
        kwargs["http_client"] = http_client(verify=_ssl_context())
    return kwargs


def _scenario_path(scenario: ScenarioSpec) -> Path | None:
    """The file a scenario spec names, if it names one (a Path, or a string ending in .yaml/.yml/.json)."""
    if isinstance(scenario, Path) or (isinstance(scenario, str) and scenario.endswith(SCENARIO_SUFFIXES)):
        return Path(scenario)
    return None


def _scenario_document(scenario: ScenarioSpec) -> dict[str, Any]:
    if not isinstance(scenario, Mapping):
        raise TypeError(f"a scenario is a name, a path or a mapping, not {type(scenario).__name__}")
    return dict(scenario)


class EmulatorConnection:
    """A running emulator reached through its admin API over HTTP."""

    server: ThreadedEmulator | None = None

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        if self.url.endswith("/v1"):
            self.url = self.url[:-3]

    def admin(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> Any:
        """One admin API call (`path` below `/_emulator`); AdminError on an error status."""
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

    # -- the operations the handle needs (overridden by InProcessConnection) ---------------------

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
        path = _scenario_path(scenario)
        if path is not None:
            result: dict[str, Any] = self.admin("PUT", "/scenario", raw=path.read_bytes())
        elif isinstance(scenario, str):
            result = self.admin("PUT", "/scenario", {"name": scenario})
        else:
            result = self.admin("PUT", "/scenario", _scenario_document(scenario))
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


class InProcessConnection(EmulatorConnection):
    """A `ThreadedEmulator` of this process: operations run on its loop directly, with the admin API's results
    and errors (a bug inside the emulator raises with its own traceback). `admin()` still uses HTTP."""

    def __init__(self, server: ThreadedEmulator) -> None:
        super().__init__(server.url)
        self.server = server
        self._backend: Backend = server.backend

    def _run(self, fn: Callable[[Backend], T]) -> T:
        backend = self._backend
        assert self.server is not None
        try:
            return self.server.call(lambda: fn(backend))
        except EmulatorError as exc:
            raise AdminError(exc.status, exc.body()) from None
        except ClockError as exc:
            raise AdminError(400, InvalidRequest(str(exc)).body()) from None

    @staticmethod
    def _copy(data: Any) -> Any:
        """What the admin API would have sent: a JSON copy, never the live records."""
        return orjson.loads(orjson.dumps(data))

    def clock(self) -> dict[str, Any]:
        return self._run(lambda b: b.clock_state())

    def _moved(self, backend: Backend, ran: int) -> dict[str, Any]:
        return {**backend.clock_state(), "transitions": ran}

    def advance(self, seconds: float) -> dict[str, Any]:
        return self._run(lambda b: self._moved(b, b.advance(seconds)))

    def set_time(self, when: float | str) -> dict[str, Any]:
        return self._run(lambda b: self._moved(b, b.set_time(parse_time(when))))

    def run_until_idle(self, max_seconds: float | None) -> dict[str, Any]:
        if max_seconds is not None and max_seconds < 0:
            raise AdminError(400, InvalidRequest("'max_seconds' must be a non-negative number.").body())
        return self._run(
            lambda b: self._moved(b, b.run_until_idle() if max_seconds is None else b.run_until_idle(max_seconds))
        )

    def reset(self, options: dict[str, Any]) -> dict[str, Any]:
        clock = options.get("clock")
        if clock not in (None, "manual", "real"):
            raise AdminError(400, InvalidRequest("'clock' must be 'manual' or 'real'.", param="clock").body())
        seed = options.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise AdminError(400, InvalidRequest("'seed' must be an integer.", param="seed").body())
        start = options.get("start_time")

        def reset(backend: Backend) -> dict[str, Any]:
            backend.reset(start_time=None if start is None else parse_time(start), seed=seed, clock_mode=clock)
            return {"status": "reset", **backend.clock_state()}

        return self._run(reset)

    def use_scenario(self, scenario: ScenarioSpec) -> dict[str, Any]:
        def activate(backend: Backend) -> dict[str, Any]:
            registry = backend.scenarios
            path = _scenario_path(scenario)
            document = None if path is not None or isinstance(scenario, str) else _scenario_document(scenario)
            if path is not None:
                name = registry.load_file(path).name
            elif isinstance(scenario, str):
                name = scenario
            elif document is not None and set(document) == {"name"}:
                name = str(document["name"])
            else:
                name = registry.register(registry.parse_document(document or {})).name
            engine = registry.engine(name)
            engine.reset()
            backend.use_scenario(engine)
            result: dict[str, Any] = engine.scenario.model_dump(mode="json", exclude_none=True)
            return result

        return self._run(activate)

    def journal(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._run(lambda b: self._copy(b.journal.entries()))
        return result

    def clear_journal(self) -> None:
        self._run(lambda b: b.journal.clear())

    def batch(self, batch_id: str) -> dict[str, Any]:
        def inspect(backend: Backend) -> dict[str, Any]:
            record = backend.store.get("batches", batch_id)
            if record is None:
                raise NotFound(f"No batch found with id '{batch_id}'.")
            backend.batches.sync(record)
            result: dict[str, Any] = self._copy(record)
            return result

        return self._run(inspect)

    def file(self, file_id: str) -> dict[str, Any]:
        def inspect(backend: Backend) -> dict[str, Any]:
            record = backend.store.get("files", file_id)
            if record is None:
                raise NotFound(f"No such File object: {file_id}")
            result: dict[str, Any] = self._copy(record)
            return result

        return self._run(inspect)

    def handler_errors(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._run(lambda b: self._copy(b.handler_errors))
        return result


class RequestLog:
    """A snapshot of the request journal, with helpers to assert what a client did.

    HTTP entries are dicts with `method`, `path`, `query`, `status`, `time` (virtual), `headers` (user-agent,
    x-stainless-retry-count, ...), `rule` (the scenario rule that fired, or None) and `request_id`. Paths are
    globs in the helpers: `"/v1/batches/*"`.
    """

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries

    def __iter__(self) -> Iterator[dict[str, Any]]:
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
        """HTTP entries by method, path glob and status."""
        return [
            e
            for e in self.http()
            if (method is None or e["method"] == method.upper())
            and (path is None or fnmatch.fnmatchcase(e["path"], path))
            and (status is None or e["status"] == status)
        ]

    def count(self, method: str | None = None, path: str | None = None, status: int | None = None) -> int:
        """How many HTTP requests match."""
        return len(self.matching(method, path, status))

    def polls(self, batch_id: str = "*") -> int:
        """How many times the client retrieved this batch (any batch by default)."""
        return self.count("GET", f"*/batches/{batch_id}")

    def calls(self) -> list[str]:
        """Each HTTP request as "METHOD /path", in order."""
        return [f"{e['method']} {e['path']}" for e in self.http()]

    def retries(self) -> list[dict[str, Any]]:
        """Requests the openai SDK sent as a retry (x-stainless-retry-count above 0)."""
        return [e for e in self.http() if int(e["headers"].get("x-stainless-retry-count") or 0) > 0]

    def rules_fired(self) -> list[dict[str, Any]]:
        """Every entry where a scenario rule fired (HTTP requests, batches and lines)."""
        return [e for e in self.entries if e.get("rule")]

    def assert_called(self, method: str, path: str, times: int | None = None) -> None:
        """AssertionError (listing every request seen) unless `method path` was called (exactly `times`)."""
        found = self.count(method, path)
        if (times is None and found == 0) or (times is not None and found != times):
            expected = "at least once" if times is None else f"{times} time(s)"
            seen = "\n  ".join(self.calls()) or "(no requests)"
            raise AssertionError(f"expected {method} {path} {expected}, saw {found}; requests were:\n  {seen}")

    def assert_not_called(self, method: str, path: str) -> None:
        """AssertionError (listing every request seen) if `method path` was called."""
        self.assert_called(method, path, times=0)


class EmulatorHandle:
    """Drive one emulator from a test: clients, virtual time, scenarios, the journal and inspection.

    `start_time`, `seed`, `clock` and `scenario` are what the test starts with; `reset()` returns to them.
    Without a start time a manual clock starts at 2026-01-01T00:00:00Z and a real clock follows `time.time()`.
    """

    def __init__(
        self,
        connection: EmulatorConnection,
        api_key: str = DEFAULT_API_KEY,
        *,
        start_time: float | str | None = None,
        seed: int = 0,
        clock: str = "manual",
        scenario: ScenarioSpec | None = None,
    ) -> None:
        self._remote = connection
        self.api_key = api_key
        self._start_time = start_time
        self._seed = seed
        self._clock = clock
        self._scenario = scenario
        self._clients: list[OpenAI] = []
        self._pending_errors: list[dict[str, Any]] = []
        self._seen_errors = 0

    @property
    def url(self) -> str:
        """The server root (`http://127.0.0.1:PORT`)."""
        return self._remote.url

    @property
    def base_url(self) -> str:
        """What an openai client takes as `base_url` (`http://127.0.0.1:PORT/v1`)."""
        return self._remote.url + "/v1"

    @property
    def in_process(self) -> bool:
        """True when the server runs in this process (so freezegun moves a real clock)."""
        return self._remote.server is not None

    def openai(self, **kwargs: Any) -> OpenAI:
        """A sync `openai` client pointed at the emulator, with strict response validation; closed after the test."""
        import openai

        client = openai.OpenAI(**_client_options(self, kwargs, openai.DefaultHttpxClient))
        self._clients.append(client)
        return client

    def async_openai(self, **kwargs: Any) -> AsyncOpenAI:
        """An async `openai` client pointed at the emulator, with strict response validation.

        Use it as `async with batch_emulator.async_openai() as client:` so it is closed on its own loop.
        """
        import openai

        return openai.AsyncOpenAI(**_client_options(self, kwargs, openai.DefaultAsyncHttpxClient))

    # -- clock ----------------------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        """`now` (epoch seconds), `iso`, `mode` ("manual" or "real") and `speed`."""
        return self._remote.clock()

    def now(self) -> float:
        """The emulator's current time, epoch seconds."""
        return float(self.clock()["now"])

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0) -> dict[str, Any]:
        """Move virtual time forward; every transition due on the way has run when this returns."""
        return self._remote.advance(seconds + minutes * 60 + hours * 3600 + days * 86400)

    def sleep(self, seconds: float) -> None:
        """`advance(seconds)` shaped like `time.sleep`, to hand to code that waits between polls."""
        self.advance(seconds)

    def set_time(self, when: float | str) -> dict[str, Any]:
        """Jump to an absolute time (epoch seconds or ISO 8601), running what is due on the way."""
        return self._remote.set_time(when)

    def run_until_idle(self, max_seconds: float | None = None) -> dict[str, Any]:
        """Jump from event to event until no batch is active and no video is rendering (or `max_seconds` of
        virtual time passed)."""
        return self._remote.run_until_idle(max_seconds)

    # -- state ----------------------------------------------------------------------------------

    def reset(
        self, *, start_time: float | str | None = None, seed: int | None = None, clock: str | None = None
    ) -> None:
        """Wipe everything and return to the test's start (its marker's scenario, start time, seed and clock);
        the arguments restart with another start time, seed or clock mode ("manual" or "real") instead."""
        self._collect_errors()
        self.start(start_time=start_time, seed=seed, clock=clock)

    def start(
        self, *, start_time: float | str | None = None, seed: int | None = None, clock: str | None = None
    ) -> None:
        """Reset to the test's start without looking at earlier handler errors (the plugin's setup step)."""
        clock = clock or self._clock
        if start_time is None and clock == self._clock:
            start_time = self._start_time
        if start_time is None and clock == "manual":
            start_time = DEFAULT_MANUAL_START
        options = {"start_time": start_time, "seed": self._seed if seed is None else seed, "clock": clock}
        self._remote.reset({k: v for k, v in options.items() if v is not None})
        self._seen_errors = 0
        if self._scenario is not None:
            self._remote.use_scenario(self._scenario)

    def use_scenario(self, scenario: ScenarioSpec) -> dict[str, Any]:
        """Make a scenario active: a bundled or loaded name, a document (dict), or a YAML/JSON file path.

        Its counters start from zero; the next reset (every test starts with one) drops it again.
        """
        return self._remote.use_scenario(scenario)

    @property
    def requests(self) -> RequestLog:
        """The request journal as it is now."""
        return RequestLog(self._remote.journal())

    def clear_requests(self) -> None:
        """Empty the journal (e.g. after a test's setup calls)."""
        self._remote.clear_journal()

    def batch(self, batch_id: str) -> dict[str, Any]:
        """The emulator's full record of a batch (status, counts, progress, plan), due transitions applied."""
        return self._remote.batch(batch_id)

    def file(self, file_id: str) -> dict[str, Any]:
        """The emulator's record of a file (any purpose, including output and error files)."""
        return self._remote.file(file_id)

    def handler_errors(self) -> list[dict[str, Any]]:
        """Unexpected exceptions inside the server since the last reset: method, path, error, traceback."""
        return self._remote.handler_errors()

    def client_findings(self) -> list[dict[str, Any]]:
        """Habits of the client under test that the real service punishes: `tight_polling`, `resubmitted_input`,
        `error_file_not_downloaded`, `output_file_not_downloaded` (each with `batch_id` and a `message`)."""
        result: list[dict[str, Any]] = self._remote.admin("GET", "/findings")["data"]
        return result

    def configure_webhooks(self, endpoints: list[str] | None = None, *, secret: str | None = None) -> dict[str, Any]:
        """Send signed `batch.*` events to `endpoints` (and/or sign them with `secret`, a `whsec_…` string) until
        the next reset; returns the webhook state (endpoints, secret, deliveries)."""
        body = {key: value for key, value in (("endpoints", endpoints), ("secret", secret)) if value is not None}
        result: dict[str, Any] = self._remote.admin("PUT", "/webhooks", body)
        return result

    def webhook_deliveries(self) -> list[dict[str, Any]]:
        """Every webhook delivery since the last reset, after the attempts due by now have finished: event and
        `webhook_id`, url, source, scenario rule, state (pending, delivered, failed, dropped) and attempts."""
        result: list[dict[str, Any]] = self._remote.admin("POST", "/webhooks/flush", {})["deliveries"]
        return result

    # -- used by the pytest plugin ----------------------------------------------------------------

    def _collect_errors(self) -> None:
        errors = self._remote.handler_errors()
        self._pending_errors.extend(errors[self._seen_errors :])
        self._seen_errors = len(errors)

    def take_handler_errors(self) -> list[dict[str, Any]]:
        """Handler errors not handed out before (across resets in the same test)."""
        self._collect_errors()
        errors, self._pending_errors = self._pending_errors, []
        return errors

    def close(self) -> None:
        """Close the sync clients this handle made."""
        for client in self._clients:
            client.close()
        self._clients.clear()


def format_handler_errors(errors: list[dict[str, Any]]) -> str:
    """Server-side failures as a report: one block per request with the server's traceback."""
    blocks = []
    for error in errors:
        where = f"{error['method']} {error['path']}".strip()
        traceback = str(error.get("traceback") or "").rstrip() or error["error"]
        blocks.append(f"{where} -> {error['error']}\n{traceback}")
    return "\n\n".join(blocks)
