"""A batch line's answer as JSON bytes is exactly `orjson.dumps` of the body `respond` gives, whichever way it was
made (the per-form template of plain chat lines or the general path), and its result line is the same bytes as
the one built from the decoded body."""

from __future__ import annotations

import os
import random
from typing import Any

import orjson
import pytest
from fake_model_support import CHAT, COMPLETIONS, EMBEDDINGS, RESPONSES

from emulator.batches.result_lines import ResultLines, result_line
from emulator.fake_model import FakeModel
from emulator.fake_model.line_answers import plain_chat_line
from emulator.fake_model.text import prose_counted, prose_within
from emulator.fake_model.tokens import count_tokens, first_tokens

WORDS = ["tides", "rivers", "glaciers", "a", "an", "of", "Question", "x1y2z3w4", "deserts,", "islands?", "the"]


def _question(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 30)))


def _chat_bodies(rng: random.Random) -> list[dict[str, Any]]:
    """Lines of many forms: plain ones, and ones each path must leave to the general answer."""
    plain = [
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": _question(rng)}], "max_tokens": 20},
        {
            "model": "gpt-4o",
            "messages": [
                {"role": "system", "content": "You are terse."},
                {"role": "user", "content": _question(rng)},
                {"role": "assistant", "content": _question(rng)},
                {"role": "developer", "content": "50% shorter"},
                {"role": "user", "content": _question(rng)},
            ],
            "temperature": 0.5,
        },
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": _question(rng)}], "max_tokens": 1},
        {  # a long question: the mention comes from its last 2,000 characters
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": " ".join(_question(rng) for _ in range(40))}],
        },
        {"model": "my-%s-model", "messages": [{"role": "user", "content": _question(rng)}], "metadata": {"a": "b"}},
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": _question(rng)}], "stop": ["the", "of"]},
    ]
    general = [
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": _question(rng), "name": "ann"}]},
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": [{"type": "text", "text": "hi there"}]}]},
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": _question(rng)}], "n": 2},
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": _question(rng)}], "logprobs": True},
        {"model": "o3-mini", "messages": [{"role": "user", "content": _question(rng)}]},
        {"model": "gpt-4o-mini", "messages": []},
        {"model": "gpt-4o-mini", "messages": [{"role": "robot", "content": "x"}]},
        {"model": "gpt-4o-mini", "messages": [{"role": "user"}]},
        {"model": "gpt-4o-mini", "messages": "not a list"},
        {"model": "gpt-4o-mini", "messages": [{"role": "tool", "content": "42", "tool_call_id": "c1"}]},
        {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": _question(rng)}],
            "response_format": {"type": "json_object"},
        },
    ]
    return plain + general


def _reference(seed: int, endpoint: str, body: Any, custom_id: str, created: int) -> tuple[int, bytes, Any]:
    result = FakeModel(seed=seed).respond(endpoint, body, custom_id=custom_id, created=created)
    return result.status_code, orjson.dumps(result.body), result.usage


@pytest.mark.parametrize("seed", [0, 7])
def test_chat_lines_of_every_form_are_the_bytes_of_the_answer_respond_gives(seed: int) -> None:
    rng = random.Random(seed)
    model = FakeModel(seed=seed)
    for round_ in range(40):
        for k, body in enumerate(_chat_bodies(rng)):
            custom_id = f"req-{round_}-{k}"
            created = 1_700_000_000 + round_
            answer = model.answer_line(CHAT, body, custom_id=custom_id, created=created)
            assert (answer.status_code, answer.body_json, answer.usage) == _reference(
                seed, CHAT, body, custom_id, created
            ), body
    for body in _chat_bodies(rng)[:6]:  # the plain forms are answered from their template by now
        assert plain_chat_line(model._forms, seed, body, "z", 1) is not None
    for body in _chat_bodies(rng)[6:]:
        assert plain_chat_line(model._forms, seed, body, "z", 1) is None


