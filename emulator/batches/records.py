"""The shape of a batch record as the metadata store keeps it (kind "batches"), part by part.

A record is created by `BatchesService.create`, moved by the state machine (`batches.state`) and the timers
(`batches.lifecycle`), advanced line by line by the runner (`batches.runner`) and rendered on the wire by a
dialect. Fields a dialect adds for the engine's own use (`dialect`, `limits`, `webhook_url`) are optional;
a dialect's private state lives under its own store kind (see `BatchesService.dialect_state`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict

BatchStatus = Literal[
    "validating", "failed", "in_progress", "finalizing", "completed", "expired", "cancelling", "cancelled"
]
BatchEvent = Literal["validated", "invalid", "all_done", "finalized", "cancel", "drained", "deadline"]
LineTarget = Literal["output", "error", "none"]
CountsAs = Literal["completed", "failed"]


class RequestCounts(TypedDict):
    total: int
    completed: int
    failed: int


class Usage(TypedDict):
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    reasoning_tokens: int


class BatchError(TypedDict):
    """One entry of a failed batch's `errors` (the wire wraps them in a list object)."""

    code: str | None
    message: str | None
    param: str | None
    line: int | None


class PlanTiming(TypedDict):
    validating: float
    requests_per_second: float
    finalizing: float
    cancelling: float
    completion_window: float


class Plan(TypedDict):
    """What the scenario decided at create (`BatchPlan.to_dict()`)."""

    timing: PlanTiming
    fail_validation: list[BatchError] | None
    token_limit_exceeded: bool
    stuck_in: str | None
    cancel_refused: bool
    cancel_ignored: bool
    cancel_delay: float | None
    empty_string_file_ids: bool
    shuffle_output: bool
    shuffle_seed: int | None
    rule: str | None


class DelayedLine(TypedDict):
    """A line a scenario gave extra time: its result is decided, and written once the clock reaches `finish`."""

    finish: float
    line: int
    custom_id: str
    target: LineTarget
    counts_as: CountsAs
    text: str
    usage: list[int] | None  # input, cached, output, reasoning tokens
    rule: str | None


class Progress(TypedDict):
    """How far the runner got: where to read the input next and how much of the work files is committed."""

    cursor_offset: int
    cursor_line: int
    out_bytes: int
    err_bytes: int
    out_lines: int
    err_lines: int
    delayed: list[DelayedLine]


class BatchRecord(TypedDict):
    id: str
    endpoint: str
    input_file_id: str
    completion_window: str
    status: BatchStatus
    created_at: int
    expires_at: int
    errors: list[BatchError] | None
    output_file_id: str | None
    error_file_id: str | None
    request_counts: RequestCounts
    usage: Usage
    metadata: dict[str, str] | None
    model: str | None
    owner: str | None
    output_ttl: int | None
    scenario: str
    plan: Plan
    progress: Progress
    in_progress_at: int | None
    failed_at: int | None
    finalizing_at: int | None
    completed_at: int | None
    cancelling_at: int | None
    cancelled_at: int | None
    expired_at: int | None
    enqueued_tokens: NotRequired[int]
    dialect: NotRequired[str]  # absent for batches created through the OpenAI API
    limits: NotRequired[dict[str, int]]  # the dialect's validation limits
    webhook_url: NotRequired[str]  # a per-batch notification URL (Inference.net)
    lines_follow_endpoint: NotRequired[bool]  # every line goes to the batch endpoint, whatever its `url` (Nerif)


def dialect_of(record: BatchRecord) -> str:
    """The dialect a batch was created through ("openai" when none is recorded)."""
    return record.get("dialect", "openai")


def batch_error(
    *, code: str | None = None, message: str | None = None, param: str | None = None, line: int | None = None
) -> BatchError:
    return {"code": code, "message": message, "param": param, "line": line}


def error_of(error: Mapping[str, Any]) -> BatchError:
    """A BatchError from a scenario's error mapping (missing fields null, others dropped)."""
    return batch_error(
        code=error.get("code"), message=error.get("message"), param=error.get("param"), line=error.get("line")
    )
