"""Ids in the real API's shapes, the same for the same seed, different for another seed, never repeated after
a restart that restores the counters."""

from __future__ import annotations

import re

from emulator.engine.ids import IdFactory, derived_hex

SHAPES = {
    "file": r"file-[0-9A-Za-z]{24}",
    "batch": r"batch_[0-9a-f]{32}",
    "upload": r"upload_[0-9a-f]{32}",
    "part": r"part_[0-9a-f]{32}",
    "video": r"video_[0-9a-f]{32}",
    "request": r"req_011C[0-9A-Za-z]{20}",
    "uuid": r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}",
}


def _draw(ids: IdFactory, count: int = 3) -> dict[str, list[str]]:
    return {kind: [getattr(ids, kind)() for _ in range(count)] for kind in SHAPES}


def test_every_kind_has_the_real_shape_and_no_id_repeats():
    drawn = _draw(IdFactory(seed=7), count=50)
    for kind, values in drawn.items():
        assert all(re.fullmatch(SHAPES[kind], value) for value in values), kind
        assert len(set(values)) == len(values), kind


def test_the_same_seed_replays_the_same_ids_and_another_seed_does_not():
    assert _draw(IdFactory(seed=1)) == _draw(IdFactory(seed=1))
    assert _draw(IdFactory(seed=1))["batch"] != _draw(IdFactory(seed=2))["batch"]


def test_kinds_count_on_their_own():
    mixed = IdFactory(seed=3)
    mixed.file()
    mixed.upload()
    assert mixed.batch() == IdFactory(seed=3).batch()


def test_reset_starts_over_and_restored_counters_continue_where_they_stopped():
    ids = IdFactory(seed=5)
    first = [ids.file(), ids.file()]
    saved = dict(ids.counters)
    following = ids.file()
    ids.reset()
    assert [ids.file(), ids.file()] == first
    restarted = IdFactory(seed=5)
    restarted.restore(saved)
    assert restarted.file() == following


def test_on_change_receives_the_counters_after_each_id():
    ids = IdFactory()
    seen: list[dict[str, int]] = []
    ids.on_change = lambda counters: seen.append(dict(counters))
    ids.batch()
    ids.file()
    assert seen == [{"batch": 1}, {"batch": 1, "file": 1}]


def test_derived_hex_depends_only_on_its_parts():
    assert derived_hex("batch_1", "row-1") == derived_hex("batch_1", "row-1")
    assert derived_hex("batch_1", "row-1") != derived_hex("batch_1", "row-2")
    assert derived_hex("a", "bc") != derived_hex("ab", "c")
    assert re.fullmatch(r"[0-9a-f]{12}", derived_hex("x", n=12))
