"""Anthropic Message Batches through the `anthropic` SDK: create, counts, results, cancel, expiry, list, delete."""

from __future__ import annotations

import anthropic
import orjson
import pytest

from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator
from tests.dialects.helpers import anthropic_error, request_id_of
from tests.support.raw import request as raw_request

SLOW = {"name": "slow", "timing": {"requests_per_second": 1 / 100_000}}


def ask(custom_id, text="Hello there", **params):
    params.setdefault("model", "claude-sonnet-4-5")
    params.setdefault("max_tokens", 64)
    return {"custom_id": custom_id, "params": {"messages": [{"role": "user", "content": text}], **params}}


def test_a_batch_runs_and_its_results_are_messages(batch_emulator, claude):
    batch = claude.messages.batches.create(
        requests=[ask("first"), ask("second", system="Be brief."), ask("third", model="claude-haiku-4-5")]
    )
    assert batch.id.startswith("msgbatch_")
    assert batch.type == "message_batch" and batch.processing_status == "in_progress"
    assert batch.request_counts.processing == 3 and batch.results_url is None
    assert (batch.expires_at - batch.created_at).total_seconds() == 86400

    batch_emulator.advance(2.015)  # validating done, one line finished: counts stay hidden until the end
    midway = claude.messages.batches.retrieve(batch.id)
    assert midway.processing_status == "in_progress" and midway.request_counts.processing == 3

    batch_emulator.run_until_idle()
    ended = claude.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended" and ended.ended_at is not None
    assert ended.request_counts.succeeded == 3 and ended.request_counts.processing == 0
    assert ended.results_url.startswith(batch_emulator.url + "/anthropic/v1/messages/batches/")
    results = {item.custom_id: item.result for item in claude.messages.batches.results(batch.id)}
    assert set(results) == {"first", "second", "third"}
    assert all(result.type == "succeeded" for result in results.values())
    first = results["first"].message
    assert first.role == "assistant" and first.content[0].type == "text" and first.content[0].text
    assert first.stop_reason in ("end_turn", "max_tokens") and first.usage.output_tokens > 0
    assert results["third"].message.model == "claude-haiku-4-5"


def test_invalid_params_error_individually(batch_emulator, claude):
    batch = claude.messages.batches.create(
        requests=[ask("good"), ask("streamy", stream=True), ask("zero", max_tokens=0)]
    )
    batch_emulator.run_until_idle()
    ended = claude.messages.batches.retrieve(batch.id)
    assert (ended.request_counts.succeeded, ended.request_counts.errored) == (1, 2)
    results = {item.custom_id: item.result for item in claude.messages.batches.results(batch.id)}
    assert results["good"].type == "succeeded"
    assert results["streamy"].type == "errored"
    assert results["streamy"].error.error.type == "invalid_request_error"


def test_a_batch_of_only_invalid_requests_ends_errored(batch_emulator, claude):
    batch = claude.messages.batches.create(requests=[ask("a", max_tokens=0), ask("b", stream=True)])
    batch_emulator.run_until_idle()
    ended = claude.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended" and ended.request_counts.errored == 2
    assert [r.result.type for r in claude.messages.batches.results(batch.id)] == ["errored", "errored"]


def test_cancel_moves_through_canceling_to_ended(batch_emulator, claude):
    batch_emulator.use_scenario(SLOW)
    batch = claude.messages.batches.create(requests=[ask(f"r{i}") for i in range(3)])
    canceling = claude.messages.batches.cancel(batch.id)
    assert canceling.processing_status == "canceling" and canceling.cancel_initiated_at is not None
    batch_emulator.run_until_idle()
    ended = claude.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended" and ended.request_counts.canceled == 3
    assert sorted(r.custom_id for r in claude.messages.batches.results(batch.id) if r.result.type == "canceled") == [
        "r0",
        "r1",
        "r2",
    ]


def test_unfinished_requests_expire_after_a_day(batch_emulator, claude):
    batch_emulator.use_scenario({"name": "one-a-half-day", "timing": {"requests_per_second": 1 / 50_000}})
    batch = claude.messages.batches.create(requests=[ask("a"), ask("b")])
    batch_emulator.advance(hours=24)
    ended = claude.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended"
    assert ended.request_counts.expired == 1 and ended.request_counts.succeeded == 1
    kinds = {r.custom_id: r.result.type for r in claude.messages.batches.results(batch.id)}
    assert kinds == {"a": "succeeded", "b": "expired"}


def test_results_before_the_end_are_refused(batch_emulator, claude):
    batch = claude.messages.batches.create(requests=[ask("a")])
    response = raw_request(
        batch_emulator.url,
        "GET",
        f"/anthropic/v1/messages/batches/{batch.id}/results",
        headers={"x-api-key": batch_emulator.api_key},
    )
    assert response.status == 400
    assert response.json()["type"] == "error" and response.json()["error"]["type"] == "invalid_request_error"


def test_list_pages_newest_first_both_ways(batch_emulator, claude):
    ids = [claude.messages.batches.create(requests=[ask("x")]).id for _ in range(5)]
    first = claude.messages.batches.list(limit=2)
    assert [b.id for b in first.data] == [ids[4], ids[3]] and first.has_more
    assert [b.id for b in claude.messages.batches.list(limit=10).data] == ids[::-1]
    older = claude.messages.batches.list(limit=2, after_id=ids[3])
    assert [b.id for b in older.data] == [ids[2], ids[1]]
    newer = claude.messages.batches.list(limit=2, before_id=ids[1])
    assert [b.id for b in newer.data] == [ids[3], ids[2]] and newer.has_more
    assert [b.id for b in claude.messages.batches.list(limit=2)] == ids[::-1]  # auto-paging follows after_id


