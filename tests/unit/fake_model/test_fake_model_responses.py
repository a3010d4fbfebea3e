"""The responses endpoint honours budgets, text formats, tools, logprobs, reasoning and shapes."""

from __future__ import annotations

import json
from typing import Any

from fake_model_support import RESPONSES, ok, validate_instance

from emulator.fake_model import FakeModel, ResponseShape, count_tokens

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "when": {"type": "string", "format": "date"}},
    "required": ["city", "when"],
    "additionalProperties": False,
}
WEATHER = {"type": "function", "name": "get_weather", "parameters": SCHEMA}
TIME = {"type": "function", "name": "get_time", "parameters": {"type": "object", "properties": {}}}


def body(**extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4.1-mini", "input": "Describe the Amazon", **extra}


def output_text(answer: dict[str, Any]) -> str:
    return "".join(
        part["text"]
        for item in answer["output"]
        if item["type"] == "message"
        for part in item["content"]
        if part["type"] == "output_text"
    )


def test_complete_answer_with_usage() -> None:
    result = FakeModel().respond(RESPONSES, body())
    answer = result.body
    assert answer["status"] == "completed" and answer["incomplete_details"] is None
    text = output_text(answer)
    assert "Describe" in text or "Amazon" in text
    usage = answer["usage"]
    assert usage["output_tokens"] == count_tokens(text)
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert result.usage.input_tokens == usage["input_tokens"]
    assert result.usage.output_tokens == usage["output_tokens"]


def test_list_input_mentions_the_last_user_message() -> None:
    listed = body(input=[{"role": "user", "content": [{"type": "input_text", "text": "Describe the Amazon"}]}])
    text = output_text(ok(FakeModel(), RESPONSES, listed))
    assert "Describe" in text or "Amazon" in text


def test_max_output_tokens_makes_the_response_incomplete() -> None:
    full = output_text(ok(FakeModel(), RESPONSES, body()))
    answer = ok(FakeModel(), RESPONSES, body(max_output_tokens=16))
    if count_tokens(full) > 16:
        assert answer["status"] == "incomplete"
        assert answer["incomplete_details"] == {"reason": "max_output_tokens"}
        assert answer["output"][0]["status"] == "incomplete"
        assert full.startswith(output_text(answer)) and answer["usage"]["output_tokens"] == 16


def test_json_schema_text_format_validates() -> None:
    fmt = {"format": {"type": "json_schema", "name": "w", "schema": SCHEMA, "strict": True}}
    for seed in range(10):
        answer = ok(FakeModel(seed=seed), RESPONSES, body(text=fmt))
        validate_instance(json.loads(output_text(answer)), SCHEMA)
        assert answer["text"]["format"]["name"] == "w"


def test_json_object_text_format() -> None:
    answer = ok(FakeModel(), RESPONSES, body(text={"format": {"type": "json_object"}}))
    assert isinstance(json.loads(output_text(answer)), dict)


def test_function_tools_give_function_call_items() -> None:
    answer = ok(FakeModel(), RESPONSES, body(tools=[WEATHER, TIME], tool_choice="required"))
    calls = [item for item in answer["output"] if item["type"] == "function_call"]
    assert len(calls) == 2 and {c["name"] for c in calls} == {"get_weather", "get_time"}
    for call in calls:
        assert call["call_id"].startswith("call_") and call["id"].startswith("fc_")
    weather = next(c for c in calls if c["name"] == "get_weather")
    validate_instance(json.loads(weather["arguments"]), SCHEMA)
    assert answer["tools"][0]["name"] == "get_weather"


def test_named_and_none_tool_choice() -> None:
    named = ok(
        FakeModel(), RESPONSES, body(tools=[WEATHER, TIME], tool_choice={"type": "function", "name": "get_time"})
    )
    assert [i["name"] for i in named["output"] if i["type"] == "function_call"] == ["get_time"]
    none = ok(FakeModel(), RESPONSES, body(tools=[WEATHER], tool_choice="none"))
    assert all(item["type"] == "message" for item in none["output"])


def test_text_answer_after_a_function_call_output() -> None:
    items = [
        {"role": "user", "content": "weather?"},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
    ]
    answer = ok(FakeModel(), RESPONSES, body(input=items, tools=[WEATHER]))
    assert [item["type"] for item in answer["output"]] == ["message"]


def test_reasoning_models_add_a_reasoning_item_and_tokens() -> None:
    result = FakeModel().respond(RESPONSES, body(model="o3"))
    answer = result.body
    assert answer["output"][0]["type"] == "reasoning"
    reasoning = answer["usage"]["output_tokens_details"]["reasoning_tokens"]
    assert reasoning > 0 and result.usage.reasoning_tokens == reasoning
    assert answer["usage"]["output_tokens"] == reasoning + count_tokens(output_text(answer))


def test_higher_effort_thinks_longer() -> None:
    low = ok(FakeModel(), RESPONSES, body(model="gpt-5", reasoning={"effort": "low"}))
    high = ok(FakeModel(), RESPONSES, body(model="gpt-5", reasoning={"effort": "high"}))
    details = "output_tokens_details"
    assert high["usage"][details]["reasoning_tokens"] > low["usage"][details]["reasoning_tokens"]


def test_logprobs_when_included() -> None:
    answer = ok(FakeModel(), RESPONSES, body(include=["message.output_text.logprobs"], top_logprobs=2))
    part = answer["output"][0]["content"][0]
    assert "".join(entry["token"] for entry in part["logprobs"]) == part["text"]
    assert all(len(entry["top_logprobs"]) == 2 for entry in part["logprobs"])


def test_shapes() -> None:
    refusal = ok(FakeModel(), RESPONSES, body(), shape=ResponseShape(refusal="Not that."))
    assert refusal["output"][0]["content"] == [{"type": "refusal", "refusal": "Not that."}]
    empty = ok(FakeModel(), RESPONSES, body(), shape=ResponseShape(empty_content=True))
    assert output_text(empty) == ""
    cut = ok(FakeModel(), RESPONSES, body(), shape=ResponseShape(finish_reason="length"))
    assert cut["status"] == "incomplete" and cut["incomplete_details"] == {"reason": "max_output_tokens"}
