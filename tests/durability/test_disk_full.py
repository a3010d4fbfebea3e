"""A full disk under --data-dir (a real 4 MB tmpfs): a write that cannot be stored answers a clean 507 in the
OpenAI error envelope, changes nothing in memory or on disk, and the server keeps serving; once there is space
again everything goes on, and a restart (even after `kill -9`) shows exactly what was shown before it."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

from tests.conftest import chat_batch_file
from tests.support.invariants import admin, client_for
from tests.support.serve_process import kill_hard, start_serving, stop
from tests.support.small_disk import fill

CHAT = "/v1/chat/completions"


def _assert_storage_full(exc: pytest.ExceptionInfo[openai.InternalServerError]) -> None:
    assert exc.value.status_code == 507
    assert exc.value.body == {
        "message": exc.value.body["message"],  # type: ignore[index]
        "type": "server_error",
        "param": None,
        "code": "storage_full",
    }


def _snapshot(client: openai.OpenAI) -> tuple[list[dict], list[dict]]:
    files = [file.model_dump() for file in client.files.list()]
    batches = [batch.model_dump() for batch in client.batches.list()]
    return files, batches


def test_an_upload_that_does_not_fit_is_a_507_and_leaves_nothing(small_disk: Path):
    data_dir = small_disk / "data"
    process, url = start_serving(data_dir)
    try:
        with client_for(url) as client:
            kept = client.files.create(file=("kept.jsonl", chat_batch_file(5)), purpose="batch")
            too_big = b"x" * (6 * 1024 * 1024)
            with pytest.raises(openai.InternalServerError) as exc:
                client.files.create(file=("big.jsonl", too_big), purpose="batch")
            _assert_storage_full(exc)
            assert list((data_dir / "tmp").iterdir()) == []
            assert [file.id for file in client.files.list()] == [kept.id]
            after = client.files.create(file=("after.jsonl", chat_batch_file(2)), purpose="batch")
            before_restart = _snapshot(client)
            assert [f["id"] for f in before_restart[0]] == [after.id, kept.id]
    finally:
        kill_hard(process)
    process, url = start_serving(data_dir)
    try:
        with client_for(url) as client:
            assert _snapshot(client) == before_restart
            assert client.files.content(kept.id).content == chat_batch_file(5)
    finally:
        stop(process)


def test_a_batch_waits_for_space_and_memory_never_runs_ahead_of_the_disk(small_disk: Path):
    data_dir = small_disk / "data"
    process, url = start_serving(data_dir)
    try:
        with client_for(url) as client:
            file = client.files.create(file=("in.jsonl", chat_batch_file(400)), purpose="batch")
            batch = client.batches.create(input_file_id=file.id, endpoint=CHAT, completion_window="24h")
            admin(url, "/_emulator/clock/advance", {"seconds": 3})
            running = client.batches.retrieve(batch.id)
            assert (running.status, running.request_counts.completed) == ("in_progress", 100)
            filler = fill(small_disk)
            with pytest.raises(openai.InternalServerError) as exc:
                client.post("/../_emulator/clock/advance", body={"seconds": 10}, cast_to=object)
            _assert_storage_full(exc)
            waiting = client.batches.retrieve(batch.id)
            assert waiting.status == "in_progress"
            assert waiting.errors is None
            shown_while_full = _snapshot(client)
    finally:
        kill_hard(process)
    process, url = start_serving(data_dir)
    try:
        with client_for(url) as client:
            assert _snapshot(client) == shown_while_full
            filler.unlink()
            admin(url, "/_emulator/clock/run-until-idle", {})
            done = client.batches.retrieve(batch.id)
            assert (done.status, done.request_counts.completed, done.request_counts.failed) == ("completed", 400, 0)
            assert done.output_file_id is not None
            lines = client.files.content(done.output_file_id).content.splitlines()
            assert len(lines) == 400
            assert len({line for line in lines}) == 400
    finally:
        stop(process)
