"""Many one-line batches finalizing at once, and the server killed in the middle: after the restart every batch
completes with its output file linked (one line, as request_counts says) and no batch_output file belongs to no
batch. Killed once at a crash point half-way through the finalizations, and once by SIGKILL from outside while
the clock move that finalizes them is being answered."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest

from emulator.engine.crash import CRASH_EXIT_CODE
from tests.conftest import chat_batch_file
from tests.support.invariants import Ledger, admin, client_for, settle, violations
from tests.support.serve_process import crash_env, exit_code, kill_hard, start_serving, stop

BATCHES = 60
CHAT = "/v1/chat/completions"


def _finalizing(url: str, ledger: Ledger) -> None:
    """BATCHES one-line batches, all of them finalizing."""
    with client_for(url) as client:
        for index in range(BATCHES):
            data = chat_batch_file(1, prefix=f"f{index}")
            file = client.files.create(file=(f"in-{index}.jsonl", data), purpose="batch")
            ledger.files[file.id] = data
            ledger.saw_batch(client.batches.create(input_file_id=file.id, endpoint=CHAT, completion_window="24h"))
        admin(url, "/_emulator/clock/advance", {"seconds": 2.5})
        for batch in client.batches.list(limit=100):
            ledger.saw_batch(batch)
    assert set(ledger.batches.values()) == {"finalizing"}


def _check_after_restart(data_dir: Path, ledger: Ledger) -> None:
    process, url = start_serving(data_dir)
    try:
        assert violations(url, data_dir, ledger) == []
        assert settle(url) == []
        assert violations(url, data_dir, ledger) == []
        with client_for(url) as client:
            batches = list(client.batches.list(limit=100))
            assert len(batches) == BATCHES
            for batch in batches:
                assert batch.status == "completed"
                assert batch.output_file_id
                assert len(client.files.content(batch.output_file_id).content.splitlines()) == 1
    finally:
        stop(process)


def test_a_crash_half_way_through_finalizing_loses_no_output(tmp_path: Path):
    data_dir = tmp_path / "data"
    point = f"commit:batches+files+meta#{BATCHES // 2}"
    process, url = start_serving(data_dir, env=crash_env(point))
    ledger = Ledger()
    try:
        _finalizing(url, ledger)
        with pytest.raises(OSError):
            admin(url, "/_emulator/clock/advance", {"seconds": 5})
        assert exit_code(process) == CRASH_EXIT_CODE
    finally:
        if process.poll() is None:
            kill_hard(process)
    _check_after_restart(data_dir, ledger)


def test_sigkill_while_finalizing_loses_no_output(tmp_path: Path):
    data_dir = tmp_path / "data"
    process, url = start_serving(data_dir)
    ledger = Ledger()
    try:
        _finalizing(url, ledger)
        blobs = data_dir / "blobs"
        before = len(list(blobs.iterdir()))
        mover = threading.Thread(target=_advance_quietly, args=(url,), daemon=True)
        mover.start()
        while mover.is_alive() and len(list(blobs.iterdir())) < before + BATCHES // 3:
            pass  # poll the server's blob directory until a third of the results are linked
    finally:
        kill_hard(process)
    mover.join(timeout=60)
    _check_after_restart(data_dir, ledger)


def _advance_quietly(url: str) -> None:
    with contextlib.suppress(OSError):  # the server was killed while answering
        admin(url, "/_emulator/clock/advance", {"seconds": 5})
