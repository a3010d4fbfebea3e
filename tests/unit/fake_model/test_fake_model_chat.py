"""Chat completions honour the request: n, budgets, stop, seed/temperature, formats, tools, logprobs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fake_model_support import CHAT, chat_body, ok, validate_instance

from emulator.fake_model import FakeModel, ResponseShape, TokenUsage, count_tokens

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 2},
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "email": {"type": "string", "format": "email"},
        "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "minItems": 1, "maxItems": 2},
        "nickname": {"type": ["string", "null"]},
    },
    "required": ["name", "age", "email", "tags", "nickname"],
    "additionalProperties": False,
}


def tool(name: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": parameters}}


WEATHER = tool(
    "get_weather",
    {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
        "required": ["city", "unit"],
        "additionalProperties": False,
    },
)
TIME = tool("get_time", {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]})
STOCK = tool("get_stock", {"type": "object", "properties": {"ticker": {"type": "string", "pattern": "^[A-Z]{3,4}$"}}})


def content(body: dict[str, Any], index: int = 0) -> str:
    return str(body["choices"][index]["message"]["content"])


def test_same_inputs_give_identical_bodies() -> None:
    first = FakeModel(seed=7).respond(CHAT, chat_body(), custom_id="a", created=5)
    second = FakeModel(seed=7).respond(CHAT, chat_body(), custom_id="a", created=5)
    assert first == second


def test_seed_prompt_and_temperature_change_the_text() -> None:
    base = content(ok(FakeModel(seed=1), CHAT, chat_body()))
    assert content(ok(FakeModel(seed=2), CHAT, chat_body())) != base
    assert content(ok(FakeModel(seed=1), CHAT, chat_body("Tell me about mountains"))) != base
    assert content(ok(FakeModel(seed=1), CHAT, chat_body(temperature=0.2))) != base
    assert content(ok(FakeModel(seed=1), CHAT, chat_body(seed=42))) != base


def test_custom_id_changes_ids_but_not_text() -> None:
    model = FakeModel()
    a = ok(model, CHAT, chat_body(), custom_id="a")
    b = ok(model, CHAT, chat_body(), custom_id="b")
    assert a["id"] != b["id"]
    assert content(a) == content(b)


def test_answer_mentions_a_word_of_the_last_user_message() -> None:
    text = content(ok(FakeModel(), CHAT, chat_body("Zanzibar")))
    assert "Zanzibar" in text
    assert 8 <= len(text.split()) <= 45


def test_n_gives_distinct_indexed_choices() -> None:
    body = ok(FakeModel(), CHAT, chat_body(n=4))
    assert [c["index"] for c in body["choices"]] == [0, 1, 2, 3]
    assert len({content(body, i) for i in range(4)}) == 4


def test_usage_counts_prompt_and_completion_tokens() -> None:
    result = FakeModel().respond(CHAT, chat_body("one two three", n=2))
    usage = result.body["usage"]
    completion = sum(count_tokens(content(result.body, i)) for i in range(2))
    assert usage["completion_tokens"] == completion
    assert usage["prompt_tokens"] == count_tokens("one two three") + 3 + 3
    assert usage["total_tokens"] == usage["prompt_tokens"] + completion
    assert usage["prompt_tokens_details"]["cached_tokens"] == 0
    assert result.usage == TokenUsage(usage["prompt_tokens"], 0, completion, 0)


@pytest.mark.parametrize("key", ["max_tokens", "max_completion_tokens"])
def test_token_budget_truncates_with_length(key: str) -> None:
    model = FakeModel()
    full = content(ok(model, CHAT, chat_body()))
    body = ok(model, CHAT, chat_body(**{key: 3}))
    cut = content(body)
    assert body["choices"][0]["finish_reason"] == "length"
    assert count_tokens(cut) == 3 and body["usage"]["completion_tokens"] == 3
    assert full.startswith(cut)


def test_generous_budget_keeps_the_full_answer() -> None:
    body = ok(FakeModel(), CHAT, chat_body(max_tokens=4000))
    assert body["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize("as_list", [False, True])
def test_stop_sequence_cuts_before_it(as_list: bool) -> None:
    model = FakeModel()
    full = content(ok(model, CHAT, chat_body()))
    word = full.split()[3]
    stop: Any = ["@@never@@", word] if as_list else word
    cut = content(ok(model, CHAT, chat_body(stop=stop)))
    assert cut == full[: full.index(word)]
    assert ok(model, CHAT, chat_body(stop=stop))["choices"][0]["finish_reason"] == "stop"


def test_json_object_gives_valid_json() -> None:
    text = content(ok(FakeModel(), CHAT, chat_body(response_format={"type": "json_object"})))
    assert isinstance(json.loads(text), dict)


def test_json_schema_gives_a_valid_instance() -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "person", "schema": PERSON, "strict": True}}
    for i in range(20):
        text = content(ok(FakeModel(seed=i), CHAT, chat_body(response_format=fmt)))
        validate_instance(json.loads(text), PERSON)


def calls_of(body: dict[str, Any], index: int = 0) -> list[dict[str, Any]]:
    return list(body["choices"][index]["message"].get("tool_calls") or [])


def test_tools_auto_calls_a_tool_with_valid_arguments() -> None:
    body = ok(FakeModel(), CHAT, chat_body(tools=[WEATHER]))
    (call,) = calls_of(body)
    assert body["choices"][0]["finish_reason"] == "tool_calls"
    assert body["choices"][0]["message"]["content"] is None
    assert call["function"]["name"] == "get_weather"
    validate_instance(json.loads(call["function"]["arguments"]), WEATHER["function"]["parameters"])


def test_tool_choice_none_answers_in_text() -> None:
    body = ok(FakeModel(), CHAT, chat_body(tools=[WEATHER], tool_choice="none"))
    assert calls_of(body) == [] and body["choices"][0]["finish_reason"] == "stop"


def test_auto_answers_in_text_after_a_tool_result() -> None:
    messages = [
        {"role": "user", "content": "weather in Oslo?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "12C"},
    ]
    body = ok(FakeModel(), CHAT, {"model": "gpt-4o", "messages": messages, "tools": [WEATHER]})
    assert calls_of(body) == [] and content(body)
    required = ok(
        FakeModel(), CHAT, {"model": "gpt-4o", "messages": messages, "tools": [WEATHER], "tool_choice": "required"}
    )
    assert calls_of(required)


def test_named_tool_choice_calls_exactly_that_function() -> None:
    choice = {"type": "function", "function": {"name": "get_time"}}
    for seed in range(5):
        calls = calls_of(ok(FakeModel(seed=seed), CHAT, chat_body(tools=[WEATHER, TIME, STOCK], tool_choice=choice)))
        assert [c["function"]["name"] for c in calls] == ["get_time"]


def test_parallel_calls_are_distinct_valid_and_deterministic() -> None:
    tools = [WEATHER, TIME, STOCK]
    by_name = {t["function"]["name"]: t["function"]["parameters"] for t in tools}
    seen_counts = set()
    for seed in range(12):
        calls = calls_of(ok(FakeModel(seed=seed), CHAT, chat_body(tools=tools, tool_choice="required")))
        names = [c["function"]["name"] for c in calls]
        assert 2 <= len(names) <= 3 and len(set(names)) == len(names)
        for call in calls:
            validate_instance(json.loads(call["function"]["arguments"]), by_name[call["function"]["name"]])
        seen_counts.add(len(names))
        again = calls_of(ok(FakeModel(seed=seed), CHAT, chat_body(tools=tools, tool_choice="required")))
        assert again == calls
    assert seen_counts == {2, 3}


def test_parallel_tool_calls_false_gives_one_call() -> None:
    body = ok(FakeModel(), CHAT, chat_body(tools=[WEATHER, TIME], parallel_tool_calls=False))
    assert len(calls_of(body)) == 1


def test_logprobs_cover_every_token() -> None:
    body = ok(FakeModel(), CHAT, chat_body(logprobs=True, top_logprobs=3))
    entries = body["choices"][0]["logprobs"]["content"]
    assert "".join(e["token"] for e in entries) == content(body)
    assert len(entries) == body["usage"]["completion_tokens"]
    for entry in entries:
        assert entry["logprob"] <= 0 and bytes(entry["bytes"]).decode() == entry["token"]
        assert len(entry["top_logprobs"]) == 3 and entry["top_logprobs"][0]["token"] == entry["token"]
    assert ok(FakeModel(), CHAT, chat_body())["choices"][0]["logprobs"] is None


@pytest.mark.parametrize("model_name", ["o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-nano"])
def test_reasoning_models_report_reasoning_tokens(model_name: str) -> None:
    result = FakeModel().respond(CHAT, {**chat_body(), "model": model_name})
    details = result.body["usage"]["completion_tokens_details"]
    assert details["reasoning_tokens"] > 0
    assert result.usage.reasoning_tokens == details["reasoning_tokens"]
    assert result.body["usage"]["completion_tokens"] > details["reasoning_tokens"]


def test_plain_models_report_no_reasoning_tokens() -> None:
    body = ok(FakeModel(), CHAT, chat_body())
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0


def test_reasoning_budget_stays_within_max_completion_tokens() -> None:
    body = ok(FakeModel(), CHAT, {**chat_body(), "model": "o3", "max_completion_tokens": 20})
    assert body["usage"]["completion_tokens"] <= 20
    assert body["choices"][0]["finish_reason"] == "length"


def test_shapes_force_refusal_empty_content_and_finish_reason() -> None:
    model = FakeModel()
    refused = ok(model, CHAT, chat_body(), shape=ResponseShape(refusal="I can't."))["choices"][0]
    assert refused["message"]["refusal"] == "I can't." and refused["message"]["content"] is None
    empty = ok(model, CHAT, chat_body(), shape=ResponseShape(empty_content=True))
    assert content(empty) == "" and empty["usage"]["completion_tokens"] == 0
    filtered = ok(model, CHAT, chat_body(), shape=ResponseShape(finish_reason="content_filter"))
    assert filtered["choices"][0]["finish_reason"] == "content_filter"
