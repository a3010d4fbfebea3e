"""OpenAI wire shapes for the engine's records: files, uploads, parts, batches, list pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from emulator.batches.records import BatchRecord
from emulator.files.records import FileRecord, PartRecord, UploadRecord

BATCH_TIMESTAMPS = (
    "in_progress_at",
    "expires_at",
    "finalizing_at",
    "completed_at",
    "failed_at",
    "expired_at",
    "cancelling_at",
    "cancelled_at",
)


def file_wire(record: FileRecord) -> dict[str, Any]:
    return {
        "id": record["id"],
        "object": "file",
        "bytes": record["bytes"],
        "created_at": record["created_at"],
        "filename": record["filename"],
        "purpose": record["purpose"],
        "status": record.get("status", "processed"),
        "expires_at": record.get("expires_at"),
        "status_details": None,
    }


def list_wire(data: Sequence[Mapping[str, Any]], has_more: bool) -> dict[str, Any]:
    """A cursor page: the items plus first/last ids (null on an empty page) and has_more."""
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": has_more,
    }


def file_list_wire(records: list[FileRecord], has_more: bool) -> dict[str, Any]:
    return list_wire([file_wire(record) for record in records], has_more)


def upload_wire(record: UploadRecord, file: FileRecord | None) -> dict[str, Any]:
    return {
        "id": record["id"],
        "object": "upload",
        "bytes": record["bytes"],
        "created_at": record["created_at"],
        "filename": record["filename"],
        "purpose": record["purpose"],
        "status": record["status"],
        "expires_at": record["expires_at"],
        "file": file_wire(file) if file is not None else None,
    }


def part_wire(record: PartRecord) -> dict[str, Any]:
    return {
        "id": record["id"],
        "object": "upload.part",
        "created_at": record["created_at"],
        "upload_id": record["upload_id"],
    }


def batch_wire(record: BatchRecord) -> dict[str, Any]:
    counts = record["request_counts"]
    usage = record["usage"]
    errors = record.get("errors")
    wire: dict[str, Any] = {
        "id": record["id"],
        "object": "batch",
        "endpoint": record["endpoint"],
        "model": record.get("model"),
        "errors": {"object": "list", "data": errors} if errors else None,
        "input_file_id": record["input_file_id"],
        "completion_window": record["completion_window"],
        "status": record["status"],
        "output_file_id": record.get("output_file_id"),
        "error_file_id": record.get("error_file_id"),
        "created_at": record["created_at"],
    }
    for field in BATCH_TIMESTAMPS:
        wire[field] = record.get(field)
    wire["request_counts"] = {"total": counts["total"], "completed": counts["completed"], "failed": counts["failed"]}
    wire["usage"] = {
        "input_tokens": usage["input_tokens"],
        "input_tokens_details": {"cached_tokens": usage["cached_tokens"]},
        "output_tokens": usage["output_tokens"],
        "output_tokens_details": {"reasoning_tokens": usage["reasoning_tokens"]},
        "total_tokens": usage["input_tokens"] + usage["output_tokens"],
    }
    wire["metadata"] = record.get("metadata")
    return wire


def batch_list_wire(records: list[BatchRecord], has_more: bool) -> dict[str, Any]:
    return list_wire([batch_wire(record) for record in records], has_more)
