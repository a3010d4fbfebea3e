"""`POST /v1/embeddings`: unit-length vectors that depend only on (model, input text, dimensions).

Each byte of SHAKE-256 output of (model, text) picks one of 256 points on a circle of radius
sqrt(2 / dimensions) and contributes that point's two coordinates (an odd last coordinate is
±sqrt(1 / dimensions)), so every vector has length 1 by construction and needs no per-element
arithmetic. SHAKE output is prefix-stable, so asking for fewer even `dimensions` gives the first
coordinates of the native vector, renormalised, as the real API does for shortened embeddings.
Values are float32, so the `float` and `base64` (little-endian float32) encodings decode to the
same numbers. Token-array inputs embed their token ids' text.
"""

from __future__ import annotations

import base64
import hashlib
import math
import struct
from array import array
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

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


@lru_cache(maxsize=1024)
def embed(model: str, text: str, dimensions: int) -> array[float]:
    """The float32 unit vector for `text` (cached: the same text always embeds the same)."""
    pairs = dimensions // 2
    raw = hashlib.shake_256(f"{model}\x1f{text}".encode()).digest(pairs + 1)
    chosen = raw[:pairs]
    packed = bytearray(8 * pairs)
    for j, table in enumerate(_byte_tables(dimensions)):
        packed[j::8] = chosen.translate(table)
    if dimensions % 2:
        last = math.sqrt(1.0 / dimensions)
        packed += struct.pack("<f", last if raw[pairs] & 1 else -last)
    vector = array("f")
    vector.frombytes(packed)
    if not _LITTLE_ENDIAN:
        vector.byteswap()
    return vector


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
    data = [
        {"object": "embedding", "index": i, "embedding": encode(embed(model, text, dimensions), encoding)}
        for i, (text, _) in enumerate(items)
    ]
    prompt_tokens = sum(tokens for _, tokens in items)
    out = {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }
    return ModelResult(200, out, TokenUsage(prompt_tokens, 0, 0, 0))
