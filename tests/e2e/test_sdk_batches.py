"""Batches API through the real openai SDK: create checks, the clock-driven lifecycle, results, cancel,
expiry, listing. Every JSON response is checked against the OpenAPI document."""

from __future__ import annotations

import openai
import pytest

from tests.conftest import chat_batch_file, chat_line, jsonl, parse_jsonl
from tests.support.openapi import check_operation_response, check_schema

START = 1_767_225_600


def _batch(client, upload_batch_file, data, endpoint="/v1/chat/completions", **kwargs):
    file = upload_batch_file(data)
    return client.batches.create(input_file_id=file.id, endpoint=endpoint, completion_window="24h", **kwargs)


def _retrieve(client, batch_id):
    raw = client.batches.with_raw_response.retrieve(batch_id)
    body = raw.http_response.json()
    check_schema(body, "Batch")
    check_operation_response(body, "get", "/batches/{batch_id}")
    return raw.parse()


def test_create_returns_a_validating_batch_with_every_field(client, upload_batch_file):
    file = upload_batch_file(chat_batch_file(3))
    raw = client.batches.with_raw_response.create(
        input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h", metadata={"job": "nightly"}
    )
    body = raw.http_response.json()
    check_schema(body, "Batch")
    check_operation_response(body, "post", "/batches")
    assert body["id"].startswith("batch_") and len(body["id"]) == 38
    assert body["status"] == "validating"
    assert body["created_at"] == START
    assert body["expires_at"] == START + 86400
    assert body["request_counts"] == {"total": 0, "completed": 0, "failed": 0}
    assert body["metadata"] == {"job": "nightly"}
    for field in (
        "in_progress_at",
        "finalizing_at",
        "completed_at",
        "failed_at",
        "expired_at",
        "cancelling_at",
        "cancelled_at",
        "output_file_id",
        "error_file_id",
        "errors",
        "model",
    ):
        assert field in body and body[field] is None, field
    assert body["usage"]["total_tokens"] == 0


def test_lifecycle_walks_every_status_by_the_clock(client, batch_emulator, upload_batch_file):
    batch = _batch(client, upload_batch_file, chat_batch_file(250))
    batch_emulator.advance(1.9)
    assert _retrieve(client, batch.id).status == "validating"
    batch_emulator.advance(0.1)
    running = _retrieve(client, batch.id)
    assert running.status == "in_progress"
    assert running.in_progress_at == START + 2
    assert running.model == "gpt-4o-mini"
    assert running.request_counts.model_dump() == {"total": 250, "completed": 0, "failed": 0}
    batch_emulator.advance(1)
    assert _retrieve(client, batch.id).request_counts.completed == 100
    batch_emulator.advance(1)
    assert _retrieve(client, batch.id).request_counts.completed == 200
    batch_emulator.advance(0.5)
    finalizing = _retrieve(client, batch.id)
    assert finalizing.status == "finalizing"
    assert finalizing.finalizing_at == START + 4  # 2 s validating + 2.5 s of lines, in whole seconds
    assert finalizing.request_counts.completed == 250
    assert finalizing.output_file_id is None
    batch_emulator.advance(1)
    done = _retrieve(client, batch.id)
    assert done.status == "completed"
    assert done.completed_at == START + 5
    assert done.error_file_id is None
    assert done.usage.input_tokens > 0 and done.usage.output_tokens > 0
    assert done.usage.total_tokens == done.usage.input_tokens + done.usage.output_tokens
    output = client.files.retrieve(done.output_file_id)
    assert (output.purpose, output.filename) == ("batch_output", f"{batch.id}_output.jsonl")
    assert output.expires_at == output.created_at + 30 * 86400
    lines = parse_jsonl(client.files.content(done.output_file_id).content)
    assert [line["custom_id"] for line in lines] == [f"req-{i}" for i in range(250)]
    first = lines[0]
    assert set(first) == {"id", "custom_id", "response", "error"}
    assert first["id"].startswith("batch_req_") and first["error"] is None
    assert first["response"]["status_code"] == 200
    check_schema(first["response"]["body"], "CreateChatCompletionResponse")
    assert sum(line["response"]["body"]["usage"]["prompt_tokens"] for line in lines) == done.usage.input_tokens


def test_status_does_not_depend_on_polling(client, batch_emulator, upload_batch_file):
    polled = _batch(client, upload_batch_file, chat_batch_file(400, prefix="a"))
    unpolled = _batch(client, upload_batch_file, chat_batch_file(400, prefix="b"))
    for _ in range(10):
        batch_emulator.advance(0.25)
        client.batches.retrieve(polled.id)
    a, b = client.batches.retrieve(polled.id), client.batches.retrieve(unpolled.id)
    assert a.status == b.status == "in_progress"
    assert a.request_counts == b.request_counts
    assert a.request_counts.completed == b.request_counts.completed == 50


