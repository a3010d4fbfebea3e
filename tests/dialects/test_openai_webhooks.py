"""OpenAI account-level webhooks: signed `batch.*` events, verified with the openai SDK, retried by the clock."""

from __future__ import annotations

import base64
import itertools
import time

import openai
import pytest

from tests.conftest import chat_batch_file, chat_line, jsonl
from tests.dialects.helpers import admin, flush_webhooks

SECRET = "whsec_" + base64.b64encode(b"emulator-test-secret-0123456789ab").decode()


@pytest.fixture
def hooked(batch_emulator, receiver):
    """The emulator's clock at wall time (the SDK checks webhook timestamps against it) and the receiver set."""
    batch_emulator.reset(start_time=int(time.time()))
    admin(batch_emulator, "PUT", "/webhooks", {"endpoints": [receiver.url], "secret": SECRET})
    return batch_emulator


def _create(client, upload_batch_file, data):
    file = upload_batch_file(data)
    return client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")


def test_completed_batch_sends_a_signed_event_the_sdk_verifies(hooked, client, upload_batch_file, receiver):
    batch = _create(client, upload_batch_file, chat_batch_file(3))
    hooked.run_until_idle()
    flush_webhooks(hooked)

    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    event = client.webhooks.unwrap(delivery.body, delivery.headers, secret=SECRET)
    assert event.type == "batch.completed"
    assert event.data.id == batch.id
    assert event.object == "event"
    completed = client.batches.retrieve(batch.id)
    assert event.created_at == completed.completed_at
    assert delivery.headers["webhook-id"] == event.id and event.id.startswith("evt_")
    assert int(delivery.headers["webhook-timestamp"]) == completed.completed_at


def test_a_wrong_secret_fails_verification(hooked, client, upload_batch_file, receiver):
    _create(client, upload_batch_file, chat_batch_file(1))
    hooked.run_until_idle()
    flush_webhooks(hooked)
    other = "whsec_" + base64.b64encode(b"another-secret-entirely-0000000").decode()
    with pytest.raises(openai.InvalidWebhookSignatureError):
        client.webhooks.unwrap(receiver.received[0].body, receiver.received[0].headers, secret=other)


def test_server_errors_are_retried_on_the_virtual_clock(hooked, client, upload_batch_file, receiver):
    receiver.statuses = [500, 503]
    batch = _create(client, upload_batch_file, chat_batch_file(2))
    hooked.run_until_idle()
    log = flush_webhooks(hooked)
    assert len(receiver.received) == 1
    assert log["deliveries"][0]["state"] == "pending"

    hooked.advance(4)
    flush_webhooks(hooked)
    assert len(receiver.received) == 1  # the first retry waits 5 virtual seconds

    hooked.advance(1)
    flush_webhooks(hooked)
    assert len(receiver.received) == 2

    hooked.advance(30)
    log = flush_webhooks(hooked)
    assert len(receiver.received) == 3
    stamps = [int(r.headers["webhook-timestamp"]) for r in receiver.received]
    assert [b - a for a, b in itertools.pairwise(stamps)] == [5, 30]
    assert {r.headers["webhook-id"] for r in receiver.received} == {receiver.received[0].headers["webhook-id"]}
    for delivery in receiver.received:
        assert client.webhooks.unwrap(delivery.body, delivery.headers, secret=SECRET).data.id == batch.id
    assert log["deliveries"][0]["state"] == "delivered"
    journal = [e for e in hooked.requests if e.get("kind") == "webhook"]
    assert [(e["attempt"], e["status"], e["outcome"]) for e in journal] == [
        (1, 500, "retry"),
        (2, 503, "retry"),
        (3, 200, "delivered"),
    ]


def test_client_errors_are_not_retried(hooked, client, upload_batch_file, receiver):
    receiver.statuses = [400]
    _create(client, upload_batch_file, chat_batch_file(1))
    hooked.run_until_idle()
    log = flush_webhooks(hooked)
    hooked.advance(3600)
    flush_webhooks(hooked)
    assert len(receiver.received) == 1
    assert log["deliveries"][0]["state"] == "failed"


def test_an_unreachable_endpoint_is_retried_then_given_up(hooked, client, upload_batch_file):
    admin(hooked, "PUT", "/webhooks", {"endpoints": ["http://127.0.0.1:9/nothing-listens"]})
    _create(client, upload_batch_file, chat_batch_file(1))
    hooked.run_until_idle()
    for _ in range(10):
        flush_webhooks(hooked)
        hooked.advance(7200)
    log = flush_webhooks(hooked)
    attempts = log["deliveries"][0]["attempts"]
    assert len(attempts) == 8
    assert all(a["status"] is None and a["error"] for a in attempts)
    assert log["deliveries"][0]["state"] == "failed"


def test_failed_cancelled_and_expired_batches_send_their_event_types(hooked, client, upload_batch_file, receiver):
    bad = _create(client, upload_batch_file, jsonl([{"custom_id": "x", "method": "GET"}]))
    cancelled = _create(client, upload_batch_file, chat_batch_file(2))
    client.batches.cancel(cancelled.id)
    hooked.use_scenario({"name": "slow", "timing": {"requests_per_second": 0.00001}})
    expired = _create(client, upload_batch_file, jsonl([chat_line("a")]))
    hooked.advance(hours=25)
    flush_webhooks(hooked)
    for delivery in receiver.received:  # a day later than the wall clock: widen the SDK's replay tolerance
        client.webhooks.verify_signature(delivery.body, delivery.headers, secret=SECRET, tolerance=2 * 86400)
    events = {r.json()["data"]["id"]: r.json()["type"] for r in receiver.received}
    assert events == {bad.id: "batch.failed", cancelled.id: "batch.cancelled", expired.id: "batch.expired"}


def test_every_configured_endpoint_gets_the_event(hooked, client, upload_batch_file, receiver):
    admin(hooked, "PUT", "/webhooks", {"endpoints": [receiver.url, receiver.url + "/second"]})
    _create(client, upload_batch_file, chat_batch_file(1))
    hooked.run_until_idle()
    flush_webhooks(hooked)
    assert sorted(r.path for r in receiver.received) == ["/hook", "/hook/second"]


def test_reset_forgets_runtime_endpoints(hooked, client, upload_batch_file, receiver):
    hooked.reset(start_time=int(time.time()))
    _create(client, upload_batch_file, chat_batch_file(1))
    hooked.run_until_idle()
    log = flush_webhooks(hooked)
    assert log["endpoints"] == [] and log["deliveries"] == []
    assert receiver.received == []
