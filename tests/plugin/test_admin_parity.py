"""The admin operations have one implementation: a refused operation answers with the same status, message,
param and code whether the handle reaches the server in process or over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator
from emulator.testing.connection import AdminError, EmulatorConnection
from emulator.testing.in_process import InProcessConnection

REFUSED: dict[str, Callable[[EmulatorConnection], Any]] = {
    "advance backwards": lambda c: c.advance(-1),
    "advance by text": lambda c: c.advance("soon"),  # type: ignore[arg-type]
    "set before now": lambda c: c.set_time(0),
    "set to nonsense": lambda c: c.set_time("next tuesday"),
    "idle limit below zero": lambda c: c.run_until_idle(-5),
    "reset with a bad seed": lambda c: c.reset({"seed": "seven"}),
    "reset with a bad clock": lambda c: c.reset({"clock": "fast"}),
    "reset with a bad seed and clock": lambda c: c.reset({"seed": True, "clock": "fast"}),
    "reset with a bad start": lambda c: c.reset({"start_time": "soon"}),
    "unknown scenario": lambda c: c.use_scenario("no_such_scenario"),
    "invalid scenario": lambda c: c.use_scenario({"name": "bad", "lines": [{"status": "often"}]}),
    "unknown batch": lambda c: c.batch("batch_missing"),
    "unknown file": lambda c: c.file("file-missing"),
}


@pytest.fixture(scope="module")
def server():
    with ThreadedEmulator(EmulatorConfig(port=0, clock="manual", start_time=1_767_225_600)) as running:
        yield running


def _refusal(connection: EmulatorConnection, operation: Callable[[EmulatorConnection], Any]) -> tuple[int, Any]:
    with pytest.raises(AdminError) as info:
        operation(connection)
    return info.value.status, info.value.body


@pytest.mark.parametrize("case", REFUSED)
def test_a_refused_operation_answers_the_same_both_ways(server, case):
    local = _refusal(InProcessConnection(server), REFUSED[case])
    remote = _refusal(EmulatorConnection(server.url), REFUSED[case])
    assert local == remote
    assert local[0] in (400, 404) and local[1]["error"]["message"]


def test_findings_read_the_same_both_ways(server):
    assert InProcessConnection(server).findings() == EmulatorConnection(server.url).findings() == []
