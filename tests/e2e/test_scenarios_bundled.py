"""Every bundled scenario, end to end through the openai SDK: the outcome each file promises in its header."""

from __future__ import annotations

import time
from pathlib import Path

import openai
import pytest

from tests.conftest import chat_batch_file, chat_line, jsonl, parse_jsonl

START = 1_767_225_600
BUNDLED = Path(__file__).resolve().parents[2] / "emulator" / "bundled_scenarios"
COVERED = {
    "happy_path",
    "partial_line_failures",
    "validation_failure",
    "expiry_mid_run",
    "slow_cancellation",
    "rate_limited_api",
    "flaky_server",
    "all_lines_failed",
    "token_limit_exceeded",
    "status_code_zero_lines",
    "missing_output_lines",
    "empty_string_file_ids",
    "shuffled_output",
    "unreliable_webhooks",
    "failing_videos",
}


def submit(client, upload_batch_file, data: bytes):
    file = upload_batch_file(data)
    return client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")


def content(client, file_id: str) -> list[dict]:
    return parse_jsonl(client.files.content(file_id).content)


def ids(lines: list[dict]) -> list[str]:
    return [line["custom_id"] for line in lines]


def line_rules(batch_emulator) -> list[tuple[int, str, str]]:
    return [(e["line"], e["custom_id"], e["rule"]) for e in batch_emulator.requests if e.get("kind") == "line"]


def http_trace(batch_emulator, method: str, path: str) -> list[tuple[int | None, str | None, str | None]]:
    return [
        (e["status"], e["rule"], e["headers"].get("x-stainless-retry-count"))
        for e in batch_emulator.requests.matching(method, path)
    ]


def test_every_bundled_scenario_has_a_test_here():
    assert {path.stem for path in BUNDLED.glob("*.yaml")} == COVERED


@pytest.mark.batch_emulator(scenario="happy_path")
def test_happy_path(client, batch_emulator, upload_batch_file):
    batch = submit(client, upload_batch_file, chat_batch_file(3))
    batch_emulator.advance(2)
    running = client.batches.retrieve(batch.id)
    assert (running.status, running.in_progress_at) == ("in_progress", START + 2)
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed"
    assert (done.finalizing_at, done.completed_at) == (START + 2, START + 3)
    assert done.request_counts.model_dump() == {"total": 3, "completed": 3, "failed": 0}
    assert done.error_file_id is None and done.errors is None
    assert ids(content(client, done.output_file_id)) == ["req-0", "req-1", "req-2"]
    assert batch_emulator.requests.rules_fired() == []


@pytest.mark.batch_emulator(scenario="partial_line_failures")
def test_partial_line_failures(client, batch_emulator, upload_batch_file):
    custom_ids = ["a-1", "a-2", "fail-3", "a-4", "a-5", "a-6", "a-7", "fail-8"]
    batch = submit(client, upload_batch_file, jsonl([chat_line(cid) for cid in custom_ids]))
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed"
    assert done.request_counts.model_dump() == {"total": 8, "completed": 5, "failed": 3}
    assert ids(content(client, done.output_file_id)) == ["a-1", "a-2", "a-5", "a-6", "a-7"]
    errors = {line["custom_id"]: line for line in content(client, done.error_file_id)}
    assert list(errors) == ["fail-3", "a-4", "fail-8"]
    for cid in ("fail-3", "fail-8"):
        assert errors[cid]["error"] is None
        assert errors[cid]["response"]["status_code"] == 500
        assert errors[cid]["response"]["body"]["error"]["type"] == "server_error"
    context = errors["a-4"]["response"]
    assert context["status_code"] == 400
    assert context["body"]["error"]["code"] == "context_length_exceeded"
    assert context["body"]["error"]["param"] == "messages"
    assert context["body"]["error"]["message"].startswith("This model's maximum context length is 128000 tokens.")
    assert line_rules(batch_emulator) == [(3, "fail-3", "lines[0]"), (4, "a-4", "lines[1]"), (8, "fail-8", "lines[0]")]


