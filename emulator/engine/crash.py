"""Named persistence points, and a test-only switch that ends the process abruptly at one of them.

Every write that backs an acknowledged state (a record written, a transaction committed, a blob moved into
place or deleted, the clock's horizon saved) calls `reached(point)` right after the write is durable and before
memory changes or a response goes out. Normally that only counts. When the switch is armed with `NAME` or
`NAME#N` (`serve --crash-at`, env `BATCH_EMULATOR_SERVE_CRASH_AT`), the process calls `os._exit` the first (or N-th)
time the point is reached: no `finally`, no shutdown code, no flushed buffers, exactly like `kill -9` at that
instant. A trace file (`--crash-trace`, env `BATCH_EMULATOR_SERVE_CRASH_TRACE`) gets one line per point reached, so a
test can list the points a workload passes and then crash at each of them.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import IO

CRASH_EXIT_CODE = 86

# The point names, as patterns: `<kind>` is a record kind ("files", "batches", "meta", ...), `<kinds>` the kinds
# a transaction wrote, joined by "+" in alphabetical order.
POINTS: dict[str, str] = {
    "put:<kind>": "one record written (its own transaction)",
    "delete:<kind>": "one record deleted (its own transaction)",
    "commit:<kinds>": "several records written or deleted in one transaction",
    "clear": "every record deleted (a reset)",
    "blob:commit": "a finished blob fsynced and renamed into blobs/",
    "blob:link": "a batch's result file linked into blobs/ under its file id",
    "blob:delete": "a blob removed from blobs/",
}


class CrashSwitch:
    """Counts the points reached; exits at the armed one; appends each point to the trace file."""

    def __init__(self) -> None:
        self.point: str | None = None
        self.occurrence = 1
        self.counts: Counter[str] = Counter()
        self._trace: IO[str] | None = None

    def arm(self, spec: str | None, trace: Path | None = None) -> None:
        """Arm with `NAME` or `NAME#N` (None disarms); `trace` names the file that lists the points reached."""
        self.point, self.occurrence = None, 1
        if spec:
            name, _, nth = spec.partition("#")
            self.point = name
            self.occurrence = int(nth) if nth else 1
            if self.occurrence < 1:
                raise ValueError(f"crash point occurrence must be >= 1: {spec!r}")
        if self._trace is not None:
            self._trace.close()
            self._trace = None
        if trace is not None:
            self._trace = open(trace, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - lives with the process

    def reached(self, point: str) -> None:
        self.counts[point] += 1
        if self._trace is not None:
            self._trace.write(point + "\n")
        if point == self.point and self.counts[point] == self.occurrence:
            os._exit(CRASH_EXIT_CODE)


SWITCH = CrashSwitch()


def reached(point: str) -> None:
    """A write that backs acknowledged state is durable (see the module docstring)."""
    SWITCH.reached(point)


KIND = "[a-z_]+"
PATTERN = re.compile(
    "|".join(
        re.escape(name).replace(re.escape("<kinds>"), f"{KIND}(?:\\+{KIND})*").replace(re.escape("<kind>"), KIND)
        for name in POINTS
    )
)


def is_point(name: str) -> bool:
    """Whether `name` is one of the documented points."""
    if PATTERN.fullmatch(name) is None:
        return False
    if name.startswith("commit:"):
        kinds = name.removeprefix("commit:").split("+")
        return kinds == sorted(set(kinds))
    return True
