"""OpenAI-compatible dialects (Groq, Nebius, Inference.net, Netmind) through the openai SDK at each base URL."""

from __future__ import annotations

import io

import openai
import orjson
import pytest

from tests.conftest import chat_batch_file, chat_line, jsonl, parse_jsonl
from tests.dialects.helpers import flush_webhooks
from tests.support.raw import request

START = 1_767_225_600
PREFIXES = {
    "groq": "/groq/openai/v1",
    "nebius": "/nebius/v1",
    "inference-net": "/inference-net/v1",
    "netmind": "/netmind/inference-api/openai/v1",
}
SLOW = {"name": "slow", "timing": {"requests_per_second": 1 / 100_000}}


def sdk(emulator, dialect, **kwargs):
    return emulator.openai(base_url=emulator.url + PREFIXES[dialect], max_retries=0, **kwargs)


def start(client, data, endpoint="/v1/chat/completions", **kwargs):
    file = client.files.create(file=("input.jsonl", io.BytesIO(data)), purpose="batch")
    kwargs.setdefault("completion_window", "24h")
    return client.batches.create(input_file_id=file.id, endpoint=endpoint, **kwargs)


@pytest.mark.parametrize("dialect", ["groq", "nebius", "inference-net"])
def test_a_batch_completes_with_results(batch_emulator, dialect):
    client = sdk(batch_emulator, dialect)
    batch = start(client, chat_batch_file(3))
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed"
    assert done.request_counts.completed == 3
    lines = parse_jsonl(client.files.content(done.output_file_id).content)
    assert sorted(line["custom_id"] for line in lines) == ["req-0", "req-1", "req-2"]
    assert [b.id for b in client.batches.list().data] == [batch.id]


