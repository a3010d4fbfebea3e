"""Uploads service: a large file sent in parts, assembled on complete, expiring an hour after creation.

Records: "uploads" (`UploadRecord`) and "parts" (`PartRecord`). A part's bytes are the blob of its id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.config import Limits
from emulator.engine.clock import Clock
from emulator.engine.errors import InvalidRequest, upload_not_found
from emulator.engine.ids import IdFactory
from emulator.engine.params import as_int, as_string, expires_after, require
from emulator.engine.storage import COPY_CHUNK, BlobStore, BlobWriter, MetadataStore
from emulator.engine.table import RecordTable
from emulator.files.records import PartRecord, UploadRecord
from emulator.files.service import FilesService, check_filename, check_purpose

UPLOADS = "uploads"
PARTS = "parts"
# The MIME types an upload of a purpose may declare (purposes not listed accept any). The real API checks
# them per purpose but documents no list for batch files; these are the names JSON Lines goes by.
MIME_TYPES_BY_PURPOSE: dict[str, tuple[str, ...]] = {
    "batch": (
        "application/jsonl",
        "application/x-jsonl",
        "application/jsonlines",
        "application/x-jsonlines",
        "application/json-lines",
        "application/x-ndjson",
        "application/ndjson",
        "application/json",
        "text/jsonl",
        "text/x-jsonl",
        "text/plain",
    ),
}


def check_size(size: int, maximum: int) -> int:
    if size < 1:
        raise InvalidRequest(
            f"Invalid 'bytes': integer below minimum value. Expected a value >= 1, but got {size} instead.",
            param="bytes",
            code="integer_below_min_value",
        )
    if size > maximum:
        raise InvalidRequest(
            f"Invalid 'bytes': an upload may hold at most {maximum} bytes.", param="bytes", code="invalid_value"
        )
    return size


def check_mime_type(mime_type: str, purpose: str) -> str:
    """The declared MIME type (parameters such as `; charset=utf-8` allowed) must suit the purpose."""
    supported = MIME_TYPES_BY_PURPOSE.get(purpose)
    if supported is not None and mime_type.split(";", 1)[0].strip().lower() not in supported:
        raise InvalidRequest(
            f"Invalid 'mime_type': '{mime_type}' is not supported for purpose '{purpose}'. "
            f"Supported MIME types are: {', '.join(supported)}.",
            param="mime_type",
            code="invalid_value",
        )
    return mime_type


class UploadsService:
    def __init__(
        self, store: MetadataStore, blobs: BlobStore, clock: Clock, ids: IdFactory, limits: Limits, files: FilesService
    ) -> None:
        self.uploads: RecordTable[UploadRecord] = RecordTable(store, UPLOADS)
        self.parts: RecordTable[PartRecord] = RecordTable(store, PARTS)
        self.blobs = blobs
        self.clock = clock
        self.ids = ids
        self.limits = limits
        self.files = files

    def create(self, body: dict[str, Any], owner: str | None) -> UploadRecord:
        filename = as_string(require(body, "filename"), "filename")
        purpose = check_purpose(as_string(require(body, "purpose"), "purpose"))
        size = as_int(require(body, "bytes"), "bytes")
        mime_type = as_string(require(body, "mime_type"), "mime_type")
        ttl = expires_after(body.get("expires_after"), "expires_after")
        check_filename(filename, purpose)
        check_size(size, self.limits.upload_max_bytes)
        if purpose == "batch" and size > self.limits.file_max_bytes:
            raise InvalidRequest(
                f"File is too large. The maximum size is {self.limits.file_max_bytes} bytes.",
                param="bytes",
                code="file_too_large",
            )
        check_mime_type(mime_type, purpose)
        now = int(self.clock.now())
        record: UploadRecord = {
            "id": self.ids.upload(),
            "filename": filename,
            "purpose": purpose,
            "bytes": size,
            "mime_type": mime_type,
            "created_at": now,
            "expires_at": now + self.limits.upload_lifetime_seconds,
            "status": "pending",
            "ttl": ttl,
            "file_id": None,
            "owner": owner,
        }
        self.uploads.put(record["id"], record)
        return record

    def get(self, upload_id: str, owner: str | None) -> UploadRecord:
        record = self.uploads.get(upload_id)
        if record is None or record.get("owner") != owner:
            raise upload_not_found(upload_id)
        if record["status"] == "pending" and record["expires_at"] <= self.clock.now():
            record = self._close({**record, "status": "expired"})
        return record

    def _pending(self, upload_id: str, owner: str | None, action: str) -> UploadRecord:
        record = self.get(upload_id, owner)
        if record["status"] != "pending":
            raise InvalidRequest(
                f"Cannot {action} upload {upload_id}: its status is '{record['status']}'.",
                param="upload_id",
                code="invalid_upload_status",
            )
        return record

    def begin_part(self, upload_id: str, owner: str | None) -> BlobWriter:
        self._pending(upload_id, owner, "add a part to")
        return self.blobs.writer()

    def check_part_size(self, writer: BlobWriter, extra: int) -> None:
        if writer.size + extra > self.limits.upload_part_max_bytes:
            writer.abort()
            raise InvalidRequest(
                f"Upload parts may be at most {self.limits.upload_part_max_bytes} bytes.",
                param="data",
                code="part_too_large",
            )

    def finish_part(self, upload_id: str, owner: str | None, writer: BlobWriter) -> PartRecord:
        try:
            self._pending(upload_id, owner, "add a part to")
        except InvalidRequest:
            writer.abort()
            raise
        part_id = self.ids.part()
        part: PartRecord = {
            "id": part_id,
            "upload_id": upload_id,
            "created_at": int(self.clock.now()),
            "size": writer.size,
        }
        writer.commit(part_id)
        try:
            self.parts.put(part_id, part)
        except BaseException:
            self.blobs.delete(part_id)
            raise
        return part

    def complete(self, upload_id: str, body: dict[str, Any], owner: str | None) -> UploadRecord:
        record = self._pending(upload_id, owner, "complete")
        part_ids = require(body, "part_ids")
        if not isinstance(part_ids, list) or not all(isinstance(p, str) for p in part_ids):
            raise InvalidRequest(
                "Invalid 'part_ids': expected an array of strings.", param="part_ids", code="invalid_type"
            )
        md5 = body.get("md5")
        if md5 is not None and not isinstance(md5, str):
            raise InvalidRequest("Invalid 'md5': expected a string.", param="md5", code="invalid_type")
        parts = []
        for part_id in part_ids:
            part = self.parts.get(part_id)
            if part is None or part["upload_id"] != upload_id:
                raise InvalidRequest(f"Part {part_id} does not belong to upload {upload_id}.", param="part_ids")
            parts.append(part)
        if len(set(part_ids)) != len(part_ids):
            raise InvalidRequest("Each part may be listed only once in 'part_ids'.", param="part_ids")
        total = sum(int(part["size"]) for part in parts)
        if total != record["bytes"]:
            raise InvalidRequest(
                f"The parts hold {total} bytes, but the upload was created for {record['bytes']} bytes.",
                param="part_ids",
                code="bytes_mismatch",
            )
        writer = self.blobs.writer()
        for part in parts:
            with self.blobs.open(part["id"]) as source:
                while chunk := source.read(COPY_CHUNK):
                    writer.write(chunk)
        if md5 and writer.md5() != md5.lower():
            writer.abort()
            raise InvalidRequest("The md5 checksum of the assembled file does not match 'md5'.", param="md5")
        ttl = record["ttl"]
        if ttl is None and record["purpose"] == "batch":
            ttl = self.limits.batch_file_default_ttl
        file_id = self.ids.file()
        writer.commit(file_id)
        completed: UploadRecord = {**record, "status": "completed", "file_id": file_id}

        def add_file() -> None:
            self.files.add_record(
                file_id, writer.size, filename=record["filename"], purpose=record["purpose"], ttl=ttl, owner=owner
            )

        try:
            return self._close(completed, with_records=add_file)
        except BaseException:
            self.blobs.delete(file_id)
            raise

    def cancel(self, upload_id: str, owner: str | None) -> UploadRecord:
        record = self._pending(upload_id, owner, "cancel")
        return self._close({**record, "status": "cancelled"})

    def _close(self, record: UploadRecord, with_records: Callable[[], None] | None = None) -> UploadRecord:
        """Save an upload that ended (completed, cancelled or expired) and drop its parts' records in one
        transaction (with the records `with_records` writes), then their bytes: bytes a kill leaves behind
        are removed at the next start."""
        parts = [part["id"] for part in self.parts.values() if part["upload_id"] == record["id"]]
        with self.uploads.store.transaction():
            if with_records is not None:
                with_records()
            self.uploads.put(record["id"], record)
            for part_id in parts:
                self.parts.delete(part_id)
        for part_id in parts:
            self.blobs.delete(part_id)
        return record
