"""The pytest plugin (entry point `batch_emulator`): one emulator per test session on a free port with a
manual clock, reset before each test, and the `batch_emulator` fixture handle to drive it.

Configure with `@pytest.mark.batch_emulator(scenario=..., start_time=..., seed=..., clock=...)`, the ini
options `batch_emulator_*`, or `--batch-emulator-url` to use a server that is already running.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from .handle import EmulatorHandle, RemoteEmulator

DEFAULT_START = "2026-01-01T00:00:00Z"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("batch_emulator", "batch-emulator")
    group.addoption(
        "--batch-emulator-url",
        default=None,
        help="Use an already running emulator at this URL instead of starting one.",
    )
    parser.addini(
        "batch_emulator_start_time",
        "Virtual start time of the manual clock (ISO 8601 or epoch).",
        default=DEFAULT_START,
    )
    parser.addini("batch_emulator_seed", "Seed for ids and the fake model.", default="0")
    parser.addini(
        "batch_emulator_scenario", "Scenario active in every test unless a marker says otherwise.", default=""
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "batch_emulator(scenario=None, start_time=None, seed=None, clock=None): configure the batch emulator",
    )


@pytest.fixture(scope="session")
def batch_emulator_server(request: pytest.FixtureRequest) -> Iterator[RemoteEmulator]:
    """The session's emulator: started once (or the server given with --batch-emulator-url)."""
    url = request.config.getoption("--batch-emulator-url") or os.environ.get("BATCH_EMULATOR_URL")
    if url:
        yield RemoteEmulator(url)
        return
    from .clock import parse_time
    from .config import EmulatorConfig
    from .server import ThreadedEmulator

    config = EmulatorConfig(
        port=0,
        clock="manual",
        start_time=parse_time(request.config.getini("batch_emulator_start_time") or DEFAULT_START),
        seed=int(request.config.getini("batch_emulator_seed") or 0),
    )
    server = ThreadedEmulator(config).start()
    try:
        yield RemoteEmulator(server.url, server)
    finally:
        server.stop()


@pytest.fixture
def batch_emulator(request: pytest.FixtureRequest, batch_emulator_server: RemoteEmulator) -> Iterator[EmulatorHandle]:
    """A freshly reset emulator for this test; fails the test if a server handler crashed during it."""
    marker = request.node.get_closest_marker("batch_emulator")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    scenario = options.get("scenario") or request.config.getini("batch_emulator_scenario") or None
    handle = EmulatorHandle(batch_emulator_server)
    handle.reset(start_time=options.get("start_time"), seed=options.get("seed"), clock=options.get("clock"))
    if scenario:
        handle.use_scenario(scenario)
    yield handle
    errors = handle.handler_errors()
    handle.close()
    if errors:
        details = "\n".join(f"{e['method']} {e['path']}: {e['error']}\n{e['traceback']}" for e in errors)
        pytest.fail(f"the batch emulator failed while handling a request:\n{details}", pytrace=False)


@pytest.fixture
def batch_emulator_env(batch_emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> EmulatorHandle:
    """Points OPENAI_BASE_URL / OPENAI_API_KEY at the emulator for code that builds its own client."""
    monkeypatch.setenv("OPENAI_BASE_URL", batch_emulator.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", batch_emulator.api_key)
    return batch_emulator
