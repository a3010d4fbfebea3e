"""Randomized `kill -9` soak: a client thread keeps uploading, creating many small batches, cancelling,
deleting and moving the clock (one move finalizes dozens of batches at once) while the test SIGKILLs the server
in the middle of a random request; after each restart on the same data dir every invariant holds for everything
acknowledged so far, and at the end every batch reaches a terminal status with its results intact.

Bounded: CYCLES kill/restart cycles or BUDGET seconds, whichever ends first. The kill lands inside a request:
the client thread signals when it sends the request picked at random (a clock move, which finalizes, drains
and expires batches), and the test watches the SQLite write-ahead log and kills after a random number of its
writes (or when the request is over, if it writes less). No sleeps: the test polls the process's files.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from pathlib import Path

import openai
import pytest

from tests.conftest import chat_batch_file
from tests.support.crash_workload import Run
from tests.support.invariants import client_for, settle, violations
from tests.support.serve_process import kill_hard, start_serving, stop

CYCLES = 12
BUDGET = 50.0
SEED = 14
ADVANCES = [1, 1, 2, 3, 5, 30, 3600, 90_000]


class Client(threading.Thread):
    """Random requests until the server goes away; `about_to_send` is set when request number `kill_at` starts."""

    def __init__(self, run: Run, rng: random.Random, kill_at: int) -> None:
        super().__init__(daemon=True)
        self.run_ = run
        self.rng = rng
        self.kill_at = kill_at
        self.about_to_send = threading.Event()
        self.answered = threading.Event()

    def run(self) -> None:
        sent = 0
        try:
            while True:
                sent += 1
                if sent == self.kill_at:
                    self.about_to_send.set()
                    self.run_.advance(self.rng.choice([2, 3, 5, 90_000]))
                    self.answered.set()
                else:
                    self.one_request()
        except (openai.APIConnectionError, ConnectionError, OSError):
            pass
        finally:
            self.about_to_send.set()
            self.answered.set()

    def one_request(self) -> None:
        run, rng = self.run_, self.rng
        files = [name for name in run.ids if name.startswith("in-") and run.ids[name] not in run.ledger.deleting]
        choice = rng.random()
        if choice < 0.15 or not files:
            name = f"in-{len(run.ids)}"
            run.upload(name, chat_batch_file(rng.choice([1, 1, 3, 40]), prefix=name))
        elif choice < 0.55:
            scenario = rng.choice([None, None, None, "partial_line_failures", "shuffled_output", "expiry_mid_run"])
            run.batch(f"b-{len(run.ids)}", rng.choice(files), scenario)
        elif choice < 0.6:
            batches = [name for name in run.ids if name.startswith("b-")]
            if batches:
                with contextlib.suppress(openai.ConflictError):  # it had ended already
                    run.cancel(rng.choice(batches))
        elif choice < 0.65:
            run.delete(rng.choice(files))
        else:
            run.advance(rng.choice(ADVANCES))


def wal_state(data_dir: Path) -> tuple[int, int]:
    try:
        stat = os.stat(data_dir / "metadata.sqlite3-wal")
    except FileNotFoundError:
        return (0, 0)
    return (stat.st_size, stat.st_mtime_ns)


def kill_inside_the_request(process, client: Client, data_dir: Path, writes: int) -> int:
    """Once the client sends its chosen request, SIGKILL the server after `writes` changes of its write-ahead
    log, or when the request was answered; how many changes were seen."""
    client.about_to_send.wait(timeout=120)
    seen, last = 0, wal_state(data_dir)
    deadline = time.monotonic() + 30
    while seen < writes and not client.answered.is_set() and time.monotonic() < deadline:
        state = wal_state(data_dir)
        if state != last:
            seen, last = seen + 1, state
    kill_hard(process)
    return seen


@pytest.mark.slow
def test_random_kills_lose_nothing_acknowledged(tmp_path: Path):
    data_dir = tmp_path / "data"
    rng = random.Random(SEED)
    run: Run | None = None
    started = time.monotonic()
    cycles = landed = 0
    while cycles < CYCLES and time.monotonic() - started < BUDGET:
        process, url = start_serving(data_dir)
        try:
            if run is None:
                run = Run(url, client_for(url))
            else:
                run.url, run.client = url, client_for(url)
                assert violations(url, data_dir, run.ledger) == [], f"after kill {cycles} (seed {SEED})"
            client = Client(run, rng, kill_at=rng.randint(5, 60))
            client.start()
            landed += kill_inside_the_request(process, client, data_dir, rng.randint(1, 4)) > 0
        finally:
            if process.poll() is None:
                kill_hard(process)
        client.join(timeout=60)
        cycles += 1
    print(f"{cycles} kills, {landed} inside a request's writes, {time.monotonic() - started:.0f} s")
    assert run is not None and cycles >= 3 and landed >= 1
    process, url = start_serving(data_dir)
    try:
        run.url, run.client = url, client_for(url)
        assert violations(url, data_dir, run.ledger) == []
        assert settle(url) == []
        assert violations(url, data_dir, run.ledger) == []
        assert len(run.ledger.batches) > 20
    finally:
        stop(process)