@pytest.mark.parametrize("dialect", ["groq", "nebius", "inference-net", "netmind"])
def test_failed_cancelled_and_expired_paths(batch_emulator, dialect):
    client = sdk(batch_emulator, dialect, _strict_response_validation=False)
    bad = start(client, jsonl([{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions"}]))
    cancelled = start(client, chat_batch_file(2))
    assert client.batches.cancel(cancelled.id).status == "cancelling"
    batch_emulator.run_until_idle()
    batch_emulator.use_scenario(SLOW)
    expired = start(client, chat_batch_file(2))
    batch_emulator.advance(hours=24)
    assert client.batches.retrieve(bad.id).status == "failed"
    assert client.batches.retrieve(bad.id).errors.data[0].param == "body"
    assert client.batches.retrieve(cancelled.id).status == "cancelled"
    gone = client.batches.retrieve(expired.id)
    assert gone.status == "expired" and gone.expired_at == gone.expires_at
    codes = {line["error"]["code"] for line in parse_jsonl(client.files.content(gone.error_file_id).content)}
    assert codes == {"batch_expired"}


def test_other_dialects_batches_are_not_visible(batch_emulator):
    openai_client = batch_emulator.openai(max_retries=0)
    theirs = start(openai_client, chat_batch_file(1))
    groq = sdk(batch_emulator, "groq")
    with pytest.raises(openai.NotFoundError):
        groq.batches.retrieve(theirs.id)
    assert groq.batches.list().data == []


# -- Groq -------------------------------------------------------------------------------------------


def test_groq_accepts_windows_up_to_seven_days(batch_emulator):
    client = sdk(batch_emulator, "groq")
    two_days = start(client, chat_batch_file(1), completion_window="48h")
    week = start(client, chat_batch_file(1), completion_window="7d")
    assert two_days.completion_window == "48h" and two_days.expires_at == START + 2 * 86400
    assert week.completion_window == "7d" and week.expires_at == START + 7 * 86400
    for window in ("8d", "12h", "tomorrow"):
        with pytest.raises(openai.BadRequestError) as info:
            start(client, chat_batch_file(1), completion_window=window)
        assert info.value.body["param"] == "completion_window"


def test_groq_a_long_window_expires_later(batch_emulator):
    client = sdk(batch_emulator, "groq")
    batch_emulator.use_scenario(SLOW)
    batch = start(client, chat_batch_file(2), completion_window="48h")
    batch_emulator.advance(hours=30)
    assert client.batches.retrieve(batch.id).status == "in_progress"
    batch_emulator.advance(hours=18)
    assert client.batches.retrieve(batch.id).status == "expired"


def test_groq_only_takes_chat_completions(batch_emulator):
    client = sdk(batch_emulator, "groq")
    with pytest.raises(openai.BadRequestError) as info:
        start(client, chat_batch_file(1), endpoint="/v1/embeddings")
    assert info.value.body["param"] == "endpoint"


# -- Nebius -----------------------------------------------------------------------------------------


def test_nebius_output_lines_carry_the_completion_directly(batch_emulator):
    client = sdk(batch_emulator, "nebius")
    batch = start(client, chat_batch_file(2))
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    lines = parse_jsonl(client.files.content(done.output_file_id).content)
    assert lines[0]["response"]["object"] == "chat.completion"
    assert lines[0]["id"].startswith("batch_req_") and lines[0]["error"] is None
    openai_view = batch_emulator.openai().files.content(done.output_file_id).content
    assert parse_jsonl(openai_view)[0]["response"]["status_code"] == 200


def test_nebius_override_settings_are_echoed_and_applied(batch_emulator):
    client = sdk(batch_emulator, "nebius")
    settings = {"model": "meta-llama/Meta-Llama-3.1-8B-Instruct", "max_tokens": 5}
    batch = start(client, chat_batch_file(2), extra_body={"override_settings": settings})
    assert batch.model_extra["override_settings"] == settings
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    assert done.input_file_id == batch.input_file_id
    lines = parse_jsonl(client.files.content(done.output_file_id).content)
    assert {line["response"]["model"] for line in lines} == {settings["model"]}
    assert [f.id for f in client.files.list(purpose="batch").data] == [batch.input_file_id]


def test_nebius_lists_ten_batches_by_default(batch_emulator):
    client = sdk(batch_emulator, "nebius")
    file = client.files.create(file=("input.jsonl", io.BytesIO(chat_batch_file(1))), purpose="batch")
    for _ in range(11):
        client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    page = client.batches.with_raw_response.list().http_response.json()
    assert len(page["data"]) == 10 and page["has_more"] is True


def test_nebius_rejects_unknown_override_keys(batch_emulator):
    client = sdk(batch_emulator, "nebius")
    with pytest.raises(openai.BadRequestError):
        start(client, chat_batch_file(1), extra_body={"override_settings": {"seed": 1}})


# -- Inference.net ----------------------------------------------------------------------------------


def test_inference_net_posts_the_batch_to_its_webhook_url_with_retries(batch_emulator, receiver):
    receiver.statuses = [502]
    client = sdk(batch_emulator, "inference-net")
    batch = start(client, chat_batch_file(2), extra_body={"webhook_url": receiver.url})
    batch_emulator.run_until_idle()
    flush_webhooks(batch_emulator)
    assert len(receiver.received) == 1
    batch_emulator.advance(5)
    flush_webhooks(batch_emulator)
    assert len(receiver.received) == 2
    body = receiver.received[1].json()
    assert body["id"] == batch.id and body["status"] == "completed" and body["output_file_id"]
    assert receiver.received[1].headers["x-inference-event"] == "batch.completed"
    webhook_entries = [e for e in batch_emulator.requests if e.get("kind") == "webhook"]
    assert [e["status"] for e in webhook_entries] == [502, 200]


def test_inference_net_webhook_url_follows_source_url_rules_only(batch_emulator, receiver):
    batch_emulator.use_scenario(
        {
            "name": "late-url-hooks",
            "webhooks": [
                {"match": {"source": "openai"}, "drop": True},
                {"match": {"source": "url", "event": "batch.completed"}, "delay_seconds": 45, "duplicate": 1},
            ],
        }
    )
    client = sdk(batch_emulator, "inference-net")
    batch = start(client, chat_batch_file(1), extra_body={"webhook_url": receiver.url})
    batch_emulator.run_until_idle()
    flush_webhooks(batch_emulator)
    assert receiver.received == []
    batch_emulator.advance(45)
    deliveries = batch_emulator.webhook_deliveries()
    assert [r.json()["id"] for r in receiver.received] == [batch.id, batch.id]
    assert len({r.headers["x-inference-webhook-id"] for r in receiver.received}) == 1
    assert {(d["source"], d["dialect"], d["rule"]) for d in deliveries} == {("url", "inference-net", "webhooks[1]")}


def test_inference_net_runs_legacy_completions(batch_emulator):
    client = sdk(batch_emulator, "inference-net")
    line = {
        "custom_id": "c1",
        "method": "POST",
        "url": "/v1/completions",
        "body": {"model": "gpt-3.5-turbo-instruct", "prompt": "Once upon a time"},
    }
    batch = start(client, jsonl([line]), endpoint="/v1/completions")
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    result = parse_jsonl(client.files.content(done.output_file_id).content)[0]
    assert result["response"]["body"]["object"] == "text_completion"


def test_inference_net_rejects_a_webhook_url_that_is_not_a_url(batch_emulator):
    client = sdk(batch_emulator, "inference-net")
    with pytest.raises(openai.BadRequestError) as info:
        start(client, chat_batch_file(1), extra_body={"webhook_url": "ftp://example"})
    assert info.value.body["param"] == "webhook_url"


# -- Netmind ----------------------------------------------------------------------------------------


def _json(data):
    return orjson.dumps(data)


def _path(url, root):
    assert url.startswith(root)
    return url[len(root) :]


def test_netmind_presigned_upload_bare_token_and_sparse_create(batch_emulator):
    root = batch_emulator.url
    bare = {"Authorization": batch_emulator.api_key, "Content-Type": "application/json"}
    grant = request(root, "POST", "/netmind/v1/files", _json({"file_name": "requests", "purpose": "batch"}), bare)
    grant = grant.json()
    assert set(grant) == {"id", "presigned_url"}
    assert request(root, "PUT", _path(grant["presigned_url"], root), chat_batch_file(2)).status == 200
    body = {"input_file_id": grant["id"], "endpoint": "/v1/chat/completions", "completion_window": "24h"}
    created = request(root, "POST", f"{PREFIXES['netmind']}/batches", _json(body), bare).json()
    assert created["status"] == "pending" and created["created_at"] is None and created["endpoint"] == ""
    batch_emulator.run_until_idle()
    client = sdk(batch_emulator, "netmind")
    done = client.batches.retrieve(created["id"])
    assert done.status == "completed" and done.input_file_id == grant["id"]
    link = request(root, "GET", f"/netmind/v1/files/{done.output_file_id}/presigned_url", None, bare).json()
    lines = parse_jsonl(request(root, "GET", _path(link["presigned_url"], root)).body)
    listed = request(root, "GET", "/netmind/v1/files", None, {"Authorization": f"Bearer {batch_emulator.api_key}"})
    assert len(lines) == 2
    assert {item["id"] for item in listed.json()} == {grant["id"], done.output_file_id}


def test_netmind_documented_curl_calls_with_a_bare_token(batch_emulator):
    root, prefix = batch_emulator.url, PREFIXES["netmind"]
    bare = {"Authorization": batch_emulator.api_key}
    grant = request(root, "POST", "/netmind/v1/files", _json({"file_name": "in.jsonl", "purpose": "batch"}), bare)
    request(root, "PUT", _path(grant.json()["presigned_url"], root), chat_batch_file(3))
    body = {"input_file_id": grant.json()["id"], "endpoint": "/v1/chat/completions", "completion_window": "24h"}
    created = request(root, "POST", f"{prefix}/batches", _json(body), {**bare, "Content-Type": "application/json"})
    assert created.status == 200
    batch_id = created.json()["id"]

    got = request(root, "GET", f"{prefix}/batches/{batch_id}", None, bare)
    assert (got.status, got.json()["status"]) == (200, "validating")
    cancelled = request(root, "POST", f"{prefix}/batches/{batch_id}/cancel", None, bare)
    assert (cancelled.status, cancelled.json()["status"]) == (200, "cancelling")
    batch_emulator.run_until_idle()
    listed = request(root, "GET", f"{prefix}/batches?limit=10", None, bare).json()
    assert [(item["id"], item["status"]) for item in listed["data"]] == [(batch_id, "cancelled")]
    assert listed["object"] == "list" and listed["has_more"] is False
    assert request(root, "GET", f"{prefix}/batches/{batch_id}", None, {}).status == 401


def test_netmind_is_chat_only(batch_emulator):
    client = sdk(batch_emulator, "netmind", _strict_response_validation=False)
    line = {"custom_id": "e", "method": "POST", "url": "/v1/embeddings", "body": {"model": "m", "input": "x"}}
    with pytest.raises(openai.BadRequestError):
        start(client, jsonl([line]), endpoint="/v1/embeddings")


def test_netmind_presigned_urls_expire(batch_emulator):
    root = batch_emulator.url
    headers = {"Authorization": batch_emulator.api_key, "Content-Type": "application/json"}
    grant = request(root, "POST", "/netmind/v1/files", _json({"file_name": "a.jsonl", "purpose": "batch"}), headers)
    batch_emulator.advance(hours=2)
    answer = request(root, "PUT", _path(grant.json()["presigned_url"], root), orjson.dumps(chat_line("x")))
    assert answer.status == 404
