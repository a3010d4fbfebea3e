"""Cursor pages over records already in listing order, as the OpenAI list endpoints return them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

R = TypeVar("R", bound=Mapping[str, Any])


def cursor_page(records: Sequence[R], *, limit: int, after: str | None) -> tuple[list[R], bool]:
    """Up to `limit` records following the one whose id is `after` (all of them without `after`; none when no
    record has that id), and whether more follow."""
    rest = list(records)
    if after is not None:
        positions = [i for i, record in enumerate(rest) if record["id"] == after]
        rest = rest[positions[0] + 1 :] if positions else []
    return rest[:limit], len(rest) > limit
