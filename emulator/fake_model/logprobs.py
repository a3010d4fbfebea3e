"""Deterministic log-probabilities for generated tokens (chat `logprobs`, responses output_text logprobs)."""

from __future__ import annotations

from typing import Any

from emulator.fake_model.digest import sub_digest
from emulator.fake_model.text import WORDS


def token_logprobs(pieces: list[str], digest: bytes, top: int) -> list[dict[str, Any]]:
    """One entry per token: the token, its UTF-8 bytes, a logprob in (-2, 0] and `top` alternatives.

    The first alternative is the token itself; the others are dictionary words with lower logprobs.
    """
    out: list[dict[str, Any]] = []
    source = sub_digest(digest, "logprobs")
    for i, piece in enumerate(pieces):
        if i and i % 60 == 0:
            source = sub_digest(source, i)
        b = source[i % 60]
        logprob = -round(b / 128.0, 6)
        alternatives: list[dict[str, Any]] = []
        if top:
            alternatives.append({"token": piece, "bytes": list(piece.encode()), "logprob": logprob})
            for k in range(1, top):
                word = " " + WORDS[(b + 37 * k) & 255]
                alternatives.append(
                    {"token": word, "bytes": list(word.encode()), "logprob": round(logprob - k - 0.5, 6)}
                )
        out.append({"token": piece, "bytes": list(piece.encode()), "logprob": logprob, "top_logprobs": alternatives})
    return out
