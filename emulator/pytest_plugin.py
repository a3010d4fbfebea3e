"""The pytest plugin (entry point `batch_emulator`): one emulator per test session (per xdist worker) on a free
port, reset before each test, and the `batch_emulator` fixture handle to drive it.

A test is configured with `@pytest.mark.batch_emulator(scenario=..., start_time=..., seed=..., clock=...)`
(on the test, its class or module; the closest value wins), a run with the ini options `batch_emulator_*`
and `--batch-emulator-url` (or BATCH_EMULATOR_URL) to use a server that is already running. An exception
inside a server handler fails the test that caused it, with the server's traceback in the report.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from emulator.engine.clock import CLOCK_MODES, DEFAULT_MANUAL_START, ClockError, parse_time

if TYPE_CHECKING:  # the server, the handle, pydantic and the SDK load only when a test uses the fixture
    from emulator.config import EmulatorConfig
    from emulator.testing.handle import EmulatorConnection, EmulatorHandle, ScenarioSpec

MARKER = "batch_emulator"
MARKER_OPTIONS = ("scenario", "start_time", "seed", "clock", "contract")
URL_ENV = "BATCH_EMULATOR_URL"
ADMIN_TOKEN_ENV = "BATCH_EMULATOR_ADMIN_TOKEN"  # the admin token of the server given by URL
SECTION = "batch-emulator server traceback"

HANDLE_KEY = pytest.StashKey["EmulatorHandle"]()
FAILURE_KEY = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("batch_emulator", "batch-emulator")
    group.addoption(
        "--batch-emulator-url",
        default=None,
        help=f"Use an already running emulator at this URL instead of starting one (also ${URL_ENV}).",
    )
    parser.addini(
        "batch_emulator_start_time",
        f"Start time of each test's clock, ISO 8601 or epoch (default {DEFAULT_MANUAL_START} for the manual clock; "
        "the real clock follows time.time()).",
        default="",
    )
    parser.addini("batch_emulator_seed", "Seed for ids and the fake model (default 0).", default="0")
    parser.addini(
        "batch_emulator_scenario", "Scenario active in every test unless a marker says otherwise.", default=""
    )
    parser.addini("batch_emulator_clock", "Clock of every test: manual (default) or real.", default="manual")
    parser.addini(
        "batch_emulator_contract",
        "true: check every test's requests and answers against the official OpenAPI document (contract mode).",
        type="bool",
        default=None,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(scenario=None, start_time=None, seed=None, clock=None, contract=None): configure the batch emulator "
        "for a test",
    )
    if _given_url(config) and getattr(config.option, "numprocesses", None):
        raise pytest.UsageError(
            "batch_emulator: xdist workers cannot share the server given with --batch-emulator-url or "
            f"${URL_ENV} (every test resets it); run without -n, or let the plugin start one server per worker"
        )


def _given_url(config: pytest.Config) -> str | None:
    url: str | None = config.getoption("--batch-emulator-url") or os.environ.get(URL_ENV) or None
    return url


class SettingsError(ValueError):
    """A marker or ini value the plugin cannot use."""


@dataclass(frozen=True)
class EmulatorSettings:
    """What a test starts with, from its markers, then the ini options, then the defaults."""

    scenario: ScenarioSpec | None
    start_time: float | str | None
    seed: int
    clock: str
    contract: bool | None = None


def _usage(message: str) -> SettingsError:
    return SettingsError(f"batch_emulator: {message}")


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for marker in request.node.iter_markers(MARKER):  # closest first
        if len(marker.args) > 1:
            raise _usage(f"the marker takes at most one positional argument (the scenario), got {marker.args!r}")
        unknown = sorted(set(marker.kwargs) - set(MARKER_OPTIONS))
        if unknown:
            raise _usage(f"unknown marker option(s) {', '.join(unknown)}; expected {', '.join(MARKER_OPTIONS)}")
        given = {"scenario": marker.args[0], **marker.kwargs} if marker.args else dict(marker.kwargs)
        for key, value in given.items():
            options.setdefault(key, value)
    return options


def settings_for(request: pytest.FixtureRequest) -> EmulatorSettings:
    """The settings for the requesting test; SettingsError for a bad marker or ini value."""
    config = request.config
    options = _marker_options(request)
    clock = options.get("clock") or config.getini("batch_emulator_clock") or "manual"
    if clock not in CLOCK_MODES:
        raise _usage(f"clock must be 'manual' or 'real', got {clock!r}")
    start = options.get("start_time")
    if start is None:
        start = config.getini("batch_emulator_start_time") or None
    if start is not None:
        try:
            parse_time(start)
        except ClockError as exc:
            raise _usage(f"start_time: {exc}") from None
    seed = options.get("seed")
    if seed is None:
        try:
            seed = int(config.getini("batch_emulator_seed") or 0)
        except ValueError:
            raise _usage("the ini option batch_emulator_seed must be an integer") from None
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise _usage(f"seed must be an integer, got {seed!r}")
    scenario = options.get("scenario")
    if scenario is None:
        scenario = config.getini("batch_emulator_scenario") or None
    contract = options.get("contract")
    if contract is None:
        contract = config.getini("batch_emulator_contract")
    if contract is not None and not isinstance(contract, bool):
        raise _usage(f"contract must be True or False, got {contract!r}")
    return EmulatorSettings(scenario=scenario, start_time=start, seed=seed, clock=clock, contract=contract)


# -- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def batch_emulator_config() -> EmulatorConfig:
    """The configuration of the session's server; override it in a conftest.py to change timing, limits,
    models or API keys (the first API key is the one the handle's clients send)."""
    from emulator.config import EmulatorConfig

    return EmulatorConfig(port=0, clock="manual")


@pytest.fixture(scope="session")
def batch_emulator_server(
    pytestconfig: pytest.Config, batch_emulator_config: EmulatorConfig
) -> Iterator[EmulatorConnection]:
    """The session's emulator: started once per session (per xdist worker), or the server given by URL."""
    from emulator.server import ThreadedEmulator
    from emulator.testing.handle import EmulatorConnection
    from emulator.testing.in_process import InProcessConnection

    url = _given_url(pytestconfig)
    if url:
        yield EmulatorConnection(url, os.environ.get(ADMIN_TOKEN_ENV) or None)
        return

    server = ThreadedEmulator(batch_emulator_config).start()
    try:
        yield InProcessConnection(server)
    finally:
        server.stop()


@pytest.fixture
def batch_emulator(
    request: pytest.FixtureRequest, batch_emulator_server: EmulatorConnection, batch_emulator_config: EmulatorConfig
) -> Iterator[EmulatorHandle]:
    """The emulator, reset for this test and set up from its marker; a server-side crash fails the test."""
    from emulator.testing.handle import DEFAULT_API_KEY, AdminError, EmulatorHandle

    try:
        settings = settings_for(request)
    except SettingsError as exc:
        pytest.fail(str(exc), pytrace=False)
    api_key = batch_emulator_config.api_keys[0] if batch_emulator_config.api_keys else DEFAULT_API_KEY
    handle = EmulatorHandle(
        batch_emulator_server,
        api_key,
        start_time=settings.start_time,
        seed=settings.seed,
        clock=settings.clock,
        scenario=settings.scenario,
        contract=True if settings.contract is None and batch_emulator_config.contract else settings.contract,
    )
    try:
        handle.start()
    except AdminError as exc:
        pytest.fail(f"batch_emulator could not set up the test: {exc}", pytrace=False)
    request.node.stash[HANDLE_KEY] = handle
    yield handle
    del request.node.stash[HANDLE_KEY]
    handle.close()
    _fail_for_server_findings(handle)


@pytest.fixture
def batch_emulator_openai_env(batch_emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> EmulatorHandle:
    """Points OPENAI_BASE_URL and OPENAI_API_KEY at the emulator (for code that builds its own client)."""
    monkeypatch.setenv("OPENAI_BASE_URL", batch_emulator.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", batch_emulator.api_key)
    for name in ("OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    return batch_emulator


@pytest.fixture
def batch_emulator_env(batch_emulator_openai_env: EmulatorHandle) -> EmulatorHandle:
    """The former name of `batch_emulator_openai_env`."""
    return batch_emulator_openai_env


# -- server-side failures fail the test that caused them ---------------------------------------------


def _failure_text(errors: list[dict[str, Any]]) -> str:
    from emulator.testing.handle import format_handler_errors

    count = f"{len(errors)} request(s)" if len(errors) > 1 else "a request"
    return f"the batch emulator failed while handling {count}:\n\n{format_handler_errors(errors)}"


def _fail_for_server_findings(handle: EmulatorHandle) -> None:
    """Fail the test when the server crashed on one of its requests or recorded a contract violation."""
    errors = handle.take_handler_errors()
    violations = handle.take_contract_violations()
    if not errors and not violations:
        return
    from emulator.contract.report import failure_text

    texts = ([_failure_text(errors)] if errors else []) + ([failure_text(violations)] if violations else [])
    if texts:
        pytest.fail("\n\n".join(texts), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    handle = item.stash.get(HANDLE_KEY, None)
    if handle is None:
        return (yield)
    try:
        result = yield
    except BaseException:
        try:
            errors = handle.take_handler_errors()
        except Exception:  # the server is gone: the test's own error says more
            errors = []
        try:
            violations = handle.take_contract_violations()
        except Exception:
            violations = []
        if errors or violations:
            from emulator.contract.report import format_violations
            from emulator.testing.handle import format_handler_errors

            item.stash[FAILURE_KEY] = "\n\n".join(
                text for text in (format_handler_errors(errors), format_violations(violations)) if text
            )
        raise
    _fail_for_server_findings(handle)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, object, object]:
    report = yield
    text = item.stash.get(FAILURE_KEY, None)
    if text is not None and call.when == "call" and isinstance(report, pytest.TestReport):
        del item.stash[FAILURE_KEY]
        report.sections.append((SECTION, text))
    return report
