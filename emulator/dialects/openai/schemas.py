"""Pydantic models of every wire object the OpenAI dialect sends: files, uploads, batches, lists, errors.

Domain records are plain dicts; these models describe and check what goes on the wire. Optional
fields are always sent, as explicit nulls, the way the real API sends them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

BatchStatus = Literal[
    "validating", "failed", "in_progress", "finalizing", "completed", "expired", "cancelling", "cancelled"
]
UploadStatus = Literal["pending", "completed", "cancelled", "expired"]

class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FileObject(Wire):
    id: str
    object: Literal["file"] = "file"
    bytes: int
    created_at: int
    filename: str
    purpose: str
    status: Literal["uploaded", "processed", "error"] = "processed"
    expires_at: int | None = None
    status_details: str | None = None


class FileDeleted(Wire):
    id: str
    object: Literal["file"] = "file"
    deleted: bool = True


class FileList(Wire):
    object: Literal["list"] = "list"
    data: list[FileObject]
    first_id: str | None
    last_id: str | None
    has_more: bool


class Upload(Wire):
    id: str
    object: Literal["upload"] = "upload"
    bytes: int
    created_at: int
    filename: str
    purpose: str
    status: UploadStatus
    expires_at: int
    file: FileObject | None = None


class UploadPart(Wire):
    id: str
    object: Literal["upload.part"] = "upload.part"
    created_at: int
    upload_id: str


class BatchError(Wire):
    code: str | None
    message: str | None
    param: str | None = None
    line: int | None = None


class BatchErrors(Wire):
    object: Literal["list"] = "list"
    data: list[BatchError]


class BatchRequestCounts(Wire):
    total: int
    completed: int
    failed: int


class InputTokensDetails(Wire):
    cached_tokens: int


class OutputTokensDetails(Wire):
    reasoning_tokens: int


class BatchUsage(Wire):
    input_tokens: int
    input_tokens_details: InputTokensDetails
    output_tokens: int
    output_tokens_details: OutputTokensDetails
    total_tokens: int


class Batch(Wire):
    id: str
    object: Literal["batch"] = "batch"
    endpoint: str
    model: str | None = None
    errors: BatchErrors | None = None
    input_file_id: str
    completion_window: str
    status: BatchStatus
    output_file_id: str | None = None
    error_file_id: str | None = None
    created_at: int
    in_progress_at: int | None = None
    expires_at: int | None = None
    finalizing_at: int | None = None
    completed_at: int | None = None
    failed_at: int | None = None
    expired_at: int | None = None
    cancelling_at: int | None = None
    cancelled_at: int | None = None
    request_counts: BatchRequestCounts | None = None
    usage: BatchUsage | None = None
    metadata: dict[str, str] | None = None


class BatchList(Wire):
    object: Literal["list"] = "list"
    data: list[Batch]
    first_id: str | None
    last_id: str | None
    has_more: bool


class ErrorDetail(Wire):
    message: str
    type: str
    param: str | None
    code: str | None


class ErrorResponse(Wire):
    error: ErrorDetail


class BatchOutputResponse(Wire):
    status_code: int
    request_id: str
    body: dict[str, Any]


class BatchLineError(Wire):
    code: str
    message: str


class BatchOutputLine(Wire):
    """One line of a batch output or error file."""

    id: str
    custom_id: str
    response: BatchOutputResponse | None
    error: BatchLineError | None
