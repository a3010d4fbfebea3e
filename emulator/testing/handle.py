"""The object the `batch_emulator` fixture hands to a test: clients, clock control, scenarios, the request
journal and inspection.

The handle reaches the emulator through a connection (emulator/testing/connection.py: over HTTP;
emulator/testing/in_process.py: on a server of this process) and reads the journal as a `RequestLog`
(emulator/testing/request_log.py). `InProcessConnection` loads the whole emulator, so this module hands it out
on first use only.
"""

from __future__ import annotations

import functools
import ssl
from typing import TYPE_CHECKING, Any

from emulator.engine.clock import DEFAULT_MANUAL_START
from emulator.testing.connection import AdminError, EmulatorConnection, ScenarioSpec
from emulator.testing.contract import ContractViolations
from emulator.testing.request_log import RequestLog

if TYPE_CHECKING:
    from openai import AsyncOpenAI, OpenAI

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_MANUAL_START",
    "AdminError",
    "EmulatorConnection",
    "EmulatorHandle",
    "RequestLog",
    "ScenarioSpec",
    "format_handler_errors",
]

DEFAULT_API_KEY = "sk-batch-emulator-test"


def __getattr__(name: str) -> Any:
    """`InProcessConnection`, imported when first asked for (it loads the whole emulator)."""
    if name == "InProcessConnection":
        from emulator.testing.in_process import InProcessConnection

        return InProcessConnection
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


class EmulatorHandle(ContractViolations):
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
        contract: bool | None = None,
    ) -> None:
        super().__init__(connection, contract)
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
        self._collect_violations()
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
        self._apply_contract_setting()
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
        return self._remote.findings()

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
