"""`POST /v1/embeddings`: unit-length vectors that depend only on (model, input text, dimensions).

Each byte of SHAKE-256 output of (model, text) picks one of 256 points on a circle of radius
sqrt(2 / dimensions) and contributes that point's two coordinates (an odd last coordinate is
±sqrt(1 / dimensions)), so every vector has length 1 by construction and needs no per-element
arithmetic. SHAKE output is prefix-stable, so asking for fewer even `dimensions` gives the first
coordinates of the native vector, renormalised, as the real API does for shortened embeddings.
Values are float32, so the `float` and `base64` (little-endian float32) encodings decode to the
same numbers. Token-array inputs embed their token ids' text.

An answer computed lazily (`Call.lazy`, for a big synchronous call sent while it is computed) yields its
items one at a time, and writes each `float` vector straight to JSON from a table of the 256 coordinate
pairs' JSON text, the same bytes `orjson` gives for the list of floats, without making a float object.
"""

from __future__ import annotations

import base64
import hashlib
import math
import struct
from array import array
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import orjson

from emulator.engine.errors import InvalidRequest
from emulator.fake_model.catalogue import (
    DEFAULT_EMBEDDING_DIMENSIONS,
    FIXED_DIMENSION_MODELS,
    NATIVE_EMBEDDING_DIMENSIONS,
    context_window,
)
from emulator.fake_model.context import Call
from emulator.fake_model.result import ModelResult, TokenUsage
from emulator.fake_model.tokens import count_tokens

EMBEDDING_CONTEXT = 8192
_LITTLE_ENDIAN = array("f", [1.0]).tobytes() == b"\x00\x00\x80?"


class EmbeddingSizes:
    """Native vector size per model: the known models, overrides, and 1536 for anything else."""

    def __init__(self, overrides: Mapping[str, int] | None = None) -> None:
        self._sizes = {**NATIVE_EMBEDDING_DIMENSIONS, **dict(overrides or {})}

    def native(self, model: str) -> int:
        return self._sizes.get(model, DEFAULT_EMBEDDING_DIMENSIONS)


@lru_cache(maxsize=64)
def _byte_tables(dimensions: int) -> tuple[bytes, ...]:
    """Eight 256-byte translation tables: table j maps a byte to byte j of its float32 coordinate pair.

    The pair for byte k is the point at angle 2π(k + 0.5)/256 on a circle of radius sqrt(2 / dimensions).
    """
    radius = math.sqrt(2.0 / dimensions)
    angles = [2.0 * math.pi * (k + 0.5) / 256.0 for k in range(256)]
    pairs = [struct.pack("<ff", radius * math.cos(a), radius * math.sin(a)) for a in angles]
    return tuple(bytes(pair[j] for pair in pairs) for j in range(8))


