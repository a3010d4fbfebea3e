"""A batch whose lines were answered while its input was validated, killed (SIGKILL) with part of them counted:
after the restart its work files end where its record says, and it completes with the same output and error
files, byte for byte, as the same batch on a server that was never killed."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import mixed_chat_batch_file
from tests.support.invariants import admin, client_for
from tests.support.serve_process import kill_hard, start_serving, stop

LINES = 3_000
CHAT = "/v1/chat/completions"


def _start_batch(url: str) -> str:
    """Upload the input, create the batch, validate it and let 500 of its lines finish; its id."""
    with client_for(url) as client:
        file = client.files.create(file=("in.jsonl", mixed_chat_batch_file(LINES, "harbors")), purpose="batch")
        batch = client.batches.create(input_file_id=file.id, endpoint=CHAT, completion_window="24h")
        admin(url, "/_emulator/clock/advance", {"seconds": 7})  # validated after 2 s, then 100 lines a second
        assert client.batches.retrieve(batch.id).request_counts.completed == 500 - 6  # six refused by the model
        return batch.id


def _finish(url: str, batch_id: str) -> tuple[bytes, bytes]:
    admin(url, "/_emulator/clock/run-until-idle", {})
    with client_for(url) as client:
        done = client.batches.retrieve(batch_id)
        assert done.status == "completed" and done.output_file_id and done.error_file_id
        return client.files.content(done.output_file_id).content, client.files.content(done.error_file_id).content


def test_a_kill_with_early_answers_past_the_record_changes_no_byte_of_the_results(tmp_path: Path):
    process, url = start_serving(tmp_path / "killed")
    try:
        batch_id = _start_batch(url)
        work = tmp_path / "killed" / "work"
        saved_out = (work / f"{batch_id}.out").stat().st_size
        assert (work / f"{batch_id}.early-index").exists()
    finally:
        kill_hard(process)
    process, url = start_serving(tmp_path / "killed")
    try:
        assert (work / f"{batch_id}.out").stat().st_size < saved_out  # cut back to the 494 lines counted
        assert not (work / f"{batch_id}.early-index").exists()
        after_kill = _finish(url, batch_id)
    finally:
        stop(process)
    process, url = start_serving(tmp_path / "never-killed")
    try:
        assert _start_batch(url) == batch_id
        untouched = _finish(url, batch_id)
    finally:
        stop(process)
    assert after_kill == untouched
    assert after_kill[0].count(b"\n") == LINES - 31 and after_kill[1].count(b"\n") == 31
