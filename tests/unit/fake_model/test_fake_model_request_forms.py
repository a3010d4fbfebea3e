"""A model that has seen a body's form answers the next body of that form exactly as a fresh model does:
the same bytes for good bodies, the same error for a bad per-line field, and a bad option is never let
through because another body of a similar form passed."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fake_model_support import CHAT, COMPLETIONS, EMBEDDINGS, IMAGES, MODERATIONS, RESPONSES, VIDEOS

from emulator.fake_model import FakeModel, ResponseShape


def _bytes(model: FakeModel, endpoint: str, body: dict[str, Any], custom_id: str) -> tuple[int, bytes, Any]:
    result = model.respond(endpoint, body, custom_id=custom_id, created=1_700_000_000)
    return result.status_code, orjson.dumps(result.body), tuple(result.usage)


def _chat(content: Any, **options: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}], **options}


SERIES: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "chat": (
        CHAT,
        [_chat(f"Question {i} about tides", max_tokens=5 + i % 3, stop="the") for i in range(6)]
        + [_chat(42, max_tokens=5), _chat("no model role", max_tokens=5) | {"messages": [{"content": "x"}]}]
        + [_chat(f"fine {i}", max_tokens=5 + i % 3, stop="the") for i in range(3)],
    ),
    "chat with tools": (
        CHAT,
        [
            _chat(f"Weather {i}?", tools=[{"type": "function", "function": {"name": "w", "parameters": {}}}])
            for i in range(4)
        ],
    ),
    "responses": (
        RESPONSES,
        [{"model": "gpt-4.1-mini", "input": value, "max_output_tokens": 20} for value in ("a b c", "", [], "d e")],
    ),
    "completions": (COMPLETIONS, [{"model": "gpt-3.5-turbo-instruct", "prompt": p, "n": 2} for p in ("x", None, 7)]),
    "embeddings": (
        EMBEDDINGS,
        [{"model": "text-embedding-3-small", "input": value, "dimensions": 8} for value in ("a", "", ["b", 1], ["c"])],
    ),
    "moderations": (MODERATIONS, [{"input": value} for value in ("calm", ["kill", "calm"], 5, [])]),
    "images": (IMAGES, [{"model": "dall-e-2", "prompt": p, "size": "256x256"} for p in ("a cat", None, 3, "a dog")]),
    "videos": (VIDEOS, [{"model": "sora-2", "prompt": p, "seconds": "4"} for p in ("a wave", "", "x" * 40_000, "b")]),
}


@pytest.mark.parametrize("name", SERIES)
def test_a_series_of_one_form_answers_like_fresh_models(name: str) -> None:
    endpoint, bodies = SERIES[name]
    warm = FakeModel(seed=3)
    for i, body in enumerate(bodies):
        assert _bytes(warm, endpoint, body, f"line-{i}") == _bytes(FakeModel(seed=3), endpoint, body, f"line-{i}")


@pytest.mark.parametrize(
    ("option", "value", "code"),
    [
        ("n", 0, "integer_below_min_value"),
        ("temperature", 3, "decimal_above_max_value"),
        ("stop", ["a", "b", "c", "d", "e"], "array_above_max_length"),
        ("surprise", 1, None),
    ],
)
def test_a_bad_option_is_refused_after_good_bodies_with_the_same_messages(option: str, value: Any, code: Any) -> None:
    model = FakeModel()
    for i in range(3):
        assert model.respond(CHAT, _chat(f"hello {i}", n=1, temperature=1)).status_code == 200
    bad = _chat("hello 0", n=1, temperature=1) | {option: value}
    result = model.respond(CHAT, bad)
    assert result.status_code == 400
    assert result.body["error"]["code"] == code
    assert result.body == FakeModel().respond(CHAT, bad).body


def test_the_known_form_of_a_reasoning_model_still_refuses_max_tokens() -> None:
    model = FakeModel()
    assert model.respond(CHAT, _chat("think", model="o3-mini")).status_code == 200
    refused = model.respond(CHAT, _chat("think again", model="o3-mini", max_tokens=5))
    assert refused.body["error"]["code"] == "unsupported_parameter"


def test_shapes_and_custom_ids_still_apply_to_a_known_form() -> None:
    model = FakeModel()
    first = model.respond(CHAT, _chat("same words"), custom_id="a")
    second = model.respond(CHAT, _chat("same words"), custom_id="b", shape=ResponseShape(refusal="No."))
    assert first.body["id"] != second.body["id"]
    assert second.body["choices"][0]["message"]["refusal"] == "No."
    assert first.body["choices"][0]["message"]["content"]


def test_a_body_holding_values_json_cannot_encode_is_answered_without_a_form() -> None:
    body = _chat("odd", metadata={"when": object()})
    result = FakeModel().respond(CHAT, body)
    assert result.status_code in (200, 400)
    assert result.body == FakeModel().respond(CHAT, body).body