@pytest.mark.batch_emulator(scenario="validation_failure")
def test_validation_failure(client, batch_emulator, upload_batch_file):
    batch = submit(client, upload_batch_file, chat_batch_file(3))
    assert batch.status == "validating"
    batch_emulator.advance(1.9)
    assert client.batches.retrieve(batch.id).status == "validating"
    batch_emulator.advance(0.1)
    failed = client.batches.retrieve(batch.id)
    assert (failed.status, failed.failed_at, failed.in_progress_at) == ("failed", START + 2, None)
    assert failed.errors.object == "list"
    assert [e.model_dump() for e in failed.errors.data] == [
        {
            "code": "invalid_url",
            "line": 2,
            "param": "url",
            "message": "The URL provided for this request does not match the batch endpoint.",
        },
        {
            "code": "missing_required_parameter",
            "line": 3,
            "param": "custom_id",
            "message": "Missing required parameter: 'custom_id'.",
        },
    ]
    assert failed.request_counts.model_dump() == {"total": 0, "completed": 0, "failed": 0}
    assert (failed.output_file_id, failed.error_file_id) == (None, None)
    assert [(e["kind"], e["batch_id"], e["rule"]) for e in batch_emulator.requests if "kind" in e] == [
        ("batch", batch.id, "batch[0]")
    ]


@pytest.mark.batch_emulator(scenario="expiry_mid_run")
def test_expiry_mid_run(client, batch_emulator, upload_batch_file):
    custom_ids = [f"req-{n}" for n in range(1, 11)]
    custom_ids[1] = "slow-2"
    batch = submit(client, upload_batch_file, jsonl([chat_line(cid) for cid in custom_ids]))
    batch_emulator.advance(50_000)  # lines end at 10,002 s, 20,002 s, ...; the "slow-" line 90,000 s later
    running = client.batches.retrieve(batch.id)
    assert running.status == "in_progress"
    assert running.request_counts.model_dump() == {"total": 10, "completed": 3, "failed": 0}
    batch_emulator.advance(36_399)
    assert client.batches.retrieve(batch.id).status == "in_progress"
    batch_emulator.advance(1)
    expired = client.batches.retrieve(batch.id)
    assert (expired.status, expired.expired_at) == ("expired", START + 86_400)
    assert expired.request_counts.model_dump() == {"total": 10, "completed": 7, "failed": 3}
    assert ids(content(client, expired.output_file_id)) == [
        "req-1",
        "req-3",
        "req-4",
        "req-5",
        "req-6",
        "req-7",
        "req-8",
    ]
    errors = content(client, expired.error_file_id)
    assert ids(errors) == ["slow-2", "req-9", "req-10"]
    for line in errors:
        assert line["response"] is None
        assert line["error"] == {
            "code": "batch_expired",
            "message": "This request could not be executed before the completion window expired.",
        }


@pytest.mark.batch_emulator(scenario="slow_cancellation")
def test_slow_cancellation(client, batch_emulator, upload_batch_file):
    batch = submit(client, upload_batch_file, chat_batch_file(10))
    batch_emulator.advance(5)  # validating 2 s, then one line per second: 3 done
    cancelling = client.batches.cancel(batch.id)
    assert (cancelling.status, cancelling.cancelling_at) == ("cancelling", START + 5)
    batch_emulator.advance(599)
    still = client.batches.retrieve(batch.id)
    assert (still.status, still.cancelled_at) == ("cancelling", None)
    batch_emulator.advance(1)
    cancelled = client.batches.retrieve(batch.id)
    assert (cancelled.status, cancelled.cancelled_at) == ("cancelled", START + 605)
    assert cancelled.request_counts.model_dump() == {"total": 10, "completed": 3, "failed": 0}
    assert ids(content(client, cancelled.output_file_id)) == ["req-0", "req-1", "req-2"]
    assert cancelled.error_file_id is None


