"""Malformed requests get the real API's 400/404 error bodies."""

from __future__ import annotations

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
)

from emulator.fake_model import FakeModel, TokenUsage

TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}

CASES: list[tuple[str, str, Any, str | None, str | None]] = [
    ("chat without messages", CHAT, {"model": "gpt-4o"}, "messages", "missing_required_parameter"),
    (
        "chat without model",
        CHAT,
        {"messages": [{"role": "user", "content": "x"}]},
        "model",
        "missing_required_parameter",
    ),
    ("messages not a list", CHAT, chat_body() | {"messages": "hi"}, "messages", "invalid_type"),
    ("empty messages", CHAT, chat_body() | {"messages": []}, "messages", "empty_array"),
    (
        "message without role",
        CHAT,
        chat_body() | {"messages": [{"content": "x"}]},
        "messages[0].role",
        "missing_required_parameter",
    ),
    (
        "unknown role",
        CHAT,
        chat_body() | {"messages": [{"role": "robot", "content": "x"}]},
        "messages[0].role",
        "invalid_value",
    ),
    ("model not a string", CHAT, chat_body() | {"model": 4}, "model", "invalid_type"),
    ("n too small", CHAT, chat_body(n=0), "n", "integer_below_min_value"),
    ("n too large", CHAT, chat_body(n=129), "n", "integer_above_max_value"),
    ("n not an integer", CHAT, chat_body(n="2"), "n", "invalid_type"),
    ("temperature too high", CHAT, chat_body(temperature=2.5), "temperature", "decimal_above_max_value"),
    ("temperature negative", CHAT, chat_body(temperature=-0.1), "temperature", "decimal_below_min_value"),
    ("too many stops", CHAT, chat_body(stop=["a", "b", "c", "d", "e"]), "stop", "array_above_max_length"),
    ("top_logprobs without logprobs", CHAT, chat_body(top_logprobs=2), "top_logprobs", "invalid_value"),
    ("bad response_format", CHAT, chat_body(response_format={"type": "yaml"}), "response_format.type", "invalid_value"),
    ("tool_choice without tools", CHAT, chat_body(tool_choice="required"), "tool_choice", "invalid_value"),
    (
        "tool_choice names a missing tool",
        CHAT,
        chat_body(tools=[TOOL], tool_choice={"type": "function", "function": {"name": "g"}}),
        "tool_choice",
        "invalid_value",
    ),
    (
        "max_tokens on a reasoning model",
        CHAT,
        chat_body(model="o3", max_tokens=10),
        "max_tokens",
        "unsupported_parameter",
    ),
    ("unknown chat parameter", CHAT, chat_body(colour="blue"), None, None),
    ("completions without prompt", COMPLETIONS, {"model": "m"}, "prompt", "missing_required_parameter"),
    ("embeddings without input", EMBEDDINGS, {"model": "m"}, "input", "missing_required_parameter"),
    ("embeddings without model", EMBEDDINGS, {"input": "x"}, "model", "missing_required_parameter"),
    ("responses without input", RESPONSES, {"model": "m"}, "input", "missing_required_parameter"),
    (
        "responses budget below 16",
        RESPONSES,
        {"model": "m", "input": "x", "max_output_tokens": 5},
        "max_output_tokens",
        "integer_below_min_value",
    ),
    (
        "unknown responses parameter",
        RESPONSES,
        {"model": "m", "input": "x", "messages": []},
        "messages",
        "unknown_parameter",
    ),
    ("moderations without input", MODERATIONS, {}, "input", "missing_required_parameter"),
    ("images without prompt", IMAGES, {"n": 1}, "prompt", "missing_required_parameter"),
    ("images n too large", IMAGES, {"prompt": "x", "n": 11}, "n", "integer_above_max_value"),
    ("image edit without image", IMAGE_EDITS, {"prompt": "x"}, "image", "missing_required_parameter"),
    ("video with bad seconds", VIDEOS, {"prompt": "x", "seconds": "5"}, "seconds", "invalid_value"),
    ("video with an empty prompt", VIDEOS, {"prompt": ""}, "prompt", "string_below_min_length"),
    ("video with a long prompt", VIDEOS, {"prompt": "x" * 32_001}, "prompt", "string_above_max_length"),
    ("body not an object", CHAT, ["not", "an", "object"], None, "invalid_json"),
]


@pytest.mark.parametrize(("endpoint", "body", "param", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_request_is_a_400_with_param_and_code(
    endpoint: str, body: Any, param: str | None, code: str | None
) -> None:
    result = FakeModel().respond(endpoint, body)
    assert result.status_code == 400
    assert set(result.body) == {"error"}
    error = result.body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert (error["param"], error["code"]) == (param, code)
    assert result.usage == TokenUsage()


def test_wording_of_common_errors() -> None:
    model = FakeModel()
    assert (
        model.respond(CHAT, {"model": "gpt-4o"}).body["error"]["message"] == "Missing required parameter: 'messages'."
    )
    unknown = model.respond(CHAT, chat_body(colour="blue")).body["error"]["message"]
    assert unknown == "Unrecognized request argument supplied: colour"
    n_error = model.respond(CHAT, chat_body(n=0)).body["error"]["message"]
    assert n_error == "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead."


def test_unknown_model_with_a_strict_list_is_a_404() -> None:
    model = FakeModel(models=["gpt-4o-mini"])
    assert model.respond(CHAT, chat_body()).status_code == 200
    result = model.respond(CHAT, chat_body(model="gpt-9"))
    assert result.status_code == 404
    assert result.body["error"] == {
        "message": "The model 'gpt-9' does not exist or you do not have access to it.",
        "type": "invalid_request_error",
        "param": None,
        "code": "model_not_found",
    }


def test_prompt_over_the_context_window() -> None:
    result = FakeModel().respond(CHAT, chat_body("word " * 130_000, model="gpt-4o"))
    assert result.status_code == 400 and result.body["error"]["code"] == "context_length_exceeded"
    assert FakeModel().respond(CHAT, chat_body("word " * 130_000, model="gpt-4.1")).status_code == 200
