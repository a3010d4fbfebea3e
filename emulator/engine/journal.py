"""The request journal: what every request was, how it was answered, and which scenario rule fired."""

from __future__ import annotations

from collections import deque
from typing import Any

MAX_ENTRIES = 10_000


class Journal:
    """A bounded list of entries, oldest first. Entries are plain JSON-able dicts."""

    def __init__(self, limit: int = MAX_ENTRIES) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)

    def add(self, entry: dict[str, Any]) -> dict[str, Any]:
        self._entries.append(entry)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()
