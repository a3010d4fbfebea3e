"""The dashboard's view of records: phases as time spans in lifecycle order, each dialect's own id, journal
filters, and the first lines of a file without reading all of it."""

from __future__ import annotations

from emulator.http import ui_views

T0 = 1_767_225_600


def record(status: str, **stamps: int) -> dict:
    return {"id": "batch_" + "ab" * 16, "status": status, "created_at": T0, **stamps}


def test_an_expired_batch_ends_its_last_phase_at_the_deadline():
    expired = record("expired", in_progress_at=T0 + 2, expired_at=T0 + 86400)
    spans, ended = ui_views.segments(expired, now=T0 + 90000)
    assert [(s["phase"], s["end"] - s["start"]) for s in spans] == [("validating", 2), ("in_progress", 86398)]
    assert ended == {"status": "expired", "at": T0 + 86400}


def test_phases_stamped_in_the_same_second_keep_their_lifecycle_order():
    cancelled = record("cancelled", in_progress_at=T0, cancelling_at=T0, cancelled_at=T0 + 2)
    spans, _ = ui_views.segments(cancelled, now=T0 + 5)
    assert [s["phase"] for s in spans] == ["validating", "in_progress", "cancelling"]
    assert spans[-1] == {"phase": "cancelling", "start": T0, "end": T0 + 2}


def test_an_active_phase_runs_until_now():
    spans, ended = ui_views.segments(record("validating"), now=T0 + 1.5)
    assert spans == [{"phase": "validating", "start": T0, "end": T0 + 1.5}] and ended is None


def test_dialect_batches_show_their_own_ids():
    engine_id = "batch_" + "0123456789abcdef" * 2
    assert ui_views.own_id({"id": engine_id, "dialect": "anthropic"}) == "msgbatch_" + "0123456789abcdef" * 2
    assert ui_views.own_id({"id": engine_id, "dialect": "mistral"}) == "01234567-89ab-cdef-0123-456789abcdef"
    assert ui_views.own_id({"id": engine_id, "dialect": "groq"}) == engine_id
    assert ui_views.own_id({"id": engine_id}) == engine_id


def test_journal_filters_combine():
    entries = [
        {"method": "GET", "path": "/v1/files", "status": 200, "rule": None},
        {"method": "POST", "path": "/v1/batches", "status": 429, "rule": "http[0]"},
        {"kind": "line", "batch_id": "batch_1", "line": 3, "rule": "lines[0]"},
    ]
    page = ui_views.journal_page(entries, {"status": "4xx", "method": "post"}, 0, 50)
    assert [e["seq"] for e in page["data"]] == [1]
    assert [e["seq"] for e in ui_views.journal_page(entries, {"rule": "*"}, 0, 50)["data"]] == [2, 1]
    assert [e["seq"] for e in ui_views.journal_page(entries, {"method": "line"}, 0, 50)["data"]] == [2]
    assert ui_views.journal_page(entries, {}, 1, 1) == {
        "total": 3,
        "offset": 1,
        "limit": 1,
        "data": [{"seq": 1, **entries[1]}],
    }


def test_head_lines_cut_long_lines_and_stop_early(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_bytes(b"x" * 10_000 + b"\nshort\n" + b"more\n" * 100)
    lines = ui_views.head_lines(path, lines=3, width=100)
    assert lines == ["x" * 100 + "…", "short", "more"]
    assert ui_views.head_lines(tmp_path / "missing") == []


def test_a_line_cut_by_bytes_is_marked_even_when_its_characters_fit(tmp_path):
    path = tmp_path / "wide.jsonl"
    path.write_text("\U0001f600" * 150 + "\nlast line without newline", encoding="utf-8")  # 4 bytes each
    assert ui_views.head_lines(path, lines=5, width=100) == ["\U0001f600" * 100 + "…", "last line without newline"]
