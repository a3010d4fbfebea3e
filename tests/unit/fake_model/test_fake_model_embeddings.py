"""Embeddings: unit vectors per (model, text, dimensions), both encodings, every input form, size errors."""

from __future__ import annotations

import base64
import math
from array import array
from typing import Any

import pytest
from fake_model_support import EMBEDDINGS, ok

from emulator.fake_model import FakeModel, count_tokens


def vectors(fake: FakeModel, **body: Any) -> list[list[float]]:
    answer = ok(fake, EMBEDDINGS, {"model": "text-embedding-3-small", **body})
    assert [item["index"] for item in answer["data"]] == list(range(len(answer["data"])))
    return [item["embedding"] for item in answer["data"]]


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(x * x for x in vector))


@pytest.mark.parametrize(
    ("model_name", "size"),
    [
        ("text-embedding-3-small", 1536),
        ("text-embedding-3-large", 3072),
        ("text-embedding-ada-002", 1536),
        ("custom", 1536),
    ],
)
def test_native_dimensions_and_unit_length(model_name: str, size: int) -> None:
    (vector,) = vectors(FakeModel(), model=model_name, input="hello")
    assert len(vector) == size
    assert norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_configured_dimensions_for_other_models() -> None:
    (vector,) = vectors(FakeModel(embedding_dimensions={"my-embedder": 384}), model="my-embedder", input="x")
    assert len(vector) == 384


def test_same_text_same_vector_regardless_of_seed_custom_id_or_batch() -> None:
    (alone,) = vectors(FakeModel(seed=1), input="stable text")
    second = vectors(FakeModel(seed=99), input=["other", "stable text"])[1]
    again = ok(
        FakeModel(seed=1), EMBEDDINGS, {"model": "text-embedding-3-small", "input": "stable text"}, custom_id="z"
    )
    assert alone == second == again["data"][0]["embedding"]
    assert vectors(FakeModel(), input="different text")[0] != alone


def test_dimensions_shorten_and_renormalise_the_native_vector() -> None:
    (native,) = vectors(FakeModel(), input="shorten me")
    (short,) = vectors(FakeModel(), input="shorten me", dimensions=256)
    assert len(short) == 256 and norm(short) == pytest.approx(1.0, abs=1e-5)
    scale = norm(native[:256])
    assert short == pytest.approx([x / scale for x in native[:256]], abs=1e-6)


def test_base64_is_packed_little_endian_float32_of_the_same_numbers() -> None:
    (floats,) = vectors(FakeModel(), input="pack me")
    encoded = ok(
        FakeModel(), EMBEDDINGS, {"model": "text-embedding-3-small", "input": "pack me", "encoding_format": "base64"}
    )
    decoded = array("f")
    decoded.frombytes(base64.b64decode(encoded["data"][0]["embedding"]))
    assert decoded.tolist() == floats


def test_input_forms_and_usage() -> None:
    model = FakeModel()
    answer = ok(model, EMBEDDINGS, {"model": "text-embedding-3-small", "input": ["one two", "three"]})
    expected = count_tokens("one two") + count_tokens("three")
    assert answer["usage"] == {"prompt_tokens": expected, "total_tokens": expected}
    tokens = ok(model, EMBEDDINGS, {"model": "text-embedding-3-small", "input": [5, 6, 7]})
    assert len(tokens["data"]) == 1 and tokens["usage"]["prompt_tokens"] == 3
    arrays = ok(model, EMBEDDINGS, {"model": "text-embedding-3-small", "input": [[1, 2], [3, 4, 5]]})
    assert len(arrays["data"]) == 2 and arrays["usage"]["prompt_tokens"] == 5
    result = model.respond(EMBEDDINGS, {"model": "text-embedding-3-small", "input": "abc"})
    assert result.usage.input_tokens == 1 and result.usage.output_tokens == 0


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"dimensions": 1537}, "dimensions"),
        ({"dimensions": 0}, "dimensions"),
        ({"model": "text-embedding-ada-002", "dimensions": 512}, "dimensions"),
        ({"encoding_format": "int8"}, "encoding_format"),
        ({"input": ""}, "input"),
        ({"input": ["ok", ""]}, "input"),
        ({"input": [["x"]]}, "input"),
    ],
)
def test_bad_embedding_requests_are_400(body: dict[str, Any], param: str) -> None:
    result = FakeModel().respond(EMBEDDINGS, {"model": "text-embedding-3-small", "input": "x", **body})
    assert result.status_code == 400
    assert result.body["error"]["param"] == param
    assert result.body["error"]["type"] == "invalid_request_error"
