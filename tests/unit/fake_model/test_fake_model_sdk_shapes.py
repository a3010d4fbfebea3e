"""Every endpoint's answer parses with the openai SDK's model for it, in strict validation mode."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import pytest
from fake_model_support import (
    CHAT,
    COMPLETIONS,
    EMBEDDINGS,
    IMAGE_EDITS,
    IMAGES,
    MODERATIONS,
    RESPONSES,
    VIDEOS,
    chat_body,
    ok,
    strict,
)
from openai.types import Completion, CreateEmbeddingResponse, ImagesResponse, ModerationCreateResponse, Video
from openai.types.chat import ChatCompletion
from openai.types.responses import Response

from emulator.fake_model import FakeModel, ResponseShape

WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1, "maximum": 7}},
    "required": ["city"],
}
CHAT_TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}},
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}},
]
RESPONSE_TOOLS = [{"type": "function", "name": "get_weather", "parameters": WEATHER, "strict": False}]

CASES: list[tuple[str, str, Any, dict[str, Any]]] = [
    ("chat plain", CHAT, ChatCompletion, chat_body()),
    ("chat n=3 logprobs", CHAT, ChatCompletion, chat_body(n=3, logprobs=True, top_logprobs=2)),
    ("chat tools", CHAT, ChatCompletion, chat_body(tools=CHAT_TOOLS)),
    ("chat reasoning", CHAT, ChatCompletion, {**chat_body(), "model": "o4-mini", "max_completion_tokens": 50}),
    ("chat truncated", CHAT, ChatCompletion, chat_body(max_tokens=3)),
    ("completions", COMPLETIONS, Completion, {"model": "gpt-3.5-turbo-instruct", "prompt": ["a", "b"], "logprobs": 2}),
    ("embeddings float", EMBEDDINGS, CreateEmbeddingResponse, {"model": "text-embedding-3-small", "input": ["a", "b"]}),
    ("embeddings tokens", EMBEDDINGS, CreateEmbeddingResponse, {"model": "text-embedding-3-large", "input": [1, 2, 3]}),
    ("responses plain", RESPONSES, Response, {"model": "gpt-4.1", "input": "hello", "instructions": "be brief"}),
    ("responses reasoning", RESPONSES, Response, {"model": "gpt-5", "input": "hi", "reasoning": {"effort": "low"}}),
    ("responses incomplete", RESPONSES, Response, {"model": "gpt-4.1", "input": "hi", "max_output_tokens": 16}),
    ("responses tools", RESPONSES, Response, {"model": "gpt-4.1", "input": "weather?", "tools": RESPONSE_TOOLS}),
    (
        "responses schema",
        RESPONSES,
        Response,
        {
            "model": "gpt-4.1",
            "input": [{"role": "user", "content": [{"type": "input_text", "text": "a city"}]}],
            "text": {"format": {"type": "json_schema", "name": "w", "schema": WEATHER}},
            "include": ["message.output_text.logprobs"],
            "top_logprobs": 2,
        },
    ),
    ("moderations", MODERATIONS, ModerationCreateResponse, {"input": ["fine words", "I will kill it"]}),
    ("images b64", IMAGES, ImagesResponse, {"prompt": "a cat", "n": 2}),
    ("images url", IMAGES, ImagesResponse, {"prompt": "a cat", "model": "dall-e-3", "response_format": "url"}),
    ("images gpt-image", IMAGES, ImagesResponse, {"prompt": "a cat", "model": "gpt-image-1"}),
    ("image edits", IMAGE_EDITS, ImagesResponse, {"prompt": "hat", "images": [{"image_url": "data:,"}]}),
    ("videos", VIDEOS, Video, {"prompt": "waves", "seconds": "8", "size": "1280x720"}),
]


@pytest.mark.parametrize(("endpoint", "model_type", "body"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_answer_parses_with_the_sdk_model_in_strict_mode(endpoint: str, model_type: Any, body: dict[str, Any]) -> None:
    answer = ok(FakeModel(seed=3), endpoint, body, custom_id="line-1", created=1_700_000_000)
    strict(model_type, answer)


@pytest.mark.parametrize(
    "shape",
    [ResponseShape(refusal="No."), ResponseShape(empty_content=True), ResponseShape(finish_reason="content_filter")],
    ids=["refusal", "empty", "content_filter"],
)
def test_shaped_answers_still_parse(shape: ResponseShape) -> None:
    model = FakeModel()
    strict(ChatCompletion, ok(model, CHAT, chat_body(), shape=shape))
    strict(Response, ok(model, RESPONSES, {"model": "gpt-4.1", "input": "hi"}, shape=shape))


def test_created_time_is_the_callers() -> None:
    model = FakeModel()
    assert ok(model, CHAT, chat_body(), created=1234)["created"] == 1234
    assert ok(model, RESPONSES, {"model": "gpt-4.1", "input": "x"}, created=1234)["created_at"] == 1234
    assert ok(model, VIDEOS, {"prompt": "x"}, created=1234)["created_at"] == 1234


def test_ids_have_the_real_prefixes() -> None:
    model = FakeModel()
    assert ok(model, CHAT, chat_body())["id"].startswith("chatcmpl-")
    body = ok(model, RESPONSES, {"model": "gpt-4.1", "input": "x"})
    assert body["id"].startswith("resp_")
    assert body["output"][0]["id"].startswith("msg_")
    calls = ok(model, CHAT, chat_body(tools=CHAT_TOOLS, tool_choice="required"))["choices"][0]["message"]["tool_calls"]
    assert all(call["id"].startswith("call_") for call in calls)


def _pixels(png: bytes) -> bytes:
    """Check the PNG's signature, chunk CRCs and header, and return its decompressed scanlines."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    position, chunks = 8, {}
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind, data = png[position + 4 : position + 8], png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + data) == crc
        chunks[kind] = data
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2)
    pixels = zlib.decompress(chunks[b"IDAT"])
    assert len(pixels) == height * (1 + 3 * width)
    assert b"IEND" in chunks
    return pixels


def test_image_payloads_are_real_pngs() -> None:
    body = ok(FakeModel(), IMAGES, {"prompt": "a cat", "n": 2})
    first, second = (_pixels(base64.b64decode(item["b64_json"])) for item in body["data"])
    assert first != second
    url = ok(FakeModel(), IMAGES, {"prompt": "a cat", "response_format": "url"})["data"][0]["url"]
    assert url.startswith("data:image/png;base64,")
    _pixels(base64.b64decode(url.split(",", 1)[1]))