@pytest.mark.batch_emulator(scenario="rate_limited_api")
def test_rate_limited_api_is_retried_by_the_sdk(batch_emulator):
    client = batch_emulator.openai(max_retries=2)
    file = client.files.create(file=("in.jsonl", chat_batch_file(2)), purpose="batch")
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    assert batch.status == "validating"
    assert http_trace(batch_emulator, "POST", "/v1/files") == [
        (429, "http[0].sequence[0]", "0"),
        (429, "http[0].sequence[1]", "1"),
        (200, "http[0].sequence[2]", "2"),
    ]
    assert http_trace(batch_emulator, "POST", "/v1/batches") == [
        (429, "http[1].sequence[0]", "0"),
        (429, "http[1].sequence[1]", "1"),
        (200, "http[1].sequence[2]", "2"),
    ]
    assert len(client.files.list().data) == 1, "the limited attempts stored nothing"
    again = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    assert again.id != batch.id
    assert http_trace(batch_emulator, "POST", "/v1/batches")[-1] == (200, None, "0")


@pytest.mark.batch_emulator(scenario="rate_limited_api")
def test_rate_limited_api_without_retries_raises_rate_limit_error(client, batch_emulator):
    for _ in range(2):
        with pytest.raises(openai.RateLimitError) as raised:
            client.files.create(file=("in.jsonl", chat_batch_file(1)), purpose="batch")
        error = raised.value
        assert error.status_code == 429
        assert error.response.headers["retry-after-ms"] == "2"
        assert (error.type, error.code) == ("requests", "rate_limit_exceeded")
    assert client.files.create(file=("in.jsonl", chat_batch_file(1)), purpose="batch").status == "processed"
    assert [e["status"] for e in batch_emulator.requests.http()] == [429, 429, 200]


@pytest.mark.batch_emulator(scenario="flaky_server")
def test_flaky_server_is_retried_by_the_sdk(batch_emulator, upload_batch_file):
    client = batch_emulator.openai(max_retries=2)
    batch = submit(client, upload_batch_file, chat_batch_file(2))
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed"
    assert http_trace(batch_emulator, "GET", f"/v1/batches/{batch.id}") == [
        (500, "http[0].sequence[0]", "0"),
        (503, "http[0].sequence[1]", "1"),
        (200, "http[0].sequence[2]", "2"),
    ]
    assert ids(content(client, done.output_file_id)) == ["req-0", "req-1"]
    assert [status for status, *_ in http_trace(batch_emulator, "GET", "/v1/files/*/content")] == [503, 500, 200]
    client.batches.retrieve(batch.id)
    assert http_trace(batch_emulator, "GET", f"/v1/batches/{batch.id}")[-1] == (200, None, "0")


@pytest.mark.batch_emulator(scenario="flaky_server")
def test_flaky_server_without_retries_raises_internal_server_error(client, batch_emulator, upload_batch_file):
    batch = submit(client, upload_batch_file, chat_batch_file(1))
    with pytest.raises(openai.InternalServerError) as first:
        client.batches.retrieve(batch.id)
    assert first.value.status_code == 500 and first.value.type == "server_error"
    assert first.value.response.headers["retry-after-ms"] == "1"
    with pytest.raises(openai.InternalServerError) as second:
        client.batches.retrieve(batch.id)
    assert (second.value.status_code, second.value.code) == (503, "service_unavailable")
    assert client.batches.retrieve(batch.id).id == batch.id


@pytest.mark.batch_emulator(scenario="all_lines_failed")
def test_all_lines_failed(client, batch_emulator, upload_batch_file):
    batch = submit(client, upload_batch_file, chat_batch_file(3))
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    assert (done.status, done.output_file_id, done.errors) == ("completed", None, None)
    assert done.request_counts.model_dump() == {"total": 3, "completed": 0, "failed": 3}
    errors = content(client, done.error_file_id)
    assert ids(errors) == ["req-0", "req-1", "req-2"]
    for line in errors:
        assert line["error"] is None
        assert line["response"]["status_code"] == 400
        assert line["response"]["body"] == {
            "error": {
                "type": "invalid_request_error",
                "code": "invalid_value",
                "param": "messages",
                "message": "Invalid value for 'messages': the request was rejected.",
            }
        }