def test_a_plain_line_over_the_context_window_gets_the_same_error_as_respond() -> None:
    model = FakeModel()
    short = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "tides"}]}
    model.answer_line(CHAT, short, custom_id="a", created=5)
    long = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "word " * 200_000}]}
    answer = model.answer_line(CHAT, long, custom_id="b", created=5)
    assert answer.status_code == 400
    assert orjson.loads(answer.body_json)["error"]["code"] == "context_length_exceeded"
    assert answer.body_json == _reference(0, CHAT, long, "b", 5)[1]


def test_a_reseeded_model_answers_plain_lines_from_the_new_seed() -> None:
    model = FakeModel(seed=1)
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "tell me about tides"}]}
    for _ in range(3):
        model.answer_line(CHAT, body, custom_id="a", created=5)
    model.reseed(2)
    answer = model.answer_line(CHAT, body, custom_id="a", created=5)
    assert answer.body_json == _reference(2, CHAT, body, "a", 5)[1]
    assert answer.body_json != _reference(1, CHAT, body, "a", 5)[1]


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        (EMBEDDINGS, {"model": "text-embedding-3-small", "input": "tides", "dimensions": 4}),
        (EMBEDDINGS, {"model": "text-embedding-3-large", "input": ["tides", "rivers of the north"]}),
        (EMBEDDINGS, {"model": "text-embedding-3-small", "input": [[1, 2, 3]], "dimensions": 7}),
        (EMBEDDINGS, {"model": "text-embedding-ada-002", "input": "tides", "encoding_format": "base64"}),
        (EMBEDDINGS, {"model": "text-embedding-3-small", "input": "tides", "dimensions": 99_999}),
        (COMPLETIONS, {"model": "gpt-3.5-turbo-instruct", "prompt": "Say this", "max_tokens": 7}),
        (RESPONSES, {"model": "gpt-4.1-mini", "input": "hello there"}),
        (EMBEDDINGS, {"model": "text-embedding-3-small"}),
    ],
)
def test_other_endpoints_answer_lines_with_the_json_of_their_answer(endpoint: str, body: dict[str, Any]) -> None:
    answer = FakeModel().answer_line(endpoint, body, custom_id="x", created=9)
    assert (answer.status_code, answer.body_json, answer.usage) == _reference(0, endpoint, body, "x", 9)


@pytest.mark.parametrize("custom_id", ["request-1", 'quote " and \\ slash', "ünïcødé ☃", ""])
@pytest.mark.parametrize("status", [200, 400, 500])
def test_a_result_line_from_body_json_is_the_line_from_the_decoded_body(custom_id: str, status: int) -> None:
    body = {"error": {"message": "m", "type": "t", "param": None, "code": None}} if status >= 400 else {"a": [1.5]}
    lines = ResultLines(3, "batch_abc")
    made = lines.answered(custom_id, status, orjson.dumps(body))
    assert made == lines.line(custom_id, status, body) == result_line(3, "batch_abc", custom_id, status, body)
    decoded = orjson.loads(made)
    assert decoded["custom_id"] == custom_id and decoded["response"]["body"] == body
    other_seed = orjson.loads(result_line(4, "batch_abc", custom_id, status, body))
    assert decoded["id"].startswith("batch_req_") and decoded["id"] != other_seed["id"]
    assert decoded["response"]["request_id"] != other_seed["response"]["request_id"]


def test_prose_cut_phrase_by_phrase_is_the_whole_prose_cut_token_by_token() -> None:
    rng = random.Random(11)
    cut = 0
    for _ in range(20_000):
        digest = os.urandom(64)
        mention = rng.choice(["", "rivers", "abcd", "abcdefgh", "x1y2z3w4q", "Question"])
        budget = rng.randint(1, 80)
        text, tokens = prose_counted(digest, mention)
        assert tokens == count_tokens(text)
        expected = (first_tokens(text, budget), budget, True) if tokens > budget else (text, tokens, False)
        assert prose_within(digest, mention, budget) == expected
        cut += expected[2]
    assert 2_000 < cut < 18_000
