"""Clocks: every timestamp the emulator hands out comes from one of these.

`ManualClock` moves only when told; `RealClock` follows `time.time()` (so freezegun moves it too),
plus an offset, optionally scaled by a speed factor. `SwitchableClock` wraps either and keeps virtual time
from running backwards across restarts: before it hands out a time past its saved horizon it saves a new
horizon (the time itself for a manual clock, a quarter of a wall second ahead for a real one, the exact time at a
clean stop), and a restarted clock starts at the saved horizon when that is later than where it would start.
Nothing here touches asyncio.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal, Protocol, get_args

DEFAULT_MANUAL_START = "2026-01-01T00:00:00Z"  # where a test's manual clock starts unless told otherwise

ClockMode = Literal["manual", "real"]
CLOCK_MODES: tuple[ClockMode, ...] = get_args(ClockMode)


class Clock(Protocol):
    @property
    def mode(self) -> ClockMode: ...

    @property
    def speed(self) -> float: ...

    def now(self) -> float:
        """Current virtual time, epoch seconds."""
        ...

    def advance(self, seconds: float) -> None:
        """Move virtual time forward."""
        ...

    def set(self, now: float) -> None:
        """Jump to an absolute virtual time (never backwards)."""
        ...

    def reset(self) -> None:
        """Return to the time the clock started at."""
        ...

    def real_seconds_until(self, when: float) -> float | None:
        """Wall seconds until `when` is reached on its own; None if it never will (manual)."""
        ...


class ClockError(ValueError):
    """Raised for a request to move a clock backwards, or to a time outside `check_time`'s range."""


LATEST = 253_402_300_799.0  # 9999-12-31T23:59:59Z, the last second a timestamp can be written as ISO 8601


def check_time(ts: float) -> float:
    """`ts` when it is an epoch time from 1970 to 9999 (what every `*_at` field and ISO rendering can hold)."""
    if not math.isfinite(ts) or not 0 <= ts <= LATEST:
        raise ClockError(f"time {ts!r} is outside 0 (1970-01-01) .. {LATEST:.0f} (9999-12-31T23:59:59Z)")
    return ts


class ManualClock:
    """Virtual time that moves only through `advance` and `set`."""

    mode: ClockMode = "manual"
    speed: float = 0.0

    def __init__(self, start: float | None = None) -> None:
        self._start = float(start) if start is not None else float(int(time.time()))
        self._now = self._start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ClockError("cannot advance by a negative amount")
        self._now += seconds

    def set(self, now: float) -> None:
        if now < self._now:
            raise ClockError("the clock cannot move backwards")
        self._now = float(now)

    def reset(self) -> None:
        self._now = self._start

    def real_seconds_until(self, when: float) -> float | None:
        return None


class RealClock:
    """Wall time (as `time.time()` reports it) plus an offset, scaled by `speed` since the start."""

    mode: ClockMode = "real"

    def __init__(self, start: float | None = None, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ClockError("speed must be positive")
        self.speed = speed
        self._wall0 = time.time()
        self._start = float(start) if start is not None else self._wall0
        self._offset = 0.0

    def now(self) -> float:
        return self._start + (time.time() - self._wall0) * self.speed + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ClockError("cannot advance by a negative amount")
        self._offset += seconds

    def set(self, now: float) -> None:
        current = self.now()
        if now < current:
            raise ClockError("the clock cannot move backwards")
        self._offset += now - current

    def reset(self) -> None:
        self._wall0 = time.time()
        self._offset = 0.0

    def real_seconds_until(self, when: float) -> float | None:
        return max(0.0, (when - self.now()) / self.speed)


def make_clock(mode: ClockMode, start: float | None = None, speed: float = 1.0) -> Clock:
    if mode == "manual":
        return ManualClock(start)
    return RealClock(start, speed)


def parse_time(value: str | float | int) -> float:
    """Epoch seconds from an epoch number or an ISO 8601 string (naive strings are UTC)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return check_time(float(value))
    text = str(value).strip()
    try:
        return check_time(float(text))
    except ValueError as exc:
        if isinstance(exc, ClockError):
            raise
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ClockError(f"not an epoch number or ISO 8601 time: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return check_time(parsed.timestamp())


def iso(ts: float) -> str:
    """ISO 8601 (UTC, `Z`) for an epoch time."""
    return datetime.fromtimestamp(ts, tz=UTC).isoformat().replace("+00:00", "Z")


HORIZON_WALL_SECONDS = 0.25


def saved_time(state: dict[str, float]) -> float | None:
    """The virtual time a saved clock state guarantees was never exceeded; None if it holds none."""
    if "now" in state:
        return float(state["now"])
    if "start" in state:  # the state a real clock saved before horizons: its last set/advance
        return float(state["start"]) + float(state.get("offset", 0.0))
    return None


class SwitchableClock:
    """A clock whose underlying clock can be replaced (a test may switch modes or start times), and whose time
    is saved ahead of use so that a restart never goes back.

    `persist(horizon)` (when set) is called before `now()` first returns a time past the last horizon and before
    every move takes effect; a move whose save fails raises and leaves the clock where it was. When a real
    clock's horizon cannot be saved, `now()` stays at the last saved horizon until a save succeeds.
    """

    def __init__(self, inner: Clock) -> None:
        self.inner = inner
        self.persist: Callable[[float], None] | None = None
        self._horizon = math.inf

    def start_saving(self, persist: Callable[[float], None], saved: dict[str, float] | None) -> None:
        """Continue from a saved state (if any is later than the current time) and save from now on."""
        previous = saved_time(saved) if saved else None
        if previous is not None and previous > self.inner.now():
            self.inner.set(previous)
        self.persist = persist
        self._horizon = self.inner.now()  # what holds if the save below fails (a full disk): time waits here
        with contextlib.suppress(Exception):
            self._save(self.inner.now())

    def _lease(self) -> float:
        return 0.0 if self.inner.mode == "manual" else max(1.0, HORIZON_WALL_SECONDS * self.inner.speed)

    def save_exactly(self) -> None:
        """Save the current time itself as the horizon (at a clean stop, so a restart resumes right there)."""
        if self.persist is not None:
            now = self.inner.now()
            self.persist(now)
            self._horizon = now

    def _save(self, at: float) -> None:
        """Save a horizon at or after `at` (raises if the save fails; the horizon is unchanged then)."""
        if self.persist is None:
            return
        horizon = at + self._lease()
        self.persist(horizon)
        self._horizon = horizon

    @property
    def mode(self) -> ClockMode:
        return self.inner.mode

    @property
    def speed(self) -> float:
        return self.inner.speed

    def replace(self, inner: Clock) -> None:
        """Use another clock from now on (a reset: it may start earlier)."""
        self._save(inner.now())
        self.inner = inner

    def now(self) -> float:
        value = self.inner.now()
        if value > self._horizon:
            try:
                self._save(value)
            except Exception:  # the disk is full: time waits at the last saved horizon
                return self._horizon
        return value

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ClockError("cannot advance by a negative amount")
        self._save(self.inner.now() + seconds)
        self.inner.advance(seconds)

    def set(self, now: float) -> None:
        if now < self.inner.now():
            raise ClockError("the clock cannot move backwards")
        self._save(now)
        self.inner.set(now)

    def reset(self) -> None:
        self.inner.reset()
        self._save(self.inner.now())

    def real_seconds_until(self, when: float) -> float | None:
        return self.inner.real_seconds_until(when)