@pytest.mark.batch_emulator(scenario="token_limit_exceeded")
def test_token_limit_exceeded(client, batch_emulator, upload_batch_file):
    batch = submit(client, upload_batch_file, chat_batch_file(2))
    assert batch.status == "validating"
    batch_emulator.run_until_idle()
    failed = client.batches.retrieve(batch.id)
    assert (failed.status, failed.failed_at) == ("failed", START + 2)
    assert [e.model_dump() for e in failed.errors.data] == [
        {
            "code": "token_limit_exceeded",
            "line": None,
            "param": None,
            "message": "Enqueued token limit reached for gpt-4o-mini in organization org-emulator. Limit: 2,000,000 "
            "enqueued tokens. Please try again once some in_progress batches have been completed.",
        }
    ]
    assert failed.request_counts.model_dump() == {"total": 0, "completed": 0, "failed": 0}
    assert (failed.output_file_id, failed.error_file_id) == (None, None)


@pytest.mark.batch_emulator(scenario="status_code_zero_lines")
def test_status_code_zero_lines(client, batch_emulator, upload_batch_file):
    batch = submit(client, upload_batch_file, chat_batch_file(10))
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed"
    assert done.request_counts.model_dump() == {"total": 10, "completed": 10, "failed": 0}
    odd = content(client, done.error_file_id)
    assert ids(odd) == ["req-4", "req-9"]
    for line in odd:
        assert line["error"] is None
        assert line["response"]["status_code"] == 0
        assert line["response"]["body"] == {}
    assert len(content(client, done.output_file_id)) == 8
    assert [rule for _, _, rule in line_rules(batch_emulator)] == ["lines[0]", "lines[0]"]


@pytest.mark.batch_emulator(scenario="missing_output_lines")
def test_missing_output_lines(client, batch_emulator, upload_batch_file):
    batch = submit(client, upload_batch_file, chat_batch_file(10))
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed"
    assert done.request_counts.model_dump() == {"total": 10, "completed": 10, "failed": 0}
    assert done.error_file_id is None
    written = ids(content(client, done.output_file_id))
    assert written == [f"req-{n}" for n in range(10) if n not in (3, 7)]
    assert line_rules(batch_emulator) == [(4, "req-3", "lines[0]"), (8, "req-7", "lines[0]")]


@pytest.mark.batch_emulator(scenario="empty_string_file_ids")
def test_empty_string_file_ids(client, batch_emulator, upload_batch_file):
    batch = submit(client, upload_batch_file, chat_batch_file(2))
    batch_emulator.run_until_idle()
    raw = client.batches.with_raw_response.retrieve(batch.id)
    assert raw.http_response.json()["error_file_id"] == ""
    done = raw.parse()
    assert done.status == "completed" and done.error_file_id == ""
    assert ids(content(client, done.output_file_id)) == ["req-0", "req-1"]
    with pytest.raises(ValueError, match="file_id"):
        client.files.content(done.error_file_id)  # the SDK refuses an empty id before sending anything
    assert batch_emulator.requests.count("GET", "/v1/files//content") == 0


@pytest.mark.batch_emulator(scenario="shuffled_output")
def test_shuffled_output_is_a_seeded_permutation(client, batch_emulator, upload_batch_file):
    def run() -> list[dict]:
        batch = submit(client, upload_batch_file, chat_batch_file(12))
        batch_emulator.run_until_idle()
        return content(client, client.batches.retrieve(batch.id).output_file_id)

    first = run()
    expected = [f"req-{n}" for n in range(12)]
    assert sorted(ids(first)) == sorted(expected) and ids(first) != expected
    assert all(line["response"]["status_code"] == 200 for line in first)
    batch_emulator.reset()
    batch_emulator.use_scenario("shuffled_output")
    assert run() == first


WEBHOOK_SECRET = "whsec_dW5yZWxpYWJsZS13ZWJob29rcy10ZXN0LXNlY3JldA=="


def _verified(client, delivery) -> bool:
    try:
        client.webhooks.verify_signature(delivery.body, delivery.headers, secret=WEBHOOK_SECRET, tolerance=3600)
    except openai.InvalidWebhookSignatureError:
        return False
    return True


