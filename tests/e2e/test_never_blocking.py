"""Other clients are answered while the server works on something big: a batch being run by run-until-idle
(whose caller waits until every line is done) and a synchronous call with many inputs. The clock is the
manual one; nothing here sleeps: the polling client sends its next request as soon as one is answered."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

from tests.conftest import chat_batch_file

LINES = 20_000


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=120) as response:
        return json.loads(response.read())


def _post(url: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer sk-test", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status, json.loads(response.read())


def _poll_while(work: Callable[[], Any], poll: Callable[[], None]) -> tuple[Any, int]:
    """Run `work` on a thread and call `poll` until it returns; (its result, how many polls were answered)."""
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", work()))
    thread.start()
    polls = 0
    while thread.is_alive():
        poll()
        polls += 1
    thread.join()
    return result.get("value"), polls


def test_a_batch_shows_progress_and_health_answers_while_run_until_idle_works(
    batch_emulator, client, upload_batch_file
):
    file = upload_batch_file(chat_batch_file(LINES))
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    seen: list[tuple[str, int]] = []

    def poll() -> None:
        assert _get(batch_emulator.url + "/_emulator/health")["status"] == "ok"
        shown = _get(batch_emulator.url + f"/_emulator/batches/{batch.id}")
        seen.append((shown["status"], shown["request_counts"]["completed"]))

    _, polls = _poll_while(batch_emulator.run_until_idle, poll)
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed" and done.request_counts is not None
    assert done.request_counts.completed == LINES  # run-until-idle returned only when every line was done
    # answered while the batch was being worked on (its lines are answered as its input is checked), not only after
    assert any(status in ("validating", "in_progress") for status, _ in seen), seen[:20]
    completed = [count for _, count in seen]
    assert completed == sorted(completed)  # counts never go back
    assert polls >= 3


def test_health_answers_while_a_large_embeddings_call_is_computed(batch_emulator):
    inputs = [f"passage number {i} about tides" for i in range(256)]
    body = {"model": "text-embedding-3-large", "input": inputs}

    def poll() -> None:
        assert _get(batch_emulator.url + "/_emulator/health")["status"] == "ok"

    (status, answer), polls = _poll_while(lambda: _post(batch_emulator.base_url + "/embeddings", body), poll)
    assert status == 200
    assert [item["index"] for item in answer["data"]] == list(range(256))
    assert {len(item["embedding"]) for item in answer["data"]} == {3072}
    assert polls >= 3
    # the answer is the one the fake model gives for the same body, byte for byte
    expected = batch_emulator.openai(max_retries=0).embeddings.with_raw_response.create(
        model="text-embedding-3-large", input=inputs[:1], encoding_format="float"
    )
    assert answer["data"][0]["embedding"] == expected.http_response.json()["data"][0]["embedding"]
