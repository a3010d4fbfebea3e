"""A full disk under --data-dir (a real 4 MB tmpfs), for video jobs and webhook deliveries: a video create or
delete that cannot be stored is a clean 507 that changes nothing, and a batch whose end cannot be stored waits
with its webhook unsent; once there is space again the batch completes and its event is delivered exactly once,
and a restart after `kill -9` sends nothing again."""

from __future__ import annotations

import base64
from pathlib import Path

import openai
import pytest

from emulator.testing.handle import EmulatorConnection, EmulatorHandle
from tests.conftest import chat_batch_file
from tests.support.invariants import client_for
from tests.support.serve_process import kill_hard, start_serving, stop
from tests.support.small_disk import fill
from tests.support.webhooks import running_receiver

SECRET = "whsec_" + base64.b64encode(b"disk-full-test-secret-0123456789").decode()
VIDEO = {"model": "sora-2", "prompt": "A lighthouse in a storm", "seconds": "4"}


def _storage_full(exc: pytest.ExceptionInfo[openai.APIStatusError]) -> bool:
    body = exc.value.body
    return exc.value.status_code == 507 and isinstance(body, dict) and body.get("code") == "storage_full"


def _videos(client: openai.OpenAI) -> list[str]:
    return [video["id"] for video in client.get("/videos", cast_to=object)["data"]]  # type: ignore[index]


def test_a_video_create_or_delete_that_cannot_be_stored_is_a_507_and_changes_nothing(small_disk: Path):
    data_dir = small_disk / "data"
    process, url = start_serving(data_dir)
    handle = EmulatorHandle(EmulatorConnection(url))
    try:
        with client_for(url) as client:
            kept = client.post("/videos", body=VIDEO, cast_to=object)["id"]  # type: ignore[index]
            handle.run_until_idle()
            filler = fill(small_disk)
            with pytest.raises(openai.APIStatusError) as created:
                client.post("/videos", body=VIDEO, cast_to=object)
            assert _storage_full(created)
            with pytest.raises(openai.APIStatusError) as deleted:
                client.delete(f"/videos/{kept}", cast_to=object)
            assert _storage_full(deleted)
            assert _videos(client) == [kept]
            assert client.get(f"/videos/{kept}", cast_to=object)["status"] == "completed"  # type: ignore[index]
            filler.unlink()
            added = client.post("/videos", body=VIDEO, cast_to=object)["id"]  # type: ignore[index]
            assert _videos(client) == [added, kept]
    finally:
        kill_hard(process)
    process, url = start_serving(data_dir)
    try:
        with client_for(url) as client:
            assert _videos(client) == [added, kept]
    finally:
        stop(process)


def test_a_batch_whose_end_cannot_be_stored_sends_its_webhook_once_there_is_space(small_disk: Path):
    data_dir = small_disk / "data"
    with running_receiver() as receiver:
        process, url = start_serving(data_dir)
        handle = EmulatorHandle(EmulatorConnection(url))
        try:
            handle.configure_webhooks([receiver.url], secret=SECRET)
            with client_for(url) as client:
                file = client.files.create(file=("in.jsonl", chat_batch_file(3)), purpose="batch")
                batch = client.batches.create(
                    input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h"
                )
                handle.advance(2.5)  # validated and every line done: finalizing
                assert client.batches.retrieve(batch.id).status == "finalizing"
                filler = fill(small_disk)
                with pytest.raises(openai.APIStatusError) as ended:
                    client.post("/../_emulator/clock/advance", body={"seconds": 5}, cast_to=object)
                assert _storage_full(ended)
                assert client.batches.retrieve(batch.id).status == "finalizing"
                handle.webhook_deliveries()
                assert receiver.received == []  # nothing is announced that was not stored
                filler.unlink()
                handle.run_until_idle()
                assert client.batches.retrieve(batch.id).status == "completed"
                deliveries = handle.webhook_deliveries()
                assert [(d["type"], d["batch_id"], d["state"]) for d in deliveries] == [
                    ("batch.completed", batch.id, "delivered")
                ]
                assert len(receiver.received) == 1 and batch.id.encode() in receiver.received[0].body
        finally:
            kill_hard(process)
        process, url = start_serving(data_dir)
        handle = EmulatorHandle(EmulatorConnection(url))
        try:
            handle.advance(days=2)
            assert [d["state"] for d in handle.webhook_deliveries()] == ["delivered"]
            assert len(receiver.received) == 1  # not sent again after the restart
        finally:
            stop(process)
