"""Crash injection: the server process exits abruptly (`os._exit`, as after `kill -9`) right after each named
persistence point of a workload; after a restart on the same data dir every invariant holds (acknowledged files
byte-identical, acknowledged batches present with a legal status that still reaches a terminal one, result files
linked with as many lines as request_counts, no custom_id twice, nothing orphaned on disk, the clock not back).

One traced run lists which points each step of the workload reaches; the crashes are listed here by step, point
and the first or last time the step reaches it, and a test checks that every point the workload reaches is
documented and crashed at, so a new kind of write cannot go untested.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.engine.crash import CRASH_EXIT_CODE, is_point
from tests.support.crash_workload import STEPS, Run, run_steps
from tests.support.invariants import client_for, settle, violations
from tests.support.serve_process import crash_env, exit_code, kill_hard, start_serving, stop

# (step, point, which time in the step): the crashes. Steps that repeat another's writes (the second and third
# plain upload, the other batch creations) are left out; every point the workload reaches is in the list.
CRASHES = [
    ("upload a plain input", "put:meta", "first"),
    ("upload a plain input", "blob:commit", "first"),
    ("upload a plain input", "put:files", "first"),
    ("upload an input in two parts", "put:uploads", "first"),
    ("upload an input in two parts", "blob:commit", "first"),
    ("upload an input in two parts", "put:parts", "first"),
    ("upload an input in two parts", "blob:commit", "last"),
    ("upload an input in two parts", "commit:files+parts+uploads", "first"),
    ("upload an input in two parts", "blob:delete", "first"),
    ("create a batch", "put:meta", "first"),
    ("create a batch", "put:batches", "first"),
    ("validate them", "put:meta", "first"),
    ("validate them", "commit:batches", "first"),
    ("validate them", "commit:batches", "last"),
    ("run lines", "commit:batches", "first"),
    ("cancel the long batch", "commit:batches", "first"),
    ("finalize and drain", "put:meta", "first"),
    ("finalize and drain", "blob:link", "first"),
    ("finalize and drain", "commit:batches+files+meta", "first"),
    ("finalize and drain", "blob:link", "last"),
    ("finalize and drain", "commit:batches+files+meta", "last"),
    ("delete an input", "delete:files", "first"),
    ("delete an input", "blob:delete", "first"),
    ("expire", "commit:batches", "first"),
    ("expire", "blob:link", "first"),
    ("expire", "commit:batches+files+meta", "first"),
]
Trace = list[tuple[str, list[str]]]


@pytest.fixture(scope="module")
def workload_trace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trace]:
    """The points each step reaches, in order, from one uninterrupted traced run."""
    root = tmp_path_factory.mktemp("traced")
    trace = root / "trace"
    process, url = start_serving(root / "data", env=crash_env(trace=trace))
    steps: Trace = [("start", trace.read_text().splitlines())]
    try:
        run = Run(url, client_for(url))
        seen = len(steps[0][1])
        for name, step in STEPS:
            step(run)
            lines = trace.read_text().splitlines()
            steps.append((name, lines[seen:]))
            seen = len(lines)
    finally:
        stop(process)
    yield steps


def occurrence(trace: Trace, step: str, point: str, which: str) -> int:
    """How many times `point` has been reached, counting from the start, when `step` reaches it the first (or
    last) time."""
    count = 0
    for name, points in trace:
        if name == step:
            assert point in points, f"{step!r} does not reach {point}"
            return count + (1 if which == "first" else points.count(point))
        count += points.count(point)
    raise AssertionError(f"no step {step!r}")


def test_every_point_the_workload_reaches_is_documented_and_crashed_at(workload_trace):
    reached = {(step, point) for step, points in workload_trace[1:] for point in points}
    assert {(step, point) for step, point, _ in CRASHES} <= reached
    names = {point for _step, point in reached}
    assert all(is_point(name) for name in names), "a point that is not documented in POINTS"
    assert names == {point for _step, point, _ in CRASHES}, "add a crash at each point the workload reaches"


@pytest.mark.parametrize(("step", "point", "which"), CRASHES, ids=["-".join(crash) for crash in CRASHES])
def test_a_crash_at_the_point_keeps_every_invariant(tmp_path: Path, workload_trace, step: str, point: str, which: str):
    data_dir = tmp_path / "data"
    spec = f"{point}#{occurrence(workload_trace, step, point, which)}"
    process, url = start_serving(data_dir, env=crash_env(spec))
    run = Run(url, client_for(url))
    try:
        # Work slices (engine.budget) split long steps by wall time, so a busy machine may save a batch's progress
        # more or fewer times than the traced run: the crash can land a step later, or not at all.
        if run_steps(run) < len(STEPS):
            assert exit_code(process) == CRASH_EXIT_CODE
    finally:
        if process.poll() is None:
            kill_hard(process)
    process, url = start_serving(data_dir)
    try:
        assert violations(url, data_dir, run.ledger) == []
        assert settle(url) == []
        assert violations(url, data_dir, run.ledger) == []
    finally:
        stop(process)
