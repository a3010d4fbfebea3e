"""API keys as the admin API and the journal show them: the first characters and the last four, never the
whole key (`sk-...abcd`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SHOWN_PREFIX = 3
SHOWN_SUFFIX = 4
KEY_FIELDS = ("owner",)


def redact_key(key: str) -> str:
    """`key` with its middle hidden; a key too short to show any of it safely is hidden entirely."""
    if len(key) < 2 * (SHOWN_PREFIX + SHOWN_SUFFIX):
        return "..." + key[-2:] if len(key) > 8 else "..."
    return f"{key[:SHOWN_PREFIX]}...{key[-SHOWN_SUFFIX:]}"


def redact_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A shallow copy of `record` whose API key fields are redacted."""
    copy = dict(record)
    for name in KEY_FIELDS:
        if isinstance(copy.get(name), str):
            copy[name] = redact_key(copy[name])
    return copy
