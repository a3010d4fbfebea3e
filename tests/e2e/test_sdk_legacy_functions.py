"""The deprecated `functions` / `function_call` pair of chat completions through the openai SDK: calls whose
arguments validate against the function's parameters, "none", "auto" and a named function, a text answer after
a function result, streaming, batch lines, and the 400s for malformed definitions."""

from __future__ import annotations

import json

import jsonschema
import openai
import pytest
from openai.types.chat import ChatCompletion

from tests.e2e.inference_cases import check_answer
from tests.e2e.test_batch_endpoints import run_batch

LOOKUP = {
    "name": "lookup_order",
    "description": "Find an order by its number.",
    "parameters": {
        "type": "object",
        "properties": {"order": {"type": "integer", "minimum": 1}, "region": {"enum": ["eu", "us"]}},
        "required": ["order", "region"],
        "additionalProperties": False,
    },
}
REFUND = {"name": "refund", "parameters": {"type": "object", "properties": {"reason": {"type": "string"}}}}
ASK = [{"role": "user", "content": "Where is order 42?"}]


def create(client, **params):
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=ASK, **params)
    return check_answer(raw.http_response.json(), ChatCompletion, "CreateChatCompletionResponse")


def test_a_named_function_is_called_with_valid_arguments(client):
    answer = create(client, functions=[LOOKUP, REFUND], function_call={"name": "lookup_order"})
    choice = answer.choices[0]
    assert choice.finish_reason == "function_call"
    assert choice.message.tool_calls is None and choice.message.content is None
    assert choice.message.function_call.name == "lookup_order"
    jsonschema.validate(json.loads(choice.message.function_call.arguments), LOOKUP["parameters"])
    plain = create(client)
    assert answer.usage.prompt_tokens > plain.usage.prompt_tokens  # the definitions count as input


def test_auto_calls_one_function_and_none_answers_in_text(client):
    auto = create(client, functions=[LOOKUP, REFUND])
    assert auto.choices[0].finish_reason == "function_call"
    assert auto.choices[0].message.function_call.name in ("lookup_order", "refund")
    quiet = create(client, functions=[LOOKUP, REFUND], function_call="none")
    assert quiet.choices[0].finish_reason != "function_call"
    assert quiet.choices[0].message.function_call is None and quiet.choices[0].message.content


def test_a_function_result_gets_a_text_answer(client):
    messages = [
        *ASK,
        {"role": "assistant", "content": None, "function_call": {"name": "lookup_order", "arguments": "{}"}},
        {"role": "function", "name": "lookup_order", "content": '{"status": "shipped"}'},
    ]
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=messages, functions=[LOOKUP])
    answer = check_answer(raw.http_response.json(), ChatCompletion, "CreateChatCompletionResponse")
    assert answer.choices[0].finish_reason == "stop" and answer.choices[0].message.content


def test_tools_win_over_functions(client):
    tool = {"type": "function", "function": REFUND}
    answer = create(client, tools=[tool], tool_choice="required", functions=[LOOKUP])
    message = answer.choices[0].message
    assert message.function_call is None and [c.function.name for c in message.tool_calls] == ["refund"]


def test_streaming_sends_the_call_in_pieces(client):
    whole = create(client, functions=[LOOKUP], function_call={"name": "lookup_order"})
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=ASK, functions=[LOOKUP], function_call={"name": "lookup_order"}, stream=True
    )
    name, arguments, finish = "", "", None
    for chunk in stream:
        delta = chunk.choices[0].delta
        if delta.function_call is not None:
            name += delta.function_call.name or ""
            arguments += delta.function_call.arguments or ""
        finish = chunk.choices[0].finish_reason or finish
    assert (name, arguments, finish) == (
        "lookup_order",
        whole.choices[0].message.function_call.arguments,
        "function_call",
    )


def test_batch_lines_answer_with_function_calls(client, batch_emulator):
    body = {"model": "gpt-4o-mini", "messages": ASK, "functions": [LOOKUP], "function_call": {"name": "lookup_order"}}
    _, output, errors = run_batch(client, batch_emulator, "/v1/chat/completions", [body])
    assert errors == {}
    answer = output["line-0"]["response"]["body"]
    check_answer(answer, ChatCompletion, "CreateChatCompletionResponse")
    assert answer["choices"][0]["finish_reason"] == "function_call"
    assert answer["choices"][0]["message"]["function_call"]["name"] == "lookup_order"


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        ({"functions": [{"description": "no name"}]}, "functions[0].name", "missing_required_parameter"),
        ({"functions": "lookup"}, "functions", "invalid_type"),
        ({"functions": [LOOKUP], "function_call": "always"}, "function_call", "invalid_value"),
        ({"functions": [LOOKUP], "function_call": {"name": "refund"}}, "function_call", "invalid_value"),
        ({"functions": [{"name": f"f{i}"} for i in range(129)]}, "functions", "array_above_max_length"),
    ],
)
def test_malformed_functions_are_400s(client, params, param, code):
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="gpt-4o-mini", messages=ASK, **params)
    error = info.value.body
    assert (error["param"], error["code"]) == (param, code)
