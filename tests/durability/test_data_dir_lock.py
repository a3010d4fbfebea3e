"""One --data-dir, one server: a second `serve` on the same directory refuses to start with one line naming the
process that holds it, and leaves the first one's data alone; once the holder is gone (even by `kill -9`) the
directory can be served again."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import chat_batch_file
from tests.support.invariants import client_for
from tests.support.serve_process import DEFAULT_START, kill_hard, launch, start_serving, stop


def _second_server(data_dir: Path) -> subprocess.CompletedProcess[bytes]:
    process = launch("--port", "0", "--clock", "manual", "--start-time", DEFAULT_START, "--data-dir", str(data_dir))
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        kill_hard(process)
        raise AssertionError("a second server on the same data dir started serving") from None
    return subprocess.CompletedProcess(process.args, process.returncode, output)


def test_a_second_server_on_the_same_data_dir_refuses_to_start(tmp_path: Path):
    data_dir = tmp_path / "data"
    first, url = start_serving(data_dir)
    try:
        data = chat_batch_file(3)
        with client_for(url) as client:
            file = client.files.create(file=("in.jsonl", data), purpose="batch")
        second = _second_server(data_dir)
        assert second.returncode != 0
        lines = second.stdout.decode().strip().splitlines()
        assert len(lines) == 1, lines
        assert f"pid {first.pid}" in lines[0] and str(data_dir) in lines[0]
        with client_for(url) as client:
            assert client.files.content(file.id).content == data
            assert [f.id for f in client.files.list()] == [file.id]
    finally:
        kill_hard(first)
    again, url = start_serving(data_dir)
    try:
        with client_for(url) as client:
            assert client.files.content(file.id).content == data
    finally:
        stop(again)
