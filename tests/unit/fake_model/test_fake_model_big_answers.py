"""Big synchronous answers: a lazily computed answer (embeddings' vectors written straight to JSON, moderation
results computed as they are read) gives the same bytes as the plain one, and both are the bytes the fake
model gave before vectors were written from tables (pinned digests)."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import pytest
from fake_model_support import EMBEDDINGS, MODERATIONS

from emulator.engine.errors import EmulatorError
from emulator.fake_model import FakeModel
from emulator.fake_model.embeddings import embed, vector_json
from emulator.fake_model.result import NO_USAGE
from emulator.http.responses import json_pieces

SIZES = {"one-dim": 1, "three-dim": 3, "seven-dim": 7}
TRIGGERS = ["kill", "hate", "[violence/graphic]", "calm", "self-harm", "gun", "underage", "hopeless now", "Gore!"]


def _embedding_bodies() -> list[dict[str, Any]]:
    bodies = []
    for model in ["text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002", *SIZES]:
        for dimensions in [None, 1, 2, 3, 5, 255, 256, 1023]:
            for encoding in [None, "float", "base64"]:
                body: dict[str, Any] = {"model": model, "input": [f"text {i} {model} ü ☃" for i in range(3)]}
                if dimensions is not None:
                    body["dimensions"] = dimensions
                if encoding is not None:
                    body["encoding_format"] = encoding
                bodies.append(body)
                bodies.append({**body, "input": [[1, 2, 3], [40, 50]]})
    return bodies


def _moderation_bodies() -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    for i in range(200):
        text = " ".join(TRIGGERS[j % len(TRIGGERS)] for j in range(i % 6)) + f" n{i}"
        bodies.append({"input": [text, text.upper()]})
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    bodies.append({"input": [{"type": "text", "text": "kill it"}, image], "model": "omni-moderation-latest"})
    bodies.append({"input": "plain words"})
    return bodies


def _digest(model: FakeModel, endpoint: str, bodies: list[dict[str, Any]]) -> str:
    digest = hashlib.sha256()
    for body in bodies:
        result = model.respond(endpoint, body, created=5)
        digest.update(orjson.dumps([result.status_code, result.body, list(result.usage)]))
    return digest.hexdigest()


def _model() -> FakeModel:
    return FakeModel(7, embedding_dimensions=SIZES)


# sha256 of every answer above, as the fake model of commit 07ca466 gave them
PINNED = {
    EMBEDDINGS: "4ebf946e07d55e4d9970746724cd42c7c2f24d50a081e9710ac682c3b26b3f48",
    MODERATIONS: "c2d471c9d8e4bdef7507cede7954fdd7ab2309e793c8a1e8bb74e1c46211375b",
}


def test_answers_are_the_bytes_pinned_before_vectors_were_written_from_tables() -> None:
    assert _digest(_model(), EMBEDDINGS, _embedding_bodies()) == PINNED[EMBEDDINGS]
    assert _digest(_model(), MODERATIONS, _moderation_bodies()) == PINNED[MODERATIONS]


@pytest.mark.parametrize("dimensions", [1, 2, 3, 7, 64, 255, 1536, 3072])
def test_a_vector_written_from_the_tables_is_the_json_of_its_floats(dimensions: int) -> None:
    for text in ["", "a", "the same text", "ü ☃ 𝄞", "x" * 5000]:
        for model in ["text-embedding-3-large", "custom"]:
            assert vector_json(model, text, dimensions) == orjson.dumps(embed(model, text, dimensions).tolist())


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [(EMBEDDINGS, body) for body in _embedding_bodies()[::5]]
    + [(MODERATIONS, body) for body in _moderation_bodies()[::20]]
    + [
        (EMBEDDINGS, {"model": "text-embedding-3-large", "input": [f"passage {i}" for i in range(100)]}),
        (MODERATIONS, {"input": [f"{TRIGGERS[i % len(TRIGGERS)]} {i}" for i in range(500)]}),
    ],
)
def test_a_lazy_answer_encodes_to_the_bytes_of_the_plain_answer(endpoint: str, body: dict[str, Any]) -> None:
    plain = _model().respond(endpoint, body, created=5)
    if not plain.ok:  # a refused body raises before anything is computed
        with pytest.raises(EmulatorError) as info:
            _model().respond_lazily(endpoint, body, created=5)
        assert info.value.body() == plain.body
        return
    lazy = _model().respond_lazily(endpoint, body, created=5)
    assert lazy.status_code == plain.status_code
    assert lazy.usage == (plain.usage if endpoint == EMBEDDINGS else NO_USAGE)  # moderations show no usage
    assert b"".join(json_pieces(lazy.body)) == orjson.dumps(plain.body)


def test_a_lazy_answer_is_encoded_one_item_at_a_time() -> None:
    body = {"model": "text-embedding-3-large", "input": [f"passage {i}" for i in range(300)]}
    pieces = list(json_pieces(_model().respond_lazily(EMBEDDINGS, body).body))
    one_vector = len(vector_json("text-embedding-3-large", "passage 0", 3072))
    assert len(pieces) >= 300
    assert max(map(len, pieces)) < 2 * one_vector  # no piece holds more than one item


def test_a_bad_input_in_a_lazy_answer_is_refused_before_anything_is_computed() -> None:
    inputs: list[Any] = [f"passage {i}" for i in range(100)]
    inputs[70] = ""
    with pytest.raises(EmulatorError) as info:
        _model().respond_lazily(EMBEDDINGS, {"model": "text-embedding-3-small", "input": inputs})
    assert "'$.input[70]' is invalid" in str(info.value)
    assert _model().respond(EMBEDDINGS, {"model": "text-embedding-3-small", "input": inputs}).status_code == 400
