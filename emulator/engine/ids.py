"""Seeded, resettable id factory producing ids in the real API's shapes.

`file-` + 24 base62, `batch_` + 32 hex, `upload_` + 32 hex, `part_` + 32 hex, `video_` + 32 hex, and
Anthropic's request ids `req_011C` + 20 base62 (the shape of the `request-id` its API sends). The n-th id of a
kind is a hash of (seed, kind, n), so a run replays exactly, and the counters can be saved and restored so a
restarted server never hands out an id twice. Per-line ids (`batch_req_…`, and the `req_011C…` of an Anthropic
result line) use `derived_hex` instead, so they depend only on their inputs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ANTHROPIC_REQUEST_PREFIX = "req_011C"


def base62_of(digest: bytes, length: int) -> str:
    """The first `length` bytes of `digest` as base62 characters."""
    return "".join(BASE62[b % 62] for b in digest[:length])


class IdFactory:
    """Hands out ids from per-kind counters; `reset()` starts every counter again."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.counters: dict[str, int] = {}
        self.on_change: Callable[[dict[str, int]], None] | None = None

    def reset(self) -> None:
        self.counters = {}

    def restore(self, counters: dict[str, int]) -> None:
        self.counters = dict(counters)

    def _digest(self, kind: str) -> bytes:
        n = self.counters.get(kind, 0) + 1
        self.counters[kind] = n
        if self.on_change is not None:
            self.on_change(self.counters)
        return hashlib.blake2b(f"{self.seed}:{kind}:{n}".encode(), digest_size=32).digest()

    def _hex(self, kind: str) -> str:
        return self._digest(kind).hex()[:32]

    def _base62(self, kind: str, length: int) -> str:
        return base62_of(self._digest(kind), length)

    def file(self) -> str:
        return "file-" + self._base62("file", 24)

    def batch(self) -> str:
        return "batch_" + self._hex("batch")

    def upload(self) -> str:
        return "upload_" + self._hex("upload")

    def part(self) -> str:
        return "part_" + self._hex("part")

    def video(self) -> str:
        return "video_" + self._hex("video")

    def request(self) -> str:
        return ANTHROPIC_REQUEST_PREFIX + self._base62("request", 20)

    def uuid(self) -> str:
        h = self._hex("uuid")
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def derived_hex(*parts: str, n: int = 32) -> str:
    """A stable hex string that depends only on `parts` (for per-line ids)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=max(16, (n + 1) // 2)).hexdigest()
    return digest[:n]


def derived_anthropic_request_id(*parts: str) -> str:
    """An id in the shape of Anthropic's request ids (`req_011C` + 20 base62) that depends only on `parts`."""
    return ANTHROPIC_REQUEST_PREFIX + base62_of(bytes.fromhex(derived_hex(*parts, n=40)), 20)
