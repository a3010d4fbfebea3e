"""Mistral batch jobs (`/v1/batch/jobs`) and files on the engine, following the `mistralai` SDK's models.

A job takes `input_files` (lines `{custom_id, body}`) or inline `requests`; both become one internal
OpenAI-format input file with `method`, `url` and, where a line has none, the job's `model`. Job ids are
UUIDs made from the engine's batch ids; `timeout_hours` sets the window. Output lines stay OpenAI's, which
carry every field the SDK reads (`custom_id`, `response.status_code`, `response.body`, `error`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TypedDict, cast

import orjson

from emulator.batches.input_files import is_internal
from emulator.batches.records import BatchRecord
from emulator.batches.service import RESULT_FIELDS, BatchesService
from emulator.batches.state import TERMINAL, stamp
from emulator.dialects.base import Dialect
from emulator.engine.errors import InvalidRequest, NotFound, invalid_type, invalid_value, missing_parameter
from emulator.engine.params import as_int, as_string, metadata
from emulator.files.records import FileRecord
from emulator.files.service import FilesService

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
STATUS = {
    "validating": "QUEUED",
    "in_progress": "RUNNING",
    "finalizing": "RUNNING",
    "completed": "SUCCESS",
    "failed": "FAILED",
    "expired": "TIMEOUT_EXCEEDED",
    "cancelling": "CANCELLATION_REQUESTED",
    "cancelled": "CANCELLED",
}
PURPOSES = ("fine-tune", "batch", "ocr", "agentic_safety")
MAX_TIMEOUT_HOURS = 168
KNOWN_FIELDS = {"endpoint", "input_files", "requests", "model", "agent_id", "metadata", "timeout_hours"}


class MistralState(TypedDict):
    """What the dialect keeps about a job beside its engine record."""

    input_files: list[str]  # the file ids the job was created with (none for inline requests)
    model: str | None  # the job's `model`, given to lines that name none
    inline: bool  # created with inline `requests`


def _state(batches: BatchesService, record: BatchRecord) -> MistralState:
    return cast(MistralState, batches.dialect_state(record))


def job_id(record_id: str) -> str:
    h = record_id.removeprefix("batch_")
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def record_id(job: str) -> str:
    if not UUID.match(job):
        raise NotFound(f"Batch job {job} not found.")
    return "batch_" + job.replace("-", "")


# -- files ------------------------------------------------------------------------------------------


def check_purpose(purpose: str | None) -> str:
    purpose = purpose or "fine-tune"
    if purpose not in PURPOSES:
        raise invalid_value("purpose", f"Invalid purpose '{purpose}'. Supported: {', '.join(PURPOSES)}.")
    return purpose


def file_object(record: FileRecord) -> dict[str, Any]:
    """A Mistral file: OpenAI's fields plus the `sample_type` and `source` the SDK requires."""
    purpose = record["purpose"]
    if purpose == "batch_output":
        result = record["filename"].endswith("_error.jsonl")
        sample_type, source, purpose = ("batch_error" if result else "batch_result"), "mistral", "batch"
    else:
        sample_type = "batch_request" if purpose == "batch" else "instruct"
        source = "upload"
    return {
        "id": record["id"],
        "object": "file",
        "bytes": record["bytes"],
        "created_at": record["created_at"],
        "filename": record["filename"],
        "purpose": purpose,
        "sample_type": sample_type,
        "source": source,
        "num_lines": None,
        "mimetype": "application/jsonl",
        "signature": None,
        "expires_at": record.get("expires_at"),
        "visibility": "workspace",
    }


def file_page(
    files: FilesService, owner: str | None, *, page: int, page_size: int, purpose: str | None
) -> dict[str, Any]:
    records = [r for r in files.visible(owner) if not is_internal(r)]
    data = [file_object(r) for r in reversed(records)]
    if purpose is not None:
        data = [item for item in data if item["purpose"] == purpose]
    return {"object": "list", "data": data[page * page_size : (page + 1) * page_size], "total": len(data)}


# -- jobs -------------------------------------------------------------------------------------------


def _line(endpoint: str, model: str | None) -> Any:
    def convert(line: dict[str, Any]) -> dict[str, Any]:
        body = line.get("body")
        if isinstance(body, dict) and model is not None and body.get("model") is None:
            body = {**body, "model": model}
        converted = {"custom_id": line.get("custom_id"), "method": "POST", "url": endpoint, "body": body}
        return {key: value for key, value in converted.items() if value is not None}

    return convert


