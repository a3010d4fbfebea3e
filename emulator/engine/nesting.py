"""How deeply a parsed JSON value nests its arrays and objects, checked without recursion.

The fake model encodes every body it answers as canonical JSON, which orjson can do to 254 levels of
nesting; bodies are checked against a limit at or below that where they are parsed, so nothing deeper
reaches the model.
"""

from __future__ import annotations

from typing import Any

import orjson

JSON_DEPTH_CEILING = 254  # orjson encodes no deeper, and every answered body is encoded canonically
MSG_TOO_DEEP = "The request body is nested too deeply: more than {limit} levels of arrays and objects."


def nesting_exceeds(value: Any, limit: int) -> bool:
    """Whether `value` nests arrays and objects more than `limit` levels deep (`[]` is one level)."""
    if type(value) is not dict and type(value) is not list:
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        for child in node.values() if type(node) is dict else node:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
    return False


def raw_may_exceed(raw: bytes, limit: int) -> bool:
    """False when `raw` cannot nest deeper than `limit`: it has no more opening brackets than that."""
    return raw.count(b"[") + raw.count(b"{") > limit


def too_deep_to_encode(exc: orjson.JSONEncodeError) -> bool:
    """Whether orjson refused to encode a value because it nests deeper than JSON_DEPTH_CEILING."""
    return "recursion" in str(exc).lower()
