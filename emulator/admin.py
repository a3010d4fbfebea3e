"""The admin operations: clock control, reset, scenarios, the request journal and read-only inspection.

One implementation serves both ways in: the `/_emulator` routes (emulator/http/routes/admin.py) and the pytest
handle's in-process connection (emulator/testing/in_process.py), so both check the same things and answer with
the same messages. An operation takes the backend and the request body as the admin API receives it (a JSON
object, already decoded) and returns the JSON-ready answer; a bad argument raises InvalidRequest, an unknown id
NotFound. Returned records are the live ones: a caller that hands them out copies them first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from emulator.backend import DEFAULT_IDLE_LIMIT, Backend
from emulator.engine.budget import next_slice, work_slice
from emulator.engine.clock import CLOCK_MODES, ClockError, parse_time
from emulator.engine.errors import MSG_NO_SUCH_BATCH, MSG_NO_SUCH_FILE, InvalidRequest, NotFound, missing_parameter
from emulator.engine.redaction import redact_record
from emulator.scenario.loader import ADMIN_SOURCE, load_document
from emulator.scenario.registry import ScenarioEngine
from emulator.scenario.yaml_guard import YamlGuard
from emulator.version import __version__

# Units `POST /clock/advance` takes, in seconds each.
ADVANCE_UNITS = (("seconds", 1), ("minutes", 60), ("hours", 3600), ("days", 86400))


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float))


def _moved(backend: Backend, transitions: int) -> dict[str, Any]:
    return {**backend.clock_state(), "transitions": transitions}


def known_keys(body: Mapping[str, Any], allowed: tuple[str, ...]) -> Mapping[str, Any]:
    """`body` itself; a key outside `allowed` is a 400 naming it, so a misspelled setting never passes silently."""
    unknown = [key for key in body if key not in allowed]
    if unknown:
        message = f"Unrecognized request argument supplied: {unknown[0]} (expected {', '.join(allowed)})."
        raise InvalidRequest(message, param=unknown[0], code="unknown_parameter")
    return body


def _listing(data: Any) -> dict[str, Any]:
    return {"object": "list", "data": data}


# -- clock ------------------------------------------------------------------------------------------


def health() -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


def clock(backend: Backend) -> dict[str, Any]:
    """`now` (epoch seconds), `iso`, `mode` and `speed`."""
    return backend.clock_state()


def advance_seconds(body: Mapping[str, Any]) -> float:
    """The total of `seconds`, `minutes`, `hours` and `days` in a body; never negative."""
    known_keys(body, tuple(unit for unit, _ in ADVANCE_UNITS))
    total = 0.0
    for key, factor in ADVANCE_UNITS:
        value = body.get(key)
        if value is None:
            continue
        if not _number(value):
            raise InvalidRequest(f"'{key}' must be a number.", param=key)
        total += float(value) * factor
    if total < 0:
        raise InvalidRequest("The clock cannot move backwards.", param="seconds")
    return total


def advance(backend: Backend, body: Mapping[str, Any]) -> dict[str, Any]:
    """Move the clock forward, running every transition due on the way."""
    try:
        ran = backend.advance(advance_seconds(body))
    except ClockError as exc:
        raise InvalidRequest(str(exc), param="seconds") from None
    return _moved(backend, ran)


def _clock_target(backend: Backend, body: Mapping[str, Any]) -> float:
    if "now" not in known_keys(body, ("now",)):
        raise missing_parameter("now")
    try:
        target = parse_time(body["now"])
        backend.check_target(target)
    except ClockError as exc:
        raise InvalidRequest(str(exc), param="now") from None
    return target


def set_clock(backend: Backend, body: Mapping[str, Any]) -> dict[str, Any]:
    """Jump to `now` (epoch seconds or ISO 8601), running what is due on the way."""
    return _moved(backend, backend.set_time(_clock_target(backend, body)))


def _idle_limit(body: Mapping[str, Any]) -> float:
    limit = known_keys(body, ("max_seconds",)).get("max_seconds", DEFAULT_IDLE_LIMIT)
    if not _number(limit) or limit < 0:
        raise InvalidRequest("'max_seconds' must be a non-negative number.", param="max_seconds")
    return float(limit)


def run_until_idle(backend: Backend, body: Mapping[str, Any]) -> dict[str, Any]:
    """Jump from event to event until nothing is active, or `max_seconds` of virtual time passed."""
    return _moved(backend, backend.run_until_idle(_idle_limit(body)))


# The same three operations for the server's event loop: the work runs in slices with the loop turning in
# between, so other clients are answered meanwhile; the caller's answer still comes only when all is done.
# One clock move at a time per backend: a second one waits for the first.
_CLOCK_LOCKS: WeakKeyDictionary[Backend, asyncio.Lock] = WeakKeyDictionary()


def _clock_lock(backend: Backend) -> asyncio.Lock:
    return _CLOCK_LOCKS.setdefault(backend, asyncio.Lock())


async def _in_slices(step: Callable[[list[int]], bool]) -> int:
    """Call `step` in work slices until it reports done; the transitions it counted."""
    tally = [0]
    while True:
        with work_slice() as piece:
            if step(tally):
                return tally[0]
        await next_slice(piece)


async def advance_async(backend: Backend, body: Mapping[str, Any]) -> dict[str, Any]:
    seconds = advance_seconds(body)
    async with _clock_lock(backend):
        try:
            target = backend.advance_target(seconds)
        except ClockError as exc:
            raise InvalidRequest(str(exc), param="seconds") from None
        return _moved(backend, await _in_slices(lambda tally: backend.time_step(target, tally)))


async def set_clock_async(backend: Backend, body: Mapping[str, Any]) -> dict[str, Any]:
    async with _clock_lock(backend):
        target = _clock_target(backend, body)
        return _moved(backend, await _in_slices(lambda tally: backend.time_step(target, tally)))


async def run_until_idle_async(backend: Backend, body: Mapping[str, Any]) -> dict[str, Any]:
    max_seconds = _idle_limit(body)
    async with _clock_lock(backend):
        limit = backend.clock.now() + max_seconds
        return _moved(backend, await _in_slices(lambda tally: backend.idle_step(limit, tally)))


def reset(backend: Backend, body: Mapping[str, Any]) -> dict[str, Any]:
    """Wipe everything; `start_time`, `seed` and `clock` restart with other values for this run only."""
    seed = known_keys(body, ("seed", "start_time", "clock")).get("seed")
    mode = body.get("clock")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise InvalidRequest("'seed' must be an integer.", param="seed")
    if mode is not None and mode not in CLOCK_MODES:
        raise InvalidRequest("'clock' must be 'manual' or 'real'.", param="clock")
    start_time = body.get("start_time")
    try:
        start = parse_time(start_time) if start_time is not None else None
    except ClockError as exc:
        raise InvalidRequest(str(exc), param="start_time") from None
    backend.reset(start_time=start, seed=seed, clock_mode=mode)
    return {"status": "reset", **backend.clock_state()}


# -- scenarios --------------------------------------------------------------------------------------


def _described(engine: ScenarioEngine) -> dict[str, Any]:
    described: dict[str, Any] = engine.scenario.model_dump(mode="json", exclude_none=True)
    return described


def _activate(backend: Backend, name: str) -> dict[str, Any]:
    engine = backend.scenarios.engine(name)
    engine.reset()
    backend.use_scenario(engine)
    return _described(engine)


def active_scenario(backend: Backend) -> dict[str, Any]:
    return _described(backend.active_scenario)


def use_scenario(backend: Backend, document: bytes | Mapping[str, Any]) -> dict[str, Any]:
    """Make a scenario active with its counters at zero: `{"name": NAME}` picks a registered one, anything else
    is a whole document (YAML or JSON text, or a decoded mapping) registered under its name. Text is read
    within the server's YAML depth and alias limits."""
    guard = YamlGuard.from_limits(backend.config.request_limits)
    if isinstance(document, bytes):
        try:
            text = document.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidRequest(f"The scenario is not valid JSON or YAML: {exc}", param="scenario") from None
        decoded = load_document(text, ADMIN_SOURCE, guard) if text.strip() else None
    else:
        decoded = document
    if isinstance(decoded, Mapping) and set(decoded) == {"name"}:
        return _activate(backend, str(decoded["name"]))
    registry = backend.scenarios
    return _activate(backend, registry.register(registry.parse_document(document, ADMIN_SOURCE, guard)).name)