@pytest.mark.batch_emulator(scenario="unreliable_webhooks")
def test_unreliable_webhooks(client, batch_emulator, upload_batch_file, receiver):
    batch_emulator.reset(start_time=int(time.time()))  # the SDK checks timestamps against the wall clock
    batch_emulator.configure_webhooks([receiver.url], secret=WEBHOOK_SECRET)
    receiver.accepts = lambda got: _verified(client, got)
    good = submit(client, upload_batch_file, chat_batch_file(3))
    bad = submit(client, upload_batch_file, jsonl([{"custom_id": "x", "method": "GET"}]))
    batch_emulator.run_until_idle()
    completed_at = client.batches.retrieve(good.id).completed_at
    failed_at = client.batches.retrieve(bad.id).failed_at
    batch_emulator.webhook_deliveries()

    (spoiled,) = receiver.received  # batch.failed, with a wrong signature, rejected by the receiver
    assert spoiled.json() == {
        "id": spoiled.json()["id"],
        "object": "event",
        "type": "batch.failed",
        "created_at": failed_at,
        "data": {"id": bad.id},
    }
    assert not _verified(client, spoiled)

    batch_emulator.advance(failed_at + 5 - batch_emulator.now())
    batch_emulator.webhook_deliveries()
    genuine = receiver.received[1]
    assert genuine.body == spoiled.body and _verified(client, genuine)
    assert genuine.headers["webhook-id"] == spoiled.headers["webhook-id"]
    assert int(genuine.headers["webhook-timestamp"]) == failed_at + 5

    assert batch_emulator.now() < completed_at + 90
    batch_emulator.advance(completed_at + 90 - batch_emulator.now())
    deliveries = batch_emulator.webhook_deliveries()
    late = receiver.received[2:]
    assert len(late) == 2 and late[0].body == late[1].body
    assert late[0].headers["webhook-id"] == late[1].headers["webhook-id"]
    assert all(_verified(client, got) for got in late)
    event = client.webhooks.unwrap(late[0].body, late[0].headers, secret=WEBHOOK_SECRET)
    assert (event.type, event.data.id, event.created_at) == ("batch.completed", good.id, completed_at)
    assert {int(got.headers["webhook-timestamp"]) for got in late} == {completed_at + 90}
    assert sorted((d["type"], d["copy"], d["rule"], d["state"]) for d in deliveries) == [
        ("batch.completed", 0, "webhooks[0]", "delivered"),
        ("batch.completed", 1, "webhooks[0]", "delivered"),
        ("batch.failed", 0, "webhooks[1]", "delivered"),
    ]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.batch_emulator(scenario="failing_videos")
def test_failing_videos(client, batch_emulator):
    blocked = client.videos.create(prompt="Something BLOCKED on purpose", seconds="4")
    others = [client.videos.create(prompt=f"a quiet harbour, take {i}", seconds="4") for i in range(20)]
    batch_emulator.advance(1)
    first = client.videos.retrieve(blocked.id)
    assert (first.status, first.progress, first.error.code) == ("failed", 0, "moderation_blocked")
    rules = {e["video_id"]: e["rule"] for e in batch_emulator.requests if e.get("kind") == "video"}
    assert rules[blocked.id] == "videos[0]"
    picked = [v for v in others if rules[v.id] == "videos[1]"]
    slowed = [v for v in others if rules[v.id] == "videos[2]"]
    assert picked and slowed and len(picked) + len(slowed) == len(others)

    batch_emulator.advance(1.4)  # 60 % of 4 s since create
    for video in picked:
        failed = client.videos.retrieve(video.id)
        assert (failed.status, failed.progress, failed.error.code) == ("failed", 60, "video_generation_failed")
    batch_emulator.advance(4)
    assert {client.videos.retrieve(v.id).status for v in slowed} == {"in_progress"}
    batch_emulator.advance(30)
    finished = [client.videos.retrieve(v.id) for v in slowed]
    assert {(v.status, v.completed_at - v.created_at) for v in finished} == {("completed", 34)}