def test_run_until_idle_finishes_everything(client, batch_emulator, upload_batch_file):
    batch = _batch(client, upload_batch_file, chat_batch_file(10))
    result = batch_emulator.run_until_idle()
    assert result["transitions"] >= 3
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed"
    assert result["now"] == START + 2 + 0.1 + 1


def test_line_errors_from_the_model_go_to_the_error_file(client, batch_emulator, upload_batch_file):
    lines = [chat_line("good-1"), chat_line("bad", n=129), chat_line("good-2")]
    batch = _batch(client, upload_batch_file, jsonl(lines))
    batch_emulator.run_until_idle()
    done = _retrieve(client, batch.id)
    assert done.status == "completed"
    assert done.request_counts.model_dump() == {"total": 3, "completed": 2, "failed": 1}
    errors = parse_jsonl(client.files.content(done.error_file_id).content)
    assert len(errors) == 1
    assert errors[0]["custom_id"] == "bad"
    assert errors[0]["error"] is None
    assert errors[0]["response"]["status_code"] == 400
    assert errors[0]["response"]["body"]["error"]["type"] == "invalid_request_error"
    assert errors[0]["response"]["body"]["error"]["param"] == "n"
    assert [x["custom_id"] for x in parse_jsonl(client.files.content(done.output_file_id).content)] == [
        "good-1",
        "good-2",
    ]


def test_all_failed_batch_is_completed_with_only_an_error_file(client, batch_emulator, upload_batch_file):
    batch = _batch(client, upload_batch_file, jsonl([chat_line(f"r{i}", n=500) for i in range(4)]))
    batch_emulator.run_until_idle()
    done = _retrieve(client, batch.id)
    assert done.status == "completed"
    assert done.output_file_id is None
    assert done.error_file_id is not None
    assert done.request_counts.model_dump() == {"total": 4, "completed": 0, "failed": 4}
    assert done.errors is None


def test_same_seed_and_start_give_byte_identical_files(client, batch_emulator, upload_batch_file):
    data = chat_batch_file(30) + jsonl([chat_line("broken", n=999)])

    def run():
        batch_emulator.reset()
        batch = _batch(client, upload_batch_file, data)
        batch_emulator.run_until_idle()
        done = client.batches.retrieve(batch.id)
        return (client.files.content(done.output_file_id).content, client.files.content(done.error_file_id).content)

    first, second = run(), run()
    assert first == second
    batch_emulator.reset(seed=1234)
    batch = _batch(client, upload_batch_file, data)
    batch_emulator.run_until_idle()
    other = client.files.content(client.batches.retrieve(batch.id).output_file_id).content
    assert other != first[0]


def test_output_expires_after_sets_result_file_expiry(client, batch_emulator, upload_batch_file):
    batch = _batch(
        client, upload_batch_file, chat_batch_file(2), output_expires_after={"anchor": "created_at", "seconds": 7200}
    )
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    output = client.files.retrieve(done.output_file_id)
    assert output.expires_at == output.created_at + 7200
    batch_emulator.advance(7200)
    with pytest.raises(openai.NotFoundError):
        client.files.content(done.output_file_id)


# -- cancel -------------------------------------------------------------------------------------


def test_cancel_while_validating(client, batch_emulator, upload_batch_file):
    batch = _batch(client, upload_batch_file, chat_batch_file(5))
    batch_emulator.advance(1)
    cancelling = client.batches.cancel(batch.id)
    assert cancelling.status == "cancelling"
    assert cancelling.cancelling_at == START + 1
    check_schema(cancelling.model_dump(mode="json"), "Batch")
    batch_emulator.advance(1.9)
    assert client.batches.retrieve(batch.id).status == "cancelling"
    batch_emulator.advance(0.1)
    cancelled = _retrieve(client, batch.id)
    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_at == START + 3
    assert cancelled.in_progress_at is None
    assert cancelled.output_file_id is None and cancelled.error_file_id is None


def test_cancel_in_progress_keeps_finished_lines(client, batch_emulator, upload_batch_file):
    batch = _batch(client, upload_batch_file, chat_batch_file(300))
    batch_emulator.advance(2 + 1.0)
    cancelling = client.batches.cancel(batch.id)
    assert cancelling.status == "cancelling"
    assert cancelling.request_counts.completed == 100
    batch_emulator.advance(hours=1)
    cancelled = _retrieve(client, batch.id)
    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_at == START + 5
    assert cancelled.request_counts.model_dump() == {"total": 300, "completed": 100, "failed": 0}
    lines = parse_jsonl(client.files.content(cancelled.output_file_id).content)
    assert [line["custom_id"] for line in lines] == [f"req-{i}" for i in range(100)]
    assert cancelled.error_file_id is None