def use_scenario_file(backend: Backend, path: Path) -> dict[str, Any]:
    """Load a scenario file of this machine (named by its stem when it has no name) and make it active."""
    return _activate(backend, backend.scenarios.load_file(path).name)


def scenarios(backend: Backend) -> dict[str, Any]:
    """The active scenario's name and every registered one (name, description, source)."""
    return {"active": backend.active_scenario.scenario.name, "available": backend.scenarios.describe()}


# -- journal and inspection -------------------------------------------------------------------------


def requests(backend: Backend) -> dict[str, Any]:
    return _listing(backend.journal.entries())


def clear_requests(backend: Backend) -> dict[str, Any]:
    backend.journal.clear()
    return _listing([])


def batch(backend: Backend, batch_id: str) -> dict[str, Any]:
    """The full record of a batch, due transitions applied, its owner's API key redacted."""
    record = backend.batches.inspect(batch_id)
    if record is None:
        raise NotFound(MSG_NO_SUCH_BATCH.format(id=batch_id))
    return redact_record(record)


def file(backend: Backend, file_id: str) -> dict[str, Any]:
    """The full record of a file, its owner's API key redacted."""
    record = backend.files.table.get(file_id)
    if record is None:
        raise NotFound(MSG_NO_SUCH_FILE.format(id=file_id))
    return redact_record(record)


def findings(backend: Backend) -> dict[str, Any]:
    return _listing(backend.client_findings())


def handler_errors(backend: Backend) -> dict[str, Any]:
    return _listing(list(backend.handler_errors))
