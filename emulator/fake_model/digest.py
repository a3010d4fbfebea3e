"""Hashes that make every fake answer a pure function of its inputs.

Two digests per request:

* the *content digest* of (seed, endpoint, body without delivery options) picks words, tool
  choices and schema instances. Options that only change how an answer is delivered or cut
  (`stream`, `max_tokens`, `stop`, `n`, `logprobs`, `metadata`, ...) are left out, so a truncated
  or streamed answer is the same text as the full one;
* the *id key* of (seed, custom_id, whole canonical body) names the objects inside the answer
  (`chatcmpl-…`, `resp_…`, `msg_…`, `call_…`): BLAKE2b of the key and a kind joined by a unit separator, in
  hex (the same derivation as `emulator.engine.ids.derived_hex`, which this package does not import).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from typing import Any

import orjson

from emulator.engine.errors import InvalidRequest
from emulator.engine.nesting import JSON_DEPTH_CEILING, MSG_TOO_DEEP, too_deep_to_encode

DELIVERY_KEYS = frozenset(
    {
        "stream",
        "stream_options",
        "max_tokens",
        "max_completion_tokens",
        "max_output_tokens",
        "stop",
        "n",
        "logprobs",
        "top_logprobs",
        "include",
        "metadata",
        "user",
        "store",
        "safety_identifier",
        "prompt_cache_key",
        "prompt_cache_retention",
        "service_tier",
        "background",
        "truncation",
        "partial_images",
    }
)


def canonical(body: Mapping[str, Any]) -> bytes:
    """Key-sorted compact JSON of a request body (non-JSON values fall back to their `str`); a body nested
    deeper than orjson encodes is a 400."""
    return canonical_json(body if type(body) is dict else dict(body))


def canonical_json(value: Any) -> bytes:
    """Key-sorted compact JSON of any value, as `canonical` encodes a body's parts."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    except orjson.JSONEncodeError as exc:  # a batch line deeper than the HTTP parse limit allows: its own 400
        if too_deep_to_encode(exc):
            raise InvalidRequest(MSG_TOO_DEEP.format(limit=JSON_DEPTH_CEILING)) from None
        raise


def content_canonical(body: Mapping[str, Any]) -> bytes:
    """The canonical JSON of a body without its delivery options."""
    return canonical({k: v for k, v in body.items() if k not in DELIVERY_KEYS})


def content_digest(seed: int, endpoint: str, body: Mapping[str, Any]) -> bytes:
    """64 bytes that depend on (seed, endpoint, body minus delivery options)."""
    return digest_of(seed, endpoint, content_canonical(body))


ID_DIGEST_SIZE = 16  # bytes of the BLAKE2b behind the id key and the ids made from it
_CONTENT_STATE = hashlib.blake2b(digest_size=64, person=b"fake-model-text")


def content_hasher() -> Any:
    """A fresh BLAKE2b state for a content digest: feed it the content, then `digest_suffix`."""
    return _CONTENT_STATE.copy()


def digest_suffix(seed: int, endpoint: str) -> bytes:
    """What a content digest hashes after the content."""
    return b"\x1f%d\x1f%s" % (seed, endpoint.encode())


def digest_of(seed: int, endpoint: str, content: bytes) -> bytes:
    """The content digest, given the canonical JSON of the body without its delivery options."""
    h = _CONTENT_STATE.copy()
    h.update(content)
    h.update(digest_suffix(seed, endpoint))
    return h.digest()


def hex_of(text: str, n: int) -> str:
    """`n` hex digits of the BLAKE2b of `text` (at least 16 bytes of digest)."""
    return hashlib.blake2b(text.encode(), digest_size=max(16, (n + 1) // 2)).hexdigest()[:n]


def sub_digest(digest: bytes, label: str | int) -> bytes:
    """A fresh 64-byte digest derived from `digest` and a label (per choice, per tool, ...)."""
    return hashlib.blake2b(digest + str(label).encode(), digest_size=64).digest()


def rng_for(digest: bytes) -> random.Random:
    """A seeded generator for the slower, structured parts (schema instances, tool arguments)."""
    return random.Random(int.from_bytes(digest[:16], "little"))


class IdMaker:
    """Derives the ids inside one answer from (seed, custom_id, canonical body)."""

    __slots__ = ("_key",)

    def __init__(self, seed: int, custom_id: str | None, canonical_body: bytes) -> None:
        key = hashlib.blake2b(canonical_body, digest_size=ID_DIGEST_SIZE).hexdigest()
        self._key = f"{key}|{seed}|{custom_id or ''}"

    def hex(self, kind: str, n: int = 32) -> str:
        return hex_of(f"{self._key}\x1f{kind}", n)
