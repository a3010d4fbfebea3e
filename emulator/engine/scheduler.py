"""A timer heap on virtual time: `call_at`, `cancel`, `next_due`, `run_due`. No asyncio, no clock reads.

Actions receive the time they were due at, so transitions are stamped with their own time even when
the clock jumped past several of them at once. Ties run in insertion order, so runs are deterministic.

An action that ran out of its work slice (see `budget`) returns `AGAIN`: it stays first in line, with its
place among ties kept, `run_due` stops and sets `interrupted`, and the next `run_due` resumes it. So the
order of transitions is the same whether the work ran in one go or in slices.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.engine.errors import InsufficientStorage


class Again:
    """What an action returns when it stopped early and must run again before anything else (`AGAIN`)."""

    def __repr__(self) -> str:
        return "AGAIN"


AGAIN = Again()
Action = Callable[[float], "Again | None"]


@dataclass(order=True)
class _Entry:
    due: float
    seq: int
    key: str = field(compare=False)
    action: Action = field(compare=False)


class Scheduler:
    """Timers keyed by name; scheduling a key again replaces its previous timer."""

    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._live: dict[str, int] = {}
        self._seq = 0
        self.waiting_for_space = False
        self.on_change: Callable[[], None] | None = None
        self.interrupted = False  # the last run_due stopped at an action that returned AGAIN

    def call_at(self, due: float, key: str, action: Action) -> None:
        self._seq += 1
        self._live[key] = self._seq
        heapq.heappush(self._heap, _Entry(due, self._seq, key, action))
        if self.on_change is not None:
            self.on_change()

    def cancel(self, key: str) -> None:
        self._live.pop(key, None)

    def cancel_prefix(self, prefix: str) -> None:
        for key in [k for k in self._live if k.startswith(prefix)]:
            del self._live[key]

    def is_scheduled(self, key: str) -> bool:
        return key in self._live

    def _drop_dead(self) -> None:
        while self._heap and self._live.get(self._heap[0].key) != self._heap[0].seq:
            heapq.heappop(self._heap)

    def next_due(self) -> float | None:
        self._drop_dead()
        return self._heap[0].due if self._heap else None

    def pop_due(self, now: float) -> tuple[float, Action] | None:
        """Remove and return the earliest live timer due at or before `now`."""
        self._drop_dead()
        if not self._heap or self._heap[0].due > now:
            return None
        entry = heapq.heappop(self._heap)
        del self._live[entry.key]
        return entry.due, entry.action

    def run_due(self, now: float) -> int:
        """Run every timer due at or before `now` in (due, insertion) order, including ones scheduled meanwhile.

        Stops early, with `interrupted` set, when an action returns AGAIN (it runs first next time). A timer whose
        write failed for lack of space is armed again at its time before the exception goes on."""
        ran = 0
        self.interrupted = False
        while True:
            self._drop_dead()
            if not self._heap or self._heap[0].due > now:
                return ran
            entry = heapq.heappop(self._heap)
            del self._live[entry.key]
            try:
                again = entry.action(entry.due) is AGAIN
            except InsufficientStorage:  # its write found no space: armed again, so the next run tries again
                self._rearm(entry)
                raise
            if again:
                self._rearm(entry)
                self.interrupted = True
                return ran
            ran += 1

    def _rearm(self, entry: _Entry) -> None:
        if entry.key not in self._live:  # not replaced by the action itself
            self._live[entry.key] = entry.seq
            heapq.heappush(self._heap, entry)

    def run_due_or_wait(self, now: float) -> int:
        """`run_due`, except that a timer whose write found the disk full does not fail the caller: it waits for
        the next run (`waiting_for_space` says so until a run gets through), and the caller goes on, so a read
        still answers from what is saved."""
        try:
            ran = self.run_due(now)
        except InsufficientStorage:
            self.waiting_for_space = True
            return 0
        self.waiting_for_space = False
        return ran

    def clear(self) -> None:
        self._heap.clear()
        self._live.clear()

    def __len__(self) -> int:
        return len(self._live)
