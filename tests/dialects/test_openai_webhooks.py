"""OpenAI account-level webhooks: signed `batch.*` events, verified with the openai SDK, retried by the clock."""

from __future__ import annotations

import base64
import itertools
import json
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
    assert event.id.startswith("evt_")
    assert delivery.headers["webhook-id"].startswith("wh_") and delivery.headers["webhook-id"] != event.id
    assert int(delivery.headers["webhook-timestamp"]) == completed.completed_at
    assert delivery.headers["user-agent"].startswith("OpenAI/1.0")
    assert delivery.headers["content-type"] == "application/json"


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

    hooked.advance(299)
    flush_webhooks(hooked)
    assert len(receiver.received) == 2  # the second retry waits 5 virtual minutes
    hooked.advance(1)
    log = flush_webhooks(hooked)
    assert len(receiver.received) == 3
    stamps = [int(r.headers["webhook-timestamp"]) for r in receiver.received]
    assert [b - a for a, b in itertools.pairwise(stamps)] == [5, 300]
    assert {r.headers["webhook-id"] for r in receiver.received} == {receiver.received[0].headers["webhook-id"]}
    for delivery in receiver.received:  # minutes ahead of the wall clock: widen the SDK's replay tolerance
        client.webhooks.verify_signature(delivery.body, delivery.headers, secret=SECRET, tolerance=3600)
        assert delivery.json()["data"]["id"] == batch.id
    assert log["deliveries"][0]["state"] == "delivered"
    journal = [e for e in hooked.requests if e.get("kind") == "webhook"]
    assert [(e["attempt"], e["status"], e["outcome"]) for e in journal] == [
        (1, 500, "retry"),
        (2, 503, "retry"),
        (3, 200, "delivered"),
    ]


def test_client_errors_and_redirects_are_retried_too(hooked, client, upload_batch_file, receiver):
    receiver.statuses = [400, 302]  # OpenAI treats any non-2xx answer as a failed delivery
    _create(client, upload_batch_file, chat_batch_file(1))
    hooked.run_until_idle()
    hooked.advance(5)
    flush_webhooks(hooked)
    hooked.advance(300)
    deliveries = hooked.webhook_deliveries()
    assert [a["status"] for a in deliveries[0]["attempts"]] == [400, 302, 200]
    assert deliveries[0]["state"] == "delivered"


def test_an_unreachable_endpoint_is_retried_for_about_three_days_then_given_up(hooked, client, upload_batch_file):
    hooked.configure_webhooks(["http://127.0.0.1:9/nothing-listens"])
    batch = _create(client, upload_batch_file, chat_batch_file(1))
    hooked.run_until_idle()
    for _ in range(20):
        flush_webhooks(hooked)
        hooked.advance(hours=5)
    (delivery,) = hooked.webhook_deliveries()
    attempts = delivery["attempts"]
    assert len(attempts) == 12
    assert all(a["status"] is None and a["error"] for a in attempts)
    assert delivery["state"] == "failed"
    completed_at = client.batches.retrieve(batch.id).completed_at
    span = attempts[-1]["time"] - completed_at
    assert 60 * 3600 < span < 72 * 3600


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


# -- scenario rules on deliveries ---------------------------------------------------------------------


def _verifies(client, delivery, tolerance=300):
    try:
        client.webhooks.verify_signature(delivery.body, delivery.headers, secret=SECRET, tolerance=tolerance)
    except openai.InvalidWebhookSignatureError:
        return False
    return True


def _webhook_journal(emulator):
    return [e for e in emulator.requests if e.get("kind") == "webhook"]


def test_a_delayed_event_is_overtaken_by_a_later_one(hooked, client, upload_batch_file, receiver):
    hooked.use_scenario({"name": "late", "webhooks": [{"match": {"event": "batch.completed"}, "delay_seconds": 100}]})
    done = _create(client, upload_batch_file, chat_batch_file(1))
    hooked.run_until_idle()
    completed_at = client.batches.retrieve(done.id).completed_at
    cancelled = _create(client, upload_batch_file, chat_batch_file(1))
    client.batches.cancel(cancelled.id)
    hooked.advance(10)
    flush_webhooks(hooked)
    assert [r.json()["type"] for r in receiver.received] == ["batch.cancelled"]

    hooked.advance(completed_at + 100 - hooked.now())
    flush_webhooks(hooked)
    assert [r.json()["type"] for r in receiver.received] == ["batch.cancelled", "batch.completed"]
    late = receiver.received[1]
    assert int(late.headers["webhook-timestamp"]) == completed_at + 100
    assert late.json()["created_at"] == completed_at  # the event keeps the time the batch ended
    assert _verifies(client, late)
    assert [(e["type"], e["rule"]) for e in _webhook_journal(hooked)] == [
        ("batch.cancelled", None),
        ("batch.completed", "webhooks[0]"),
    ]


def test_duplicates_carry_the_same_webhook_id_and_all_verify(hooked, client, upload_batch_file, receiver):
    hooked.use_scenario({"name": "twice", "webhooks": [{"duplicate": 2}]})
    _create(client, upload_batch_file, chat_batch_file(1))
    hooked.run_until_idle()
    deliveries = hooked.webhook_deliveries()
    assert len(receiver.received) == 3
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert len({r.body for r in receiver.received}) == 1
    assert all(_verifies(client, r) for r in receiver.received)
    assert sorted(d["copy"] for d in deliveries) == [0, 1, 2]
    assert {d["state"] for d in deliveries} == {"delivered"}


