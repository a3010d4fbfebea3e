"""The request journal: what every request was, how it was answered, and which scenario rule fired.

Bounded twice: by entry count and by the bytes its entries take as JSON, the oldest entries leaving first.
A header or query value longer than `MAX_VALUE_CHARS` is cut to that length and the entry is marked
`"truncated": true`. Every entry added since the last clear has a sequence number, so readers can page
through the journal with `page(after=..., limit=...)`.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import orjson

MAX_ENTRIES = 10_000
MAX_BYTES = 32 * 1024 * 1024
MAX_VALUE_CHARS = 1024
TRUNCATED_MARK = "…[truncated]"
CAPPED_FIELDS = ("query", "headers")


def _capped(values: dict[str, Any]) -> dict[str, Any] | None:
    """`values` with each over-long string cut to MAX_VALUE_CHARS and marked; None when none was too long."""
    if not any(isinstance(v, str) and len(v) > MAX_VALUE_CHARS for v in values.values()):
        return None
    return {name: _cut(value) if isinstance(value, str) else value for name, value in values.items()}


def _cut(text: str) -> str:
    return text[:MAX_VALUE_CHARS] + TRUNCATED_MARK if len(text) > MAX_VALUE_CHARS else text


def _cap(entry: dict[str, Any]) -> None:
    for name in CAPPED_FIELDS:
        values = entry.get(name)
        if isinstance(values, dict) and (capped := _capped(values)) is not None:
            entry[name] = capped
            entry["truncated"] = True
    path = entry.get("path")
    if isinstance(path, str) and len(path) > MAX_VALUE_CHARS:
        entry["path"] = _cut(path)
        entry["truncated"] = True


class Journal:
    """A bounded list of entries, oldest first. Entries are plain JSON-able dicts."""

    def __init__(self, limit: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self._limit = limit
        self._max_bytes = max_bytes
        self._entries: deque[tuple[int, int, dict[str, Any]]] = deque()  # (sequence, size, entry)
        self._bytes = 0
        self._next = 0

    def add(self, entry: dict[str, Any]) -> dict[str, Any]:
        _cap(entry)
        size = len(orjson.dumps(entry, default=str))
        self._entries.append((self._next, size, entry))
        self._next += 1
        self._bytes += size
        while len(self._entries) > self._limit or (self._bytes > self._max_bytes and len(self._entries) > 1):
            self._bytes -= self._entries.popleft()[1]
        return entry

    def entries(self) -> list[dict[str, Any]]:
        return [entry for _, _, entry in self._entries]

    def page(self, after: int | None = None, limit: int | None = None) -> tuple[list[tuple[int, dict[str, Any]]], bool]:
        """Up to `limit` (sequence, entry) pairs after the sequence number `after`, oldest first, and whether
        more follow."""
        start = 0
        if after is not None and self._entries:
            start = max(0, min(len(self._entries), after + 1 - self._entries[0][0]))
        selected: list[tuple[int, dict[str, Any]]] = []
        for index in range(start, len(self._entries)):
            if limit is not None and len(selected) == limit:
                return selected, True
            sequence, _, entry = self._entries[index]
            selected.append((sequence, entry))
        return selected, False

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
        self._next = 0
