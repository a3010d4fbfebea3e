"""`stream: true` through the real SDK: chat chunks, the chat and responses stream helpers, legacy completion
chunks, and the raw server-sent events (format, headers, errors before the stream starts)."""

from __future__ import annotations

import openai
import orjson
import pytest
from pydantic import BaseModel

from tests.e2e.inference_cases import CASES
from tests.support.openapi import check_schema

CHAT = {**CASES["chat"].body, "n": 1}
TOOLS = CASES["chat_tools"].body
RESPONSES = CASES["responses"].body


class City(BaseModel):
    name: str
    population: int


def _sse(client, path: str, body: dict) -> tuple[object, list[tuple[str | None, bytes]]]:
    """POST `body` with the SDK's HTTP client; the response and its (event name, data) pairs."""
    response = client._client.post(
        client.base_url.join(path), json=body, headers={"Authorization": f"Bearer {client.api_key}"}
    )
    events = []
    for block in response.content.split(b"\n\n"):
        if not block:
            continue
        fields = dict(line.split(b": ", 1) for line in block.split(b"\n"))
        name = fields.get(b"event")
        events.append((name.decode() if name else None, fields[b"data"]))
    return response, events


def test_chat_chunks_rebuild_the_plain_answer(client):
    plain = client.chat.completions.create(**CHAT)
    chunks = list(client.chat.completions.create(**CHAT, stream=True, stream_options={"include_usage": True}))
    assert len({chunk.id for chunk in chunks}) == 1 and chunks[0].id.startswith("chatcmpl-")
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage == plain.usage


def test_chat_stream_helper_reconstructs_message_tools_and_parsed_output(client):
    plain = client.chat.completions.create(**TOOLS)
    with client.chat.completions.stream(**TOOLS) as stream:
        kinds = {event.type for event in stream}
        final = stream.get_final_completion()
    assert "tool_calls.function.arguments.delta" in kinds
    call, expected = final.choices[0].message.tool_calls[0], plain.choices[0].message.tool_calls[0]
    assert (call.function.name, call.function.arguments) == (expected.function.name, expected.function.arguments)
    assert final.choices[0].finish_reason == "tool_calls"
    with client.chat.completions.stream(model="gpt-4o-mini", messages=CHAT["messages"], response_format=City) as stream:
        final = stream.get_final_completion()
    assert isinstance(final.choices[0].message.parsed, City)


def test_responses_stream_events_and_helper(client):
    plain = client.responses.create(**RESPONSES)
    events = list(client.responses.create(**RESPONSES, stream=True))
    assert [events[0].type, events[1].type, events[-1].type] == [
        "response.created",
        "response.in_progress",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == plain.output_text
    with client.responses.stream(**RESPONSES) as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    assert final.output_text == plain.output_text and final.status == "completed"
    with client.responses.stream(model="gpt-4o-mini", input="A city?", text_format=City) as stream:
        assert isinstance(stream.get_final_response().output_parsed, City)


def test_legacy_completion_chunks_join_to_the_plain_text(batch_emulator):
    # The SDK types completion chunks as `Completion`, whose finish_reason may not be null, while streamed
    # chunks carry null until the last one; strict validation would refuse them, so this client is lenient.
    client = batch_emulator.openai(max_retries=0, _strict_response_validation=False)
    body = {"model": "gpt-3.5-turbo-instruct", "prompt": "Once upon a time", "max_tokens": 12}
    plain = client.completions.create(**body)
    chunks = list(client.completions.create(**body, stream=True, stream_options={"include_usage": True}))
    assert "".join(c.choices[0].text for c in chunks if c.choices) == plain.choices[0].text
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == plain.choices[0].finish_reason
    assert chunks[-1].usage == plain.usage


def test_raw_chat_events_are_data_lines_ending_with_done(client):
    response, events = _sse(client, "chat/completions", {**CHAT, "stream": True})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-request-id"].startswith("req_")
    assert events[-1] == (None, b"[DONE]")
    for name, data in events[:-1]:
        assert name is None
        check_schema(orjson.loads(data), "CreateChatCompletionStreamResponse")


def test_raw_completion_events_end_with_done(client):
    body = {"model": "gpt-3.5-turbo-instruct", "prompt": "Once upon a time", "stream": True}
    _, events = _sse(client, "completions", body)
    assert events[-1] == (None, b"[DONE]")
    chunks = [orjson.loads(data) for _, data in events[:-1]]
    # Like the real API, chunks before the last carry finish_reason null; the OpenAPI document (and the SDK,
    # which reuses `Completion` for chunks) only allow a string there, so only the finishing chunk is checked.
    *pieces, last = chunks
    assert {chunk["choices"][0]["finish_reason"] for chunk in pieces} == {None}
    check_schema(last, "CreateCompletionResponse")
    assert last["choices"][0]["finish_reason"] == "length"


def test_raw_responses_events_name_their_type(client):
    _, events = _sse(client, "responses", {**RESPONSES, "stream": True})
    for name, data in events:
        event = orjson.loads(data)
        assert name == event["type"]
        check_schema(event, "ResponseStreamEvent")
    assert events[-1][0] == "response.completed"


def test_a_bad_streaming_request_is_an_error_before_any_event(client, batch_emulator):
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True)
    assert info.value.param == "messages"
    with pytest.raises(openai.BadRequestError) as info:
        client.responses.create(model="gpt-4o-mini", input="hi", max_output_tokens=1, stream=True)
    assert info.value.code == "integer_below_min_value"
    with pytest.raises(openai.BadRequestError) as info:
        client.embeddings.create(model="text-embedding-3-small", input="hi", extra_body={"stream": True})
    assert info.value.param == "stream"
    statuses = [e["status"] for e in batch_emulator.requests if e["method"] == "POST"]
    assert statuses == [400, 400, 400]


async def test_async_streams(batch_emulator):
    async with batch_emulator.async_openai(max_retries=0) as client:
        plain = await client.chat.completions.create(**CHAT)
        stream = await client.chat.completions.create(**CHAT, stream=True)
        text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream])
        assert text == plain.choices[0].message.content
        async with client.chat.completions.stream(**CHAT) as helper:
            final = await helper.get_final_completion()
        assert final.choices[0].message.content == plain.choices[0].message.content
        async with client.responses.stream(**RESPONSES) as helper:
            response = await helper.get_final_response()
        assert response.output_text == (await client.responses.create(**RESPONSES)).output_text
