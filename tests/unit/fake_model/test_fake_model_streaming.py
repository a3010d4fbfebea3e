"""Streamed answers parse with the SDK's event models and add up to the non-streamed answer."""

from __future__ import annotations

from typing import Any

import pytest
from fake_model_support import CHAT, RESPONSES, chat_body, ok, strict
from openai import omit
from openai._models import validate_type
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import ResponseStreamEvent

from emulator.engine.errors import EmulatorError
from emulator.fake_model import FakeModel

TOOLS = [
    {
        "type": "function",
        "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}},
    },
    {"type": "function", "function": {"name": "ping", "parameters": {"type": "object", "properties": {}}}},
]

CHAT_CASES = {
    "text": chat_body(),
    "n=2 with logprobs": chat_body(n=2, logprobs=True, top_logprobs=1),
    "tools": chat_body(tools=TOOLS, tool_choice="required"),
    "truncated": chat_body(max_tokens=4),
}


@pytest.mark.parametrize("request_body", list(CHAT_CASES.values()), ids=list(CHAT_CASES))
def test_chat_chunks_parse_and_accumulate_to_the_full_answer(request_body: dict[str, Any]) -> None:
    model = FakeModel(seed=5)
    full = ok(model, CHAT, request_body)
    streamed = {**request_body, "stream": True, "stream_options": {"include_usage": True}}
    raw = list(model.stream_events(CHAT, streamed))
    chunks = [strict(ChatCompletionChunk, chunk) for chunk in raw]
    assert raw[-1]["choices"] == [] and raw[-1]["usage"] == full["usage"]
    assert all(chunk["usage"] is None for chunk in raw[:-1])
    state: ChatCompletionStreamState[Any] = ChatCompletionStreamState(input_tools=request_body.get("tools", []))
    for chunk in chunks:
        state.handle_chunk(chunk)
    final = state.current_completion_snapshot
    for choice, expected in zip(final.choices, full["choices"], strict=True):
        assert choice.message.content == expected["message"]["content"]
        assert choice.finish_reason == expected["finish_reason"]
        got_calls = [(c.function.name, c.function.arguments) for c in choice.message.tool_calls or []]
        want_calls = [
            (c["function"]["name"], c["function"]["arguments"]) for c in expected["message"].get("tool_calls", [])
        ]
        assert got_calls == want_calls


def test_chat_stream_without_usage_option_has_no_usage_chunk() -> None:
    chunks = list(FakeModel().stream_events(CHAT, chat_body(stream=True)))
    assert all("usage" not in chunk for chunk in chunks)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text == ok(FakeModel(), CHAT, chat_body())["choices"][0]["message"]["content"]


RESPONSE_CASES = {
    "text": {"model": "gpt-4.1", "input": "Describe a lighthouse"},
    "reasoning": {"model": "o4-mini", "input": "Describe a lighthouse", "include": ["message.output_text.logprobs"]},
    "incomplete": {"model": "gpt-4.1", "input": "Describe a lighthouse", "max_output_tokens": 16},
    "tools": {
        "model": "gpt-4.1",
        "input": "hi",
        "tools": [{"type": "function", "name": "ping", "parameters": {"type": "object", "properties": {}}}],
    },
}


@pytest.mark.parametrize("request_body", list(RESPONSE_CASES.values()), ids=list(RESPONSE_CASES))
def test_response_events_parse_and_accumulate_to_the_full_answer(request_body: dict[str, Any]) -> None:
    model = FakeModel(seed=2)
    full = ok(model, RESPONSES, request_body)
    events = list(model.stream_events(RESPONSES, {**request_body, "stream": True}))
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    parsed = [validate_type(type_=ResponseStreamEvent, value=event) for event in events]  # type: ignore[arg-type]
    assert parsed[0].type == "response.created"
    assert parsed[-1].type == ("response.incomplete" if full["status"] == "incomplete" else "response.completed")
    state: ResponseStreamState[Any] = ResponseStreamState(input_tools=request_body.get("tools", []), text_format=omit)
    for event in parsed:
        state.handle_event(event)  # type: ignore[arg-type]
    deltas = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    expected = "".join(
        part.get("text", "") for item in full["output"] if item["type"] == "message" for part in item["content"]
    )
    assert deltas == expected
    arguments = "".join(e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta")
    assert arguments == "".join(item["arguments"] for item in full["output"] if item["type"] == "function_call")


def test_streaming_a_bad_request_raises_before_any_event() -> None:
    with pytest.raises(EmulatorError) as caught:
        FakeModel().stream_events(CHAT, {"model": "gpt-4o", "stream": True})
    assert caught.value.status == 400 and caught.value.param == "messages"