def _choices(model: str, text: str, dimensions: int) -> bytes:
    """The SHAKE-256 bytes of (model, text) that pick the vector's points: one a pair, and one for the sign of
    an odd last coordinate."""
    return hashlib.shake_256(f"{model}\x1f{text}".encode()).digest(dimensions // 2 + 1)


def _odd_last(dimensions: int, choice: int) -> bytes:
    """The float32 bytes of the last coordinate of an odd-sized vector: ±sqrt(1 / dimensions)."""
    last = math.sqrt(1.0 / dimensions)
    return struct.pack("<f", last if choice & 1 else -last)


@lru_cache(maxsize=1024)
def embed(model: str, text: str, dimensions: int) -> array[float]:
    """The float32 unit vector for `text` (cached: the same text always embeds the same)."""
    pairs = dimensions // 2
    raw = _choices(model, text, dimensions)
    chosen = raw[:pairs]
    packed = bytearray(8 * pairs)
    for j, table in enumerate(_byte_tables(dimensions)):
        packed[j::8] = chosen.translate(table)
    if dimensions % 2:
        packed += _odd_last(dimensions, raw[pairs])
    vector = array("f")
    vector.frombytes(packed)
    if not _LITTLE_ENDIAN:
        vector.byteswap()
    return vector


@lru_cache(maxsize=64)
def _json_tables(dimensions: int) -> tuple[tuple[bytes, ...], tuple[bytes, bytes]]:
    """The JSON text ("x,y") of the coordinate pair each byte picks, and of the odd last coordinate (negative,
    positive): what `orjson` writes for those float32 values."""
    tables = _byte_tables(dimensions)
    pairs = tuple(
        b"%s,%s" % tuple(orjson.dumps(x) for x in struct.unpack("<ff", bytes(table[k] for table in tables)))
        for k in range(256)
    )
    last = tuple(orjson.dumps(struct.unpack("<f", _odd_last(dimensions, sign))[0]) for sign in (0, 1))
    return pairs, (last[0], last[1])


def vector_json(model: str, text: str, dimensions: int) -> bytes:
    """`orjson.dumps(embed(model, text, dimensions).tolist())`, byte for byte, written from the JSON tables."""
    pairs, last = _json_tables(dimensions)
    raw = _choices(model, text, dimensions)
    count = dimensions // 2
    parts = list(map(pairs.__getitem__, raw[:count]))
    if dimensions % 2:
        parts.append(last[raw[count] & 1])
    return b"[" + b",".join(parts) + b"]"


def encode(vector: array[float], encoding: str) -> list[float] | str:
    if encoding == "base64":
        packed = vector if _LITTLE_ENDIAN else _swapped(vector)
        return base64.b64encode(packed.tobytes()).decode()
    return vector.tolist()


def _swapped(vector: array[float]) -> array[float]:
    copy = array("f", vector)
    copy.byteswap()
    return copy


def inputs_of(value: Any) -> list[tuple[str, int]]:
    """Each input as (text to embed, token count)."""
    if isinstance(value, str):
        return [(value, count_tokens(value))]
    if value and all(isinstance(t, int) and not isinstance(t, bool) for t in value):
        return [(" ".join(map(str, value)), len(value))]
    out: list[tuple[str, int]] = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            if not item:
                raise _bad_input(i)
            out.append((item, count_tokens(item)))
        elif isinstance(item, list) and item and all(isinstance(t, int) and not isinstance(t, bool) for t in item):
            out.append((" ".join(map(str, item)), len(item)))
        else:
            raise _bad_input(i)
    return out


def _bad_input(index: int) -> InvalidRequest:
    return InvalidRequest(
        f"'$.input[{index}]' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        param="input",
        code="invalid_value",
    )


def answer_embeddings(call: Call, sizes: EmbeddingSizes) -> ModelResult:
    body = call.body
    model = call.model
    native = sizes.native(model)
    requested = body.get("dimensions")
    if requested is not None:
        if model in FIXED_DIMENSION_MODELS:
            raise InvalidRequest(
                "This model does not support specifying dimensions.", param="dimensions", code="invalid_value"
            )
        if requested > native:
            raise InvalidRequest(
                f"This model's maximum embedding dimension is {native}, but {requested} were requested.",
                param="dimensions",
                code="invalid_value",
            )
    dimensions = requested or native
    encoding = body.get("encoding_format") or "float"
    items = inputs_of(body["input"])
    limit = min(EMBEDDING_CONTEXT, context_window(model))
    for i, (_, tokens) in enumerate(items):
        if tokens > limit:
            raise InvalidRequest(
                f"This model's maximum context length is {limit} tokens, however you requested {tokens} tokens "
                f"in input[{i}]. Please reduce your prompt.",
                param="input",
                code="context_length_exceeded",
            )
    data = _items(model, [text for text, _ in items], dimensions, encoding, lazy=call.lazy)
    prompt_tokens = sum(tokens for _, tokens in items)
    out = {
        "object": "list",
        "data": data if call.lazy else list(data),
        "model": model,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }
    return ModelResult(200, out, TokenUsage(prompt_tokens, 0, 0, 0))


def _items(model: str, texts: list[str], dimensions: int, encoding: str, *, lazy: bool) -> Iterator[dict[str, Any]]:
    """The `data` items, computed one at a time (a lazy `float` answer carries its vectors as JSON fragments)."""
    for i, text in enumerate(texts):
        if lazy and encoding == "float":
            value: Any = orjson.Fragment(vector_json(model, text, dimensions))
        else:
            value = encode(embed(model, text, dimensions), encoding)
        yield {"object": "embedding", "index": i, "embedding": value}
