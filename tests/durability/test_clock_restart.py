"""Virtual time never runs backwards across a restart on the same --data-dir: not after `kill -9`, not after a
clean stop, not with a real clock at high speed, not when the restart names an earlier --start-time; objects made
after the restart get timestamps no earlier than the ones made before."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.engine.clock import parse_time
from tests.conftest import chat_batch_file
from tests.support.invariants import admin, client_for
from tests.support.serve_process import kill_hard, start_serving, stop

START = "2026-03-01T00:00:00Z"
FAST = ("--clock", "real", "--speed", "100000")  # a wall millisecond is 100 virtual seconds


def _now(url: str) -> float:
    return float(admin(url, "/_emulator/clock")["now"])


def _file_created_at(url: str, name: str) -> int:
    with client_for(url) as client:
        return client.files.create(file=(name, chat_batch_file(1)), purpose="batch").created_at


@pytest.mark.parametrize("ending", ["kill -9", "SIGTERM"])
def test_a_fast_real_clock_continues_after_a_restart(tmp_path: Path, ending: str):
    data_dir = tmp_path / "data"
    process, url = start_serving(data_dir, START, *FAST)
    try:
        created = _file_created_at(url, "before.jsonl")
        before = _now(url)
        assert before > created > parse_time(START)
    finally:
        kill_hard(process) if ending == "kill -9" else stop(process)
    process, url = start_serving(data_dir, START, *FAST)
    try:
        after = _now(url)
        assert after >= before
        assert _file_created_at(url, "after.jsonl") >= created
    finally:
        stop(process)


def test_a_restart_with_an_earlier_start_time_keeps_the_later_time(tmp_path: Path):
    data_dir = tmp_path / "data"
    process, url = start_serving(data_dir, START)
    try:
        admin(url, "/_emulator/clock/advance", {"hours": 5})
        before = _now(url)
    finally:
        kill_hard(process)
    process, url = start_serving(data_dir, "2020-01-01T00:00:00Z", "--clock", "real")
    try:
        assert _now(url) >= before
    finally:
        stop(process)


def test_a_clean_stop_resumes_a_manual_clock_exactly(tmp_path: Path):
    data_dir = tmp_path / "data"
    process, url = start_serving(data_dir, START)
    admin(url, "/_emulator/clock/advance", {"seconds": 90})
    stop(process)
    process, url = start_serving(data_dir, START)
    try:
        assert _now(url) == parse_time(START) + 90
    finally:
        stop(process)
