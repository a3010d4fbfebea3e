"""Clocks: every timestamp the emulator hands out comes from one of these.

`ManualClock` moves only when told; `RealClock` follows `time.time()` (so freezegun moves it too),
plus an offset, optionally scaled by a speed factor. Nothing here touches asyncio.
"""

from __future__ import annotations

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

    def state(self) -> dict[str, float]:
        """What to save so that a restarted server continues the same virtual time."""
        ...

    def restore(self, state: dict[str, float]) -> None:
        """Continue from a saved state (the start the clock resets to is kept)."""
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

    def state(self) -> dict[str, float]:
        return {"now": self._now}

    def restore(self, state: dict[str, float]) -> None:
        self._now = max(self._now, float(state.get("now", self._now)))


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

    def state(self) -> dict[str, float]:
        return {"start": self._start, "wall0": self._wall0, "offset": self._offset}

    def restore(self, state: dict[str, float]) -> None:
        if "wall0" in state:
            self._start = float(state["start"])
            self._wall0 = float(state["wall0"])
            self._offset = float(state["offset"])


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


class SwitchableClock:
    """A clock whose underlying clock can be replaced (a test may switch modes or start times).

    `on_change` is called after every move, so the owner can save the state.
    """

    def __init__(self, inner: Clock) -> None:
        self.inner = inner
        self.on_change: Callable[[], None] | None = None

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def state(self) -> dict[str, float]:
        return {**self.inner.state(), "mode_manual": 1.0 if self.inner.mode == "manual" else 0.0}

    def restore(self, state: dict[str, float]) -> None:
        if bool(state.get("mode_manual")) == (self.inner.mode == "manual"):
            self.inner.restore(state)

    @property
    def mode(self) -> ClockMode:
        return self.inner.mode

    @property
    def speed(self) -> float:
        return self.inner.speed

    def replace(self, inner: Clock) -> None:
        self.inner = inner
        self._changed()

    def now(self) -> float:
        return self.inner.now()

    def advance(self, seconds: float) -> None:
        self.inner.advance(seconds)
        self._changed()

    def set(self, now: float) -> None:
        self.inner.set(now)
        self._changed()

    def reset(self) -> None:
        self.inner.reset()
        self._changed()

    def real_seconds_until(self, when: float) -> float | None:
        return self.inner.real_seconds_until(when)