def create_job(
    batches: BatchesService, files: FilesService, dialect: Dialect, body: Any, owner: str | None, scenario: str | None
) -> BatchRecord:
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    for key in body:
        if key not in KNOWN_FIELDS:
            raise InvalidRequest(f"Extra inputs are not permitted: '{key}'.", param=key)
    if body.get("endpoint") is None:
        raise missing_parameter("endpoint")
    endpoint = dialect.check_endpoint(body["endpoint"])
    model = as_string(body["model"], "model") if body.get("model") is not None else None
    meta = metadata(body.get("metadata"))
    hours = as_int(body.get("timeout_hours", 24), "timeout_hours")
    if not 1 <= hours <= MAX_TIMEOUT_HOURS:
        raise invalid_value("timeout_hours", f"timeout_hours must be between 1 and {MAX_TIMEOUT_HOURS}.")
    file_ids, requests = body.get("input_files"), body.get("requests")
    if (file_ids is None) == (requests is None):
        raise InvalidRequest("Give exactly one of 'input_files' and 'requests'.", param="input_files")
    convert = _line(endpoint, model)
    if file_ids is not None:
        if not isinstance(file_ids, list) or not file_ids or not all(isinstance(f, str) for f in file_ids):
            raise invalid_type("input_files", "a non-empty list of file ids", file_ids)
        for file_id in file_ids:
            if files.get(file_id, owner)["purpose"] != "batch":
                raise InvalidRequest(f"File {file_id} was not uploaded with purpose 'batch'.", param="input_files")
        internal = batches.rewrite_input(owner, file_ids, convert, "batch_job_input.jsonl")
    else:
        if not isinstance(requests, list) or not requests:
            raise invalid_type("requests", "a non-empty list", requests)
        lines = (
            convert({"custom_id": str(r.get("custom_id") or i), "body": r.get("body")}) if isinstance(r, dict) else r
            for i, r in enumerate(requests)
        )
        internal = batches.write_input(owner, lines, "batch_job_requests.jsonl")
    state: MistralState = {"input_files": list(file_ids or []), "model": model, "inline": requests is not None}
    with batches.discarded_on_failure(internal):
        return batches.create(
            input_file_id=internal["id"],
            endpoint=endpoint,
            owner=owner,
            metadata=meta,
            scenario=scenario,
            window_seconds=hours * 3600 if hours != 24 else None,
            dialect_state=state,
            **dialect.create_arguments(),
        )


def _outputs(batches: BatchesService, record: BatchRecord) -> Iterator[dict[str, Any]]:
    for field in RESULT_FIELDS:
        for raw in batches.result_lines(record, field):
            yield orjson.loads(raw)


def job_object(batches: BatchesService, record: BatchRecord, *, inline: bool = False) -> dict[str, Any]:
    counts = record["request_counts"]
    state = _state(batches, record)
    ended_at = stamp(record, record["status"]) if record["status"] in TERMINAL else None
    errors = record.get("errors") or []
    job: dict[str, Any] = {
        "id": job_id(record["id"]),
        "object": "batch",
        "input_files": state["input_files"],
        "metadata": record.get("metadata"),
        "endpoint": record["endpoint"],
        "model": state["model"] or record.get("model"),
        "agent_id": None,
        "output_file": record.get("output_file_id"),
        "error_file": record.get("error_file_id"),
        "errors": [{"message": str(e.get("message")), "count": 1} for e in errors],
        "outputs": None,
        "status": STATUS[record["status"]],
        "created_at": record["created_at"],
        "total_requests": counts["total"],
        "completed_requests": counts["completed"] + counts["failed"],
        "succeeded_requests": counts["completed"],
        "failed_requests": counts["failed"],
        "started_at": record.get("in_progress_at"),
        "completed_at": ended_at,
    }
    if inline and record["status"] in TERMINAL:
        job["outputs"] = list(_outputs(batches, record))
    return job


def get(batches: BatchesService, dialect: Dialect, job: str, owner: str | None) -> BatchRecord:
    record = batches.find(record_id(job), owner, dialect.name)
    if record is None:
        raise NotFound(f"Batch job {job} not found.")
    return record


def page(
    batches: BatchesService,
    dialect: Dialect,
    owner: str | None,
    *,
    page: int,
    page_size: int,
    statuses: list[str],
    model: str | None,
    created_after: float | None,
    newest_first: bool,
) -> dict[str, Any]:
    records = batches.of_dialect(owner, dialect.name)
    for record in records:
        batches.sync(record)
    if statuses:
        records = [r for r in records if STATUS[r["status"]] in statuses]
    if model is not None:
        records = [r for r in records if (_state(batches, r)["model"] or r.get("model")) == model]
    if created_after is not None:
        records = [r for r in records if r["created_at"] > created_after]
    if newest_first:
        records.reverse()
    chosen = records[page * page_size : (page + 1) * page_size]
    return {"object": "list", "data": [job_object(batches, r) for r in chosen], "total": len(records)}


def cancel(batches: BatchesService, dialect: Dialect, job: str, owner: str | None) -> BatchRecord:
    record = get(batches, dialect, job, owner)
    if record["status"] in TERMINAL:
        return record
    return batches.cancel(record["id"], owner)


def delete(batches: BatchesService, dialect: Dialect, job: str, owner: str | None) -> dict[str, Any]:
    record = get(batches, dialect, job, owner)
    if record["status"] not in TERMINAL:
        raise InvalidRequest(f"Batch job {job} is still running; cancel it before deleting it.")
    batches.delete(record, ("input_file_id",))
    return {"id": job, "object": "batch", "deleted": True}
