"""Tool use in Anthropic Message Batches through the `anthropic` SDK: forced, any, auto and none choices,
tool results in the history, malformed tools as `errored` results, server tools left out."""

from __future__ import annotations

import jsonschema

from tests.dialects.helpers import assert_errored, message_request, run_message_batch

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 2},
        "age": {"type": "integer", "minimum": 0, "maximum": 130},
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 1},
    },
    "required": ["name", "age", "tags"],
    "additionalProperties": False,
}
EXTRACT = {"name": "extract_person", "description": "Record the person described.", "input_schema": PERSON}
WEATHER = {
    "name": "get_weather",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def ask(custom_id, messages=None, **params):
    return message_request(
        custom_id, messages or [{"role": "user", "content": "Ada Lovelace, 36, mathematician."}], **params
    )


run = run_message_batch


def test_a_forced_tool_answers_with_a_tool_use_block_valid_for_its_schema(batch_emulator, claude):
    results = run(
        batch_emulator,
        claude,
        ask("forced", tools=[EXTRACT, WEATHER], tool_choice={"type": "tool", "name": "extract_person"}),
        ask("plain"),
    )
    message = results["forced"].message
    assert message.stop_reason == "tool_use"
    uses = [block for block in message.content if block.type == "tool_use"]
    assert [use.name for use in uses] == ["extract_person"]
    assert uses[0].id.startswith("toolu_")
    jsonschema.validate(uses[0].input, PERSON)
    plain = results["plain"].message
    assert plain.stop_reason != "tool_use" and [block.type for block in plain.content] == ["text"]
    assert message.usage.input_tokens > plain.usage.input_tokens  # the tool definitions count as input


def test_any_with_parallel_use_disabled_calls_exactly_one_tool(batch_emulator, claude):
    choice = {"type": "any", "disable_parallel_tool_use": True}
    results = run(
        batch_emulator, claude, *(ask(f"r{i}", tools=[EXTRACT, WEATHER], tool_choice=choice) for i in range(6))
    )
    for result in results.values():
        uses = [block for block in result.message.content if block.type == "tool_use"]
        assert len(uses) == 1 and uses[0].name in ("extract_person", "get_weather")
        assert result.message.stop_reason == "tool_use"


def test_none_answers_in_text(batch_emulator, claude):
    results = run(batch_emulator, claude, ask("quiet", tools=[EXTRACT], tool_choice={"type": "none"}))
    message = results["quiet"].message
    assert [block.type for block in message.content] == ["text"] and message.stop_reason != "tool_use"


def test_a_conversation_ending_in_a_tool_result_gets_a_text_answer(batch_emulator, claude):
    history = [
        {"role": "user", "content": "What is the weather in Paris?"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01", "content": [{"type": "text", "text": "18C"}]}
            ],
        },
    ]
    results = run(batch_emulator, claude, ask("after", messages=history, tools=[WEATHER]))
    message = results["after"].message
    assert results["after"].type == "succeeded"
    assert [block.type for block in message.content] == ["text"] and message.stop_reason == "end_turn"


def test_malformed_tools_are_errored_results_and_the_rest_still_run(batch_emulator, claude):
    no_schema = {"name": "broken"}
    results = run(
        batch_emulator,
        claude,
        ask("no_schema", tools=[no_schema]),
        ask("bad_name", tools=[{**WEATHER, "name": "has space"}]),
        ask("unknown_choice", tools=[WEATHER], tool_choice={"type": "tool", "name": "nowhere"}),
        ask("choice_without_tools", tool_choice={"type": "any"}),
        ask("fine", tools=[WEATHER]),
    )
    expected = {
        "no_schema": "tools.0.custom.input_schema: Field required",
        "bad_name": "tools.0.custom.name: String should match pattern",
        "unknown_choice": "tool_choice: Tool 'nowhere' not found",
        "choice_without_tools": "tool_choice: tool_choice may only be specified while providing tools.",
    }
    assert_errored(results, expected)
    assert results["fine"].type == "succeeded"


def test_server_tools_are_left_out(batch_emulator, claude):
    search = {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}
    results = run(batch_emulator, claude, ask("searching", tools=[search]))
    message = results["searching"].message
    assert results["searching"].type == "succeeded"
    assert [block.type for block in message.content] == ["text"]
