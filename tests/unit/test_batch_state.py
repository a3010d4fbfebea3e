"""The batch state machine on its own: which event moves which status where, the timestamp each move stamps,
and the moves it refuses (a refused move is a bug in the emulator, never a client's error)."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.batches import state
from emulator.batches.state import InvalidTransition, apply

START = 1_767_225_600.0


def _batch(status: str) -> Any:
    return {"id": "batch_1", "status": status}


def _walk(*events: str, start: str = "validating") -> Any:
    record = _batch(start)
    for step, event in enumerate(events, start=1):
        apply(record, event, START + step + 0.75)
    return record


def test_a_batch_that_runs_to_the_end_passes_every_status_and_stamps_each_in_whole_seconds():
    record = _walk("validated", "all_done", "finalized")
    assert record["status"] == "completed"
    assert (record["in_progress_at"], record["finalizing_at"], record["completed_at"]) == (
        int(START) + 1,
        int(START) + 2,
        int(START) + 3,
    )


def test_apply_changes_the_record_in_place_and_returns_it():
    record = _batch("validating")
    assert apply(record, "validated", START) is record


@pytest.mark.parametrize("status", ["validating", "in_progress", "finalizing"])
def test_a_running_batch_can_be_cancelled_then_drained_to_cancelled(status):
    record = _walk("cancel", "drained", start=status)
    assert record["status"] == "cancelled"
    assert record["cancelling_at"] == int(START) + 1 and record["cancelled_at"] == int(START) + 2


@pytest.mark.parametrize("status", ["validating", "in_progress", "finalizing"])
def test_a_running_batch_expires_at_its_deadline(status):
    record = _walk("deadline", start=status)
    assert (record["status"], record["expired_at"]) == ("expired", int(START) + 1)


@pytest.mark.parametrize("status", ["validating", "in_progress"])
def test_an_invalid_input_fails_a_batch_that_has_not_finished_its_lines(status):
    record = _walk("invalid", start=status)
    assert (record["status"], record["failed_at"]) == ("failed", int(START) + 1)


@pytest.mark.parametrize("status", sorted(state.TERMINAL))
@pytest.mark.parametrize("event", ["validated", "invalid", "all_done", "finalized", "cancel", "drained", "deadline"])
def test_a_finished_batch_moves_no_more(status, event):
    record = _batch(status)
    with pytest.raises(InvalidTransition, match=f"no '{event}' transition from '{status}'"):
        apply(record, event, START)
    assert record == _batch(status)


@pytest.mark.parametrize(
    ("status", "event"),
    [("validating", "all_done"), ("in_progress", "finalized"), ("cancelling", "cancel"), ("cancelling", "deadline")],
)
def test_an_event_out_of_order_is_refused_and_leaves_the_record_alone(status, event):
    record = _batch(status)
    with pytest.raises(InvalidTransition):
        apply(record, event, START)
    assert record == _batch(status)


def test_the_status_sets_agree_with_the_transitions():
    sources = {source for source, _event in state.TRANSITIONS}
    targets = set(state.TRANSITIONS.values())
    assert state.TERMINAL.isdisjoint(sources)
    assert targets >= state.TERMINAL
    assert {source for source, event in state.TRANSITIONS if event == "cancel"} == state.CANCELLABLE
    assert sources == state.ACTIVE
    assert set(state.STAMP) == targets
