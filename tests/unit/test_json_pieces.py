"""`json_pieces`: a big answer encoded in pieces is byte for byte `orjson.dumps` of it, iterators are encoded
as lists computed while they are read, and no piece is much larger than one item."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from emulator.http.responses import SCALARS_AT_ONCE, json_pieces

FLOATS = [i / 7 - 3.5e-9 * i for i in range(10_000)]
VALUES: list[Any] = [
    {},
    [],
    {"a": []},
    {"data": [], "model": "m"},
    [1, "two", None, True, 2.5],
    FLOATS,
    FLOATS[: SCALARS_AT_ONCE * 2],
    {"object": "list", "data": [{"index": i, "embedding": FLOATS[:3000]} for i in range(20)], "usage": {"n": 1}},
    {f"key{i}": {"nested": list(range(i))} for i in range(40)},
    [[1, 2], [], {}, "x" * 1000, [{"deep": list(range(50))}] * 3] * 10,
    {"short": [list(range(30)), "s"], "ü ☃": "text"},
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_the_pieces_join_to_the_json_of_the_value(value: Any) -> None:
    assert b"".join(json_pieces(value)) == orjson.dumps(value)


def test_an_iterator_is_encoded_as_the_list_of_its_items_one_item_at_a_time() -> None:
    computed: list[int] = []

    def items() -> Iterator[dict[str, Any]]:
        for i in range(100):
            computed.append(i)
            yield {"index": i, "values": FLOATS[:10]}

    pieces = json_pieces({"object": "list", "data": items(), "empty": iter(()), "model": "m"})
    first = [next(pieces) for _ in range(3)]
    assert len(computed) <= 2  # items are computed as the pieces are taken, not all at once
    expected = {"object": "list", "data": [{"index": i, "values": FLOATS[:10]} for i in range(100)], "empty": []}
    assert b"".join(first + list(pieces)) == orjson.dumps({**expected, "model": "m"})
    assert computed == list(range(100))


def test_a_long_list_of_numbers_is_encoded_a_block_at_a_time() -> None:
    value = {"embedding": FLOATS * 10}
    pieces = list(json_pieces(value))
    assert len(pieces) >= len(value["embedding"]) // SCALARS_AT_ONCE
    assert max(map(len, pieces)) < len(orjson.dumps(value)) / 10
