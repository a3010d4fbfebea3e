"""A timer heap on virtual time: `call_at`, `cancel`, `next_due`, `run_due`. No asyncio, no clock reads.

Actions receive the time they were due at, so transitions are stamped with their own time even when
the clock jumped past several of them at once. Ties run in insertion order, so runs are deterministic.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

Action = Callable[[float], None]


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
        self.on_change: Callable[[], None] | None = None

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
        """Run every timer due at or before `now` in (due, insertion) order, including ones scheduled meanwhile."""
        ran = 0
        while (item := self.pop_due(now)) is not None:
            due, action = item
            action(due)
            ran += 1
        return ran

    def clear(self) -> None:
        self._heap.clear()
        self._live.clear()

    def __len__(self) -> int:
        return len(self._live)