def test_cancel_while_finalizing(client, batch_emulator, upload_batch_file):
    batch = _batch(client, upload_batch_file, chat_batch_file(100))
    batch_emulator.advance(3.5)
    assert client.batches.retrieve(batch.id).status == "finalizing"
    client.batches.cancel(batch.id)
    batch_emulator.run_until_idle()
    cancelled = client.batches.retrieve(batch.id)
    assert cancelled.status == "cancelled"
    assert cancelled.finalizing_at == START + 3
    assert cancelled.request_counts.completed == 100
    assert len(parse_jsonl(client.files.content(cancelled.output_file_id).content)) == 100


def test_cancel_of_cancelling_or_cancelled_returns_the_batch_unchanged(client, batch_emulator, upload_batch_file):
    batch = _batch(client, upload_batch_file, chat_batch_file(5))
    first = client.batches.cancel(batch.id)
    again = client.batches.cancel(batch.id)
    assert again.model_dump() == first.model_dump()
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    assert client.batches.cancel(batch.id).model_dump() == done.model_dump()


def test_cancel_of_a_finished_batch_is_409(client, batch_emulator, upload_batch_file):
    batch = _batch(client, upload_batch_file, chat_batch_file(2))
    batch_emulator.run_until_idle()
    with pytest.raises(openai.ConflictError) as info:
        client.batches.cancel(batch.id)
    assert info.value.body == {
        "message": "Cannot cancel a batch with status 'completed'.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    assert batch_emulator.requests.count("POST", f"/v1/batches/{batch.id}/cancel") == 1


def test_cancel_of_a_failed_batch_is_409_and_the_sdk_retries_it(batch_emulator, upload_batch_file):
    retrying = batch_emulator.openai(max_retries=2)
    file = upload_batch_file(b"not json\n")
    batch = retrying.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    batch_emulator.run_until_idle()
    with pytest.raises(openai.ConflictError) as info:
        retrying.batches.cancel(batch.id)
    assert "status 'failed'" in info.value.message
    assert batch_emulator.requests.count("POST", f"/v1/batches/{batch.id}/cancel") == 3


# -- expiry -------------------------------------------------------------------------------------


def test_expiry_mid_run_keeps_finished_lines_and_expires_the_rest(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario({"name": "slow", "timing": {"requests_per_second": 1 / 40000}})
    batch = _batch(client, upload_batch_file, chat_batch_file(4))
    batch_emulator.advance(hours=12)
    assert client.batches.retrieve(batch.id).request_counts.completed == 1
    batch_emulator.advance(hours=12)
    expired = _retrieve(client, batch.id)
    assert expired.status == "expired"
    assert expired.expired_at == START + 86400
    assert expired.request_counts.model_dump() == {"total": 4, "completed": 2, "failed": 2}
    done = parse_jsonl(client.files.content(expired.output_file_id).content)
    assert [line["custom_id"] for line in done] == ["req-0", "req-1"]
    lost = parse_jsonl(client.files.content(expired.error_file_id).content)
    assert [line["custom_id"] for line in lost] == ["req-2", "req-3"]
    assert lost[0]["response"] is None
    assert lost[0]["error"] == {
        "code": "batch_expired",
        "message": "This request could not be executed before the completion window expired.",
    }
    with pytest.raises(openai.ConflictError):
        client.batches.cancel(batch.id)


# -- listing ------------------------------------------------------------------------------------


def test_list_is_newest_first_and_paginates(client, batch_emulator, upload_batch_file):
    file = upload_batch_file(chat_batch_file(1))
    ids = []
    for _ in range(5):
        ids.append(
            client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h").id
        )
        batch_emulator.advance(1)
    raw = client.batches.with_raw_response.list(limit=2)
    body = raw.http_response.json()
    check_schema(body, "ListBatchesResponse")
    check_operation_response(body, "get", "/batches")
    assert [b["id"] for b in body["data"]] == ids[::-1][:2]
    assert body["has_more"] is True and body["first_id"] == ids[-1] and body["last_id"] == ids[-2]
    assert [b.id for b in client.batches.list(limit=2)] == ids[::-1]
    assert [b.id for b in client.batches.list()] == ids[::-1]
    assert [b.id for b in client.batches.list(after=ids[2]).data] == ids[:2][::-1]


@pytest.mark.parametrize(("limit", "code"), [(0, "integer_below_min_value"), (101, "integer_above_max_value")])
def test_list_limit_bounds(client, limit, code):
    with pytest.raises(openai.BadRequestError) as info:
        client.batches.list(limit=limit)
    assert (info.value.param, info.value.code) == ("limit", code)


async def test_async_client_runs_a_batch(batch_emulator):
    client = batch_emulator.async_openai(max_retries=0)
    async with client:
        file = await client.files.create(file=("in.jsonl", chat_batch_file(3)), purpose="batch")
        batch = await client.batches.create(
            input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        batch_emulator.run_until_idle()
        done = await client.batches.retrieve(batch.id)
        assert done.status == "completed"
        content = await client.files.content(done.output_file_id)
        assert len(parse_jsonl(content.content)) == 3
        assert [b.id async for b in client.batches.list()] == [batch.id]