def test_delete_only_after_the_end(batch_emulator, claude):
    batch = claude.messages.batches.create(requests=[ask("a")])
    with pytest.raises(anthropic.BadRequestError):
        claude.messages.batches.delete(batch.id)
    batch_emulator.run_until_idle()
    deleted = claude.messages.batches.delete(batch.id)
    assert deleted.id == batch.id and deleted.type == "message_batch_deleted"
    with pytest.raises(anthropic.NotFoundError) as info:
        claude.messages.batches.retrieve(batch.id)
    assert info.value.body["error"]["type"] == "not_found_error"


def test_x_api_key_and_rfc3339_times(batch_emulator):
    body = orjson.dumps({"requests": [ask("a")]})
    headers = {
        "x-api-key": batch_emulator.api_key,
        "anthropic-version": "2023-06-01",
        "content-type": "application/json",
    }
    created = raw_request(batch_emulator.url, "POST", "/anthropic/v1/messages/batches", body, headers).json()
    assert created["created_at"] == "2026-01-01T00:00:00Z"
    assert created["expires_at"] == "2026-01-02T00:00:00Z"


def test_create_rejects_bad_custom_ids(claude):
    with pytest.raises(anthropic.BadRequestError):
        claude.messages.batches.create(requests=[ask("has space")])
    with pytest.raises(anthropic.BadRequestError):
        claude.messages.batches.create(requests=[ask("dup"), ask("dup")])


# -- errors raised before the route runs (auth, scenario faults, unknown paths) ------------------------


def test_a_missing_key_is_anthropics_authentication_error(batch_emulator):
    keyless = anthropic.Anthropic(
        api_key=None,
        base_url=batch_emulator.url + "/anthropic",
        max_retries=0,
        default_headers={"Authorization": anthropic.Omit()},
    )
    with pytest.raises(anthropic.AuthenticationError) as info:
        keyless.messages.batches.list()
    assert info.value.status_code == 401
    assert info.value.body == anthropic_error(
        "authentication_error", "x-api-key header is required", request_id_of(info.value)
    )
    keyless.close()


def test_an_unknown_key_is_anthropics_authentication_error():
    config = EmulatorConfig(port=0, clock="manual", api_keys=("sk-team",))
    with ThreadedEmulator(config) as server:
        stranger = anthropic.Anthropic(api_key="sk-stranger", base_url=server.url + "/anthropic", max_retries=0)
        with pytest.raises(anthropic.AuthenticationError) as info:
            stranger.messages.batches.list()
        assert info.value.body == anthropic_error(
            "authentication_error", "invalid x-api-key", request_id_of(info.value)
        )
        member = anthropic.Anthropic(api_key="sk-team", base_url=server.url + "/anthropic", max_retries=0)
        assert member.messages.batches.list().data == []


@pytest.mark.parametrize(
    ("status", "raised", "kind"),
    [
        (429, anthropic.RateLimitError, "rate_limit_error"),
        (500, anthropic.InternalServerError, "api_error"),
        (529, anthropic.OverloadedError, "overloaded_error"),
    ],
)
def test_a_scripted_status_comes_in_anthropics_envelope(batch_emulator, claude, status, raised, kind):
    rule = {
        "match": {"method": "POST", "path": "/anthropic/v1/messages/batches"},
        "status": status,
        "error": {"message": "Slow down."},
        "headers": {"retry-after": "7"},
    }
    batch_emulator.use_scenario({"http": [rule]})
    with pytest.raises(raised) as info:
        claude.messages.batches.create(requests=[ask("a")])
    assert info.value.status_code == status
    assert info.value.body == anthropic_error(kind, "Slow down.", request_id_of(info.value))
    assert info.value.response.headers["retry-after"] == "7"
    assert claude.messages.batches.list().data == [], "the create never ran"


def test_the_sdk_retries_through_scripted_statuses(batch_emulator):
    rule = {"match": {"method": "POST", "path": "/anthropic/v1/messages/batches"}, "sequence": [429, 503, "pass"]}
    batch_emulator.use_scenario({"http": [rule]})
    client = anthropic.Anthropic(api_key=batch_emulator.api_key, base_url=batch_emulator.url + "/anthropic")
    batch = client.messages.batches.create(requests=[ask("a")])
    client.close()
    assert batch.processing_status == "in_progress"
    trace = [(e["status"], e["rule"]) for e in batch_emulator.requests.matching("POST", "/anthropic/v1/*")]
    assert trace == [(429, "http[0].sequence[0]"), (503, "http[0].sequence[1]"), (200, "http[0].sequence[2]")]


def test_unknown_paths_and_methods_under_the_prefix_are_anthropic_404s(batch_emulator):
    auth = {"x-api-key": batch_emulator.api_key}
    for method, path in [("GET", "/anthropic/v1/messages/batchez"), ("PUT", "/anthropic/v1/messages/batches")]:
        response = raw_request(batch_emulator.url, method, path, headers=auth)
        assert response.status == 404
        request_id = response.headers["request-id"]
        assert response.json() == anthropic_error("not_found_error", f"Invalid URL ({method} {path})", request_id)