def test_a_bad_signature_first_then_the_genuine_event_on_retry(hooked, client, upload_batch_file, receiver):
    receiver.accepts = lambda got: _verifies(client, got)  # a receiver that checks signatures
    hooked.use_scenario({"name": "spoiled", "webhooks": [{"corrupt": "signature"}]})
    batch = _create(client, upload_batch_file, chat_batch_file(1))
    hooked.run_until_idle()
    flush_webhooks(hooked)
    assert len(receiver.received) == 1 and not _verifies(client, receiver.received[0])
    assert receiver.received[0].json()["data"]["id"] == batch.id  # the body itself is intact

    hooked.advance(5)
    (delivery,) = hooked.webhook_deliveries()
    assert len(receiver.received) == 2 and _verifies(client, receiver.received[1])
    assert [(a["status"], a.get("corrupt")) for a in delivery["attempts"]] == [(400, "signature"), (200, None)]


def test_a_stale_timestamp_fails_only_the_replay_check(hooked, client, upload_batch_file, receiver):
    hooked.use_scenario({"name": "stale", "webhooks": [{"corrupt": "timestamp"}]})
    batch = _create(client, upload_batch_file, chat_batch_file(1))
    hooked.run_until_idle()
    flush_webhooks(hooked)
    (got,) = receiver.received
    with pytest.raises(openai.InvalidWebhookSignatureError, match="too old"):
        client.webhooks.unwrap(got.body, got.headers, secret=SECRET)
    assert _verifies(client, got, tolerance=2 * 3600)  # signed correctly for the time it claims
    assert int(got.headers["webhook-timestamp"]) == client.batches.retrieve(batch.id).completed_at - 3600


def test_a_truncated_body_is_neither_json_nor_verifiable(hooked, client, upload_batch_file, receiver):
    hooked.use_scenario({"name": "cut", "webhooks": [{"corrupt": "body", "times": 1}]})
    _create(client, upload_batch_file, chat_batch_file(1))
    _create(client, upload_batch_file, chat_batch_file(1))
    hooked.run_until_idle()
    flush_webhooks(hooked)
    assert len(receiver.received) == 2  # both are sent at once: their arrival order is not fixed
    spoiled, intact = sorted(receiver.received, key=lambda r: _is_json(r.body))
    with pytest.raises(ValueError):
        spoiled.json()
    assert not _verifies(client, spoiled)
    assert _verifies(client, intact)  # `times: 1` spoils one delivery only


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def test_a_dropped_delivery_is_never_sent_but_is_logged(hooked, client, upload_batch_file, receiver):
    hooked.use_scenario({"name": "lost", "webhooks": [{"match": {"event": "batch.failed"}, "drop": True}]})
    bad = _create(client, upload_batch_file, jsonl([{"custom_id": "x", "method": "GET"}]))
    good = _create(client, upload_batch_file, chat_batch_file(1))
    hooked.run_until_idle()
    hooked.advance(days=4)
    deliveries = {d["batch_id"]: d for d in hooked.webhook_deliveries()}
    assert [r.json()["data"]["id"] for r in receiver.received] == [good.id]
    assert deliveries[bad.id]["state"] == "dropped" and deliveries[bad.id]["attempts"] == []
    dropped = [e for e in _webhook_journal(hooked) if e["outcome"] == "dropped"]
    assert [(e["batch_id"], e["type"], e["rule"]) for e in dropped] == [(bad.id, "batch.failed", "webhooks[0]")]


def test_rules_match_the_receiving_url(hooked, client, upload_batch_file, receiver):
    hooked.configure_webhooks([receiver.url, receiver.url + "/audit"])
    hooked.use_scenario({"name": "one-url", "webhooks": [{"match": {"url": "*/audit"}, "delay_seconds": 60}]})
    _create(client, upload_batch_file, chat_batch_file(1))
    hooked.run_until_idle()
    flush_webhooks(hooked)
    assert [r.path for r in receiver.received] == ["/hook"]
    hooked.advance(60)
    flush_webhooks(hooked)
    assert [r.path for r in receiver.received] == ["/hook", "/hook/audit"]


def test_a_batch_keeps_the_webhook_rules_of_its_own_scenario(hooked, client, upload_batch_file, receiver):
    file = upload_batch_file(chat_batch_file(1))
    client.batches.create(
        input_file_id=file.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"emulator_scenario": "unreliable_webhooks"},
    )
    _create(client, upload_batch_file, chat_batch_file(1))  # under the active happy_path
    hooked.run_until_idle()
    flush_webhooks(hooked)
    assert len(receiver.received) == 1
    hooked.advance(90)
    flush_webhooks(hooked)
    assert len(receiver.received) == 3  # the other batch's event, late and twice


def test_fraction_picks_replay_with_the_same_seed(hooked, client, upload_batch_file, receiver):
    def dropped_batches(seed):
        hooked.reset(start_time=int(time.time()))
        hooked.configure_webhooks([receiver.url], secret=SECRET)
        hooked.use_scenario({"name": "some", "seed": seed, "webhooks": [{"match": {"fraction": 0.5}, "drop": True}]})
        for _ in range(12):
            _create(client, upload_batch_file, chat_batch_file(1))
        hooked.run_until_idle()
        return [d["batch_id"] for d in hooked.webhook_deliveries() if d["state"] == "dropped"]

    first = dropped_batches(1)
    assert 0 < len(first) < 12
    assert dropped_batches(1) == first
    assert dropped_batches(2) != first
