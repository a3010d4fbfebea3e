"""The batch state machine: which event moves which status where, and which timestamp it stamps. Pure."""

from __future__ import annotations

from typing import Any

TERMINAL = frozenset({"failed", "completed", "expired", "cancelled"})
CANCELLABLE = frozenset({"validating", "in_progress", "finalizing"})
ACTIVE = frozenset({"validating", "in_progress", "finalizing", "cancelling"})

TRANSITIONS: dict[tuple[str, str], str] = {
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

STAMP: dict[str, str] = {
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


def apply(record: dict[str, Any], event: str, at: float) -> dict[str, Any]:
    """Move `record` (in place) by `event` at time `at`; returns it."""
    target = TRANSITIONS.get((record["status"], event))
    if target is None:
        raise InvalidTransition(f"batch {record['id']}: no '{event}' transition from '{record['status']}'")
    record["status"] = target
    record[STAMP[target]] = int(at)
    return record
