"""The batch state machine: which event moves which status where, and which timestamp it stamps. Pure."""

from __future__ import annotations

from typing import Any, cast

from emulator.batches.records import BatchEvent, BatchRecord, BatchStatus

TERMINAL: frozenset[BatchStatus] = frozenset({"failed", "completed", "expired", "cancelled"})
CANCELLABLE: frozenset[BatchStatus] = frozenset({"validating", "in_progress", "finalizing"})
ACTIVE: frozenset[BatchStatus] = frozenset({"validating", "in_progress", "finalizing", "cancelling"})

TRANSITIONS: dict[tuple[BatchStatus, BatchEvent], BatchStatus] = {
    ("validating", "validated"): "in_progress",
    ("validating", "invalid"): "failed",
    ("in_progress", "invalid"): "failed",
    ("in_progress", "all_done"): "finalizing",
    ("finalizing", "finalized"): "completed",
    ("validating", "cancel"): "cancelling",
    ("in_progress", "cancel"): "cancelling",
    ("finalizing", "cancel"): "cancelling",
    ("cancelling", "drained"): "cancelled",
    ("validating", "deadline"): "expired",
    ("in_progress", "deadline"): "expired",
    ("finalizing", "deadline"): "expired",
}

STAMP: dict[BatchStatus, str] = {
    "in_progress": "in_progress_at",
    "failed": "failed_at",
    "finalizing": "finalizing_at",
    "completed": "completed_at",
    "cancelling": "cancelling_at",
    "cancelled": "cancelled_at",
    "expired": "expired_at",
}


class InvalidTransition(RuntimeError):
    """An event that the batch's status does not allow: a bug, never a client error."""


def stamp(record: BatchRecord, status: BatchStatus) -> int | None:
    """When the batch entered `status` (None if it has not, or for `validating`, which has no timestamp)."""
    field = STAMP.get(status)
    return None if field is None else cast("int | None", cast("dict[str, Any]", record)[field])


def apply(record: BatchRecord, event: BatchEvent, at: float) -> BatchRecord:
    """Move `record` (in place) by `event` at time `at`; returns it."""
    target = TRANSITIONS.get((record["status"], event))
    if target is None:
        raise InvalidTransition(f"batch {record['id']}: no '{event}' transition from '{record['status']}'")
    record["status"] = target
    cast("dict[str, Any]", record)[STAMP[target]] = int(at)  # STAMP names one of the record's timestamp fields
    return record
