"""Driving a backend the way the server does: every due transition run in work slices, waiting between two
slices for the work on other processes or threads a slice stopped for."""

from __future__ import annotations

from emulator.backend import DEFAULT_IDLE_LIMIT, Backend
from emulator.engine.budget import SLICE_SECONDS, work_slice


def run_until_idle_in_slices(backend: Backend, seconds: float = SLICE_SECONDS) -> int:
    """`backend.run_until_idle()` in slices of `seconds` of work; how many slices it took."""
    limit = backend.clock.now() + DEFAULT_IDLE_LIMIT
    tally = [0]
    slices = 0
    while True:
        slices += 1
        with work_slice(seconds) as piece:
            if backend.idle_step(limit, tally):
                return slices
        if piece.waiting is not None:
            piece.waiting.result()
