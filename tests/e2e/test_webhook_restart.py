"""--data-dir: webhook endpoints, secret and deliveries survive a SIGKILL. After a restart a delivery that failed
once is retried at its virtual time with the same webhook-id and a signature the SDK verifies, delayed copies
arrive when due, and the receiver gets exactly what a server that never stopped sends: nothing twice, nothing
lost."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator
from emulator.testing.handle import EmulatorConnection, EmulatorHandle
from tests.conftest import chat_batch_file
from tests.support.serve_process import kill_hard, start_serving, stop
from tests.support.webhooks import Received, Receiver, running_receiver

SECRET = "whsec_" + base64.b64encode(b"restart-test-secret-0123456789ab").decode()
INFERENCE_NET = "/inference-net/v1"
OWN_PATH = "/own"


def _handle(url: str) -> EmulatorHandle:
    return EmulatorHandle(EmulatorConnection(url))


def _create(client: openai.OpenAI, **options: Any) -> str:
    file = client.files.create(file=("in.jsonl", chat_batch_file(1)), purpose="batch")
    batch = client.batches.create(
        input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h", **options
    )
    return batch.id


def _decide(emulator: EmulatorHandle, receiver: Receiver) -> dict[str, str]:
    """Before the kill: one event delivered at once, two that fail once with a 500 (a signed account event and an
    Inference.net batch's own `webhook_url`), and one event held back 90 s with a copy. The batch ids by role."""
    emulator.configure_webhooks([receiver.url], secret=SECRET)
    client = emulator.openai(max_retries=0)
    inference = emulator.openai(base_url=emulator.url + INFERENCE_NET, max_retries=0)
    ids = {"delivered": _create(client)}
    emulator.run_until_idle()
    emulator.webhook_deliveries()
    receiver.statuses = [500, 500]
    ids["retried"] = _create(client)
    ids["own_url"] = _create(inference, extra_body={"webhook_url": receiver.url + OWN_PATH})
    ids["delayed"] = _create(client, metadata={"emulator_scenario": "unreliable_webhooks"})
    emulator.run_until_idle()
    emulator.webhook_deliveries()
    return ids


def _webhooks(emulator: EmulatorHandle) -> dict[str, Any]:
    state: dict[str, Any] = emulator._remote.admin("GET", "/webhooks")
    return state


def _due(state: dict[str, Any], batch_id: str) -> float:
    (due,) = {d["next_attempt_at"] for d in state["deliveries"] if d["batch_id"] == batch_id}
    return float(due)


def _carry_on(emulator: EmulatorHandle, receiver: Receiver, ids: dict[str, str]) -> list[int]:
    """After the kill: the clock just before and at the retries' time, just before and at the delayed event's
    time, then four quiet days. How many POSTs the receiver had after each step."""
    state = _webhooks(emulator)
    counts = []
    for when in (_due(state, ids["retried"]), _due(state, ids["delayed"])):
        for moment in (when - 0.5, when):
            emulator.set_time(moment)
            emulator.webhook_deliveries()
            counts.append(len(receiver.received))
    emulator.advance(days=4)
    emulator.webhook_deliveries()
    counts.append(len(receiver.received))
    return counts


def _message(got: Received) -> tuple[str, str, str, str, bytes]:
    """What identifies one POST whatever the receiver's port: path, message id, timestamp, signature, body."""
    message_id = got.headers.get("webhook-id") or got.headers["x-inference-webhook-id"]
    timestamp = got.headers.get("webhook-timestamp", "")
    return got.path, message_id, timestamp, got.headers.get("webhook-signature", ""), got.body


@pytest.fixture
def wall_start() -> int:
    """The SDK's `unwrap` checks webhook timestamps against the wall clock: start the virtual clock there."""
    return int(time.time())


@pytest.fixture
def uninterrupted(wall_start: int) -> Iterator[list[tuple[str, str, str, str, bytes]]]:
    """The POSTs a server with the same start and seed sends for the same steps when it never stops."""
    config = EmulatorConfig(port=0, clock="manual", start_time=wall_start, seed=0)
    with running_receiver() as receiver, ThreadedEmulator(config) as server:
        emulator = _handle(server.url)
        ids = _decide(emulator, receiver)
        _carry_on(emulator, receiver, ids)
        emulator.close()
        yield sorted(_message(got) for got in receiver.received)


def test_webhooks_carry_on_after_sigkill(tmp_path, receiver, wall_start, uninterrupted):
    data_dir = tmp_path / "data"
    process, url = start_serving(data_dir, wall_start)
    try:
        emulator = _handle(url)
        ids = _decide(emulator, receiver)
        before = _webhooks(emulator)
        emulator.close()
    finally:
        kill_hard(process)
    assert len(receiver.received) == 3
    failed = {_message(got)[0]: got for got in receiver.received[1:]}

    process, url = start_serving(data_dir, wall_start)
    try:
        emulator = _handle(url)
        after = _webhooks(emulator)
        assert (after["endpoints"], after["secret"]) == ([receiver.url], SECRET)
        assert after["deliveries"] == before["deliveries"]

        assert _carry_on(emulator, receiver, ids) == [3, 5, 5, 7, 7]
        client = emulator.openai(max_retries=0)
        retries = {_message(got)[0]: got for got in receiver.received[3:5]}
        assert set(retries) == set(failed) == {"/hook", "/hook" + OWN_PATH}
        for path, retry in retries.items():
            assert _message(retry)[1] == _message(failed[path])[1]
            assert retry.body == failed[path].body
        signed = retries["/hook"]
        assert int(signed.headers["webhook-timestamp"]) == _due(before, ids["retried"])
        event = client.webhooks.unwrap(signed.body, signed.headers, secret=SECRET)
        assert (event.type, event.data.id) == ("batch.completed", ids["retried"])
        for got in receiver.received[5:]:
            assert client.webhooks.unwrap(got.body, got.headers, secret=SECRET).data.id == ids["delayed"]

        history = {(d["batch_id"], d["copy"]): d for d in emulator.webhook_deliveries()}
        assert len(history) == 5
        assert {d["state"] for d in history.values()} == {"delivered"}
        for batch_id in (ids["retried"], ids["own_url"]):
            attempts = history[batch_id, 0]["attempts"]
            assert [(a["status"], a["outcome"]) for a in attempts] == [(500, "retry"), (200, "delivered")]
        assert sorted(_message(got) for got in receiver.received) == uninterrupted
        emulator.close()
    finally:
        assert stop(process) == 0
