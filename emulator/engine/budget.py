"""Work slices: how long a piece of synchronous work may run before it hands the event loop back.

The server runs all domain code on one event loop, so a long loop (the lines of a big batch, the validation
of a big input file) would keep every other client waiting. Such loops call `spent()` every few iterations
and stop early once the current slice is used up, with their progress saved, so that the next call goes on
from there. The caller learns that work is left from the step's own result (and `Slice.stopped`).

A slice belongs to the task that opened it (a context variable), so concurrent requests each have their
own, and a slice opened inside another is a fresh one. Outside any slice the budget is unlimited: a
`Backend` driven directly, the offline runner and the tests that call services synchronously run every
piece of work to the end in one call, as before.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

SLICE_SECONDS = 0.01  # one slice of work between two turns of the event loop
CHECK_EVERY = 32  # iterations a loop runs between two looks at the clock
# Turns of the event loop between two slices. Answering a request on a new connection takes the loop about
# ten turns (accept, connection set-up, read, handler, write), so one turn per slice would make that client
# wait ten slices; a few turns cost microseconds when nothing else is ready.
TURNS_BETWEEN_SLICES = 6


@dataclass(slots=True)
class Slice:
    """A slice of `seconds` of work, counted from the first look at the clock (so that a request that first
    waits for its body still has its whole slice for the work), and whether some loop stopped because of it."""

    seconds: float
    deadline: float | None = None
    stopped: bool = False
    waiting: Future[Any] | None = None  # what the slice stopped to wait for, when it was work on another process


_current: ContextVar[Slice | None] = ContextVar("work_slice", default=None)


@contextmanager
def work_slice(seconds: float = SLICE_SECONDS) -> Iterator[Slice]:
    """Run the block as one slice of about `seconds` of work (a fresh one, even inside another)."""
    current = Slice(seconds)
    token = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(token)


def in_slice() -> bool:
    """Whether the caller runs inside a work slice (and so must not wait for other processes)."""
    return _current.get() is not None


def wait_on(future: Future[Any]) -> None:
    """Stop the running slice until `future` is done: its driver awaits the future before the next slice."""
    current = _current.get()
    if current is not None:
        current.stopped = True
        current.waiting = future


async def next_slice(piece: Slice) -> None:
    """Between two slices: let the event loop turn, and wait for the work `piece` stopped for, if any."""
    if piece.waiting is not None:
        await asyncio.wait([asyncio.wrap_future(piece.waiting)])  # its outcome is read by the next slice
    else:
        for _ in range(TURNS_BETWEEN_SLICES):
            await asyncio.sleep(0)


def spent() -> bool:
    """Whether the running slice is used up (never outside a slice). The first call starts the slice's clock,
    so a loop that asks every CHECK_EVERY iterations always makes progress."""
    current = _current.get()
    if current is None:
        return False
    now = time.perf_counter()
    if current.deadline is None:
        current.deadline = now + current.seconds
        return False
    if now < current.deadline:
        return False
    current.stopped = True
    return True
