"""Files service: create (streamed), retrieve, list, delete, content, and expiry by the clock.

A file record is a `FileRecord` (id, bytes, created_at, filename, purpose, status, expires_at, owner).
Its bytes are the blob of the same id. Expired files disappear the moment the clock reaches their `expires_at`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.config import Limits
from emulator.engine.clock import Clock
from emulator.engine.errors import (
    MSG_BATCH_FILE_FORMAT,
    MSG_DOWNLOAD_FORBIDDEN,
    InsufficientStorage,
    InvalidRequest,
    file_not_found,
    invalid_value,
    missing_parameter,
    string_too_long,
)
from emulator.engine.ids import IdFactory
from emulator.engine.paging import cursor_page
from emulator.engine.storage import BlobStore, BlobWriter, FinishedBytes, MetadataStore
from emulator.engine.table import RecordTable
from emulator.files.purposes import NOT_DOWNLOADABLE_PURPOSES, UPLOAD_PURPOSES
from emulator.files.records import FileRecord

KIND = "files"
MAX_FILENAME_LENGTH = 512


@dataclass(slots=True)
class PendingFile:
    """An upload whose parameters were accepted and whose bytes are still arriving."""

    filename: str
    purpose: str
    ttl: int | None
    owner: str | None
    writer: BlobWriter
    max_bytes: int

    def check_size(self, extra: int) -> None:
        """The 400 (the blob dropped) if `extra` more bytes make the file larger than allowed."""
        if self.writer.size + extra > self.max_bytes:
            self.writer.abort()
            raise InvalidRequest(
                f"File is too large. The maximum size is {self.max_bytes} bytes.", param="file", code="file_too_large"
            )

    def write(self, chunk: bytes) -> None:
        self.check_size(len(chunk))
        self.writer.write(chunk)


def check_purpose(purpose: Any) -> str:
    if purpose is None or purpose == "":
        raise missing_parameter("purpose")
    if purpose not in UPLOAD_PURPOSES:
        listed = ", ".join(f"'{item}'" for item in UPLOAD_PURPOSES)
        raise invalid_value("purpose", f"Invalid value: '{purpose}'. Supported values are: {listed}.")
    return str(purpose)


def _is_utf8(text: str) -> bool:
    """False for text holding bytes that were not UTF-8 (decoded as lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_filename(filename: str, purpose: str) -> str:
    if not filename:
        raise InvalidRequest("The uploaded file must have a filename.", param="file", code="invalid_value")
    if len(filename) > MAX_FILENAME_LENGTH:
        raise string_too_long("filename", MAX_FILENAME_LENGTH, len(filename), param="file")
    if not filename.isascii() and not _is_utf8(filename):
        raise InvalidRequest("Invalid 'filename': it is not valid UTF-8.", param="file", code="invalid_value")
    if any(ch in filename for ch in "/\\\x00") or any(ord(ch) < 32 for ch in filename) or filename in (".", ".."):
        raise InvalidRequest(
            "Invalid 'filename': it must be a plain file name without directories or control characters.",
            param="file",
            code="invalid_value",
        )
    if purpose == "batch" and "." in filename and not filename.lower().endswith(".jsonl"):
        raise InvalidRequest(MSG_BATCH_FILE_FORMAT)
    return filename


class FilesService:
    def __init__(self, store: MetadataStore, blobs: BlobStore, clock: Clock, ids: IdFactory, limits: Limits) -> None:
        self.store = store
        self.table: RecordTable[FileRecord] = RecordTable(store, KIND)
        self.blobs = blobs
        self.clock = clock
        self.ids = ids
        self.limits = limits

    def begin(self, *, purpose: str, filename: str, ttl: int | None, owner: str | None) -> PendingFile:
        """Check the parameters of an upload before its bytes are read."""
        check_filename(filename, check_purpose(purpose))
        return PendingFile(filename, purpose, ttl, owner, self.blobs.writer(), self.limits.file_max_bytes)

    def finish(self, pending: PendingFile) -> FileRecord:
        ttl = pending.ttl
        if ttl is None and pending.purpose == "batch":
            ttl = self.limits.batch_file_default_ttl
        return self.add(
            pending.writer, filename=pending.filename, purpose=pending.purpose, ttl=ttl, owner=pending.owner
        )

    def add(
        self,
        writer: FinishedBytes,
        *,
        filename: str,
        purpose: str,
        ttl: int | None,
        owner: str | None,
        at: float | None = None,
        internal: bool = False,
    ) -> FileRecord:
        """Turn finished bytes into a stored file (also used for completed uploads): the blob first, then its
        record; when the record cannot be written the blob goes again. An `internal` file is an input file
        written for a batch (dialect file listings leave it out)."""
        file_id = self.ids.file()
        writer.commit(file_id)
        try:
            return self.add_record(
                file_id, writer.size, filename=filename, purpose=purpose, ttl=ttl, owner=owner, at=at, internal=internal
            )
        except BaseException:
            self.blobs.delete(file_id)
            raise

    def add_record(
        self,
        file_id: str,
        size: int,
        *,
        filename: str,
        purpose: str,
        ttl: int | None,
        owner: str | None,
        at: float | None = None,
        internal: bool = False,
    ) -> FileRecord:
        """Write the record of the file whose blob `file_id` is in place (inside a transaction, the record is
        written when it commits)."""
        created = int(self.clock.now() if at is None else at)
        record: FileRecord = {
            "id": file_id,
            "bytes": size,
            "created_at": created,
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
            "expires_at": created + ttl if ttl is not None else None,
            "owner": owner,
        }
        if internal:
            record["internal"] = True
        self.table.put(file_id, record)
        return record

    def _alive(self, record: FileRecord, now: float) -> bool:
        expires = record.get("expires_at")
        if expires is not None and expires <= now:
            with contextlib.suppress(InsufficientStorage):  # still expired on the next read; removed then
                self._remove(record["id"])
            return False
        return True

    def _remove(self, file_id: str) -> None:
        self.store.delete(KIND, file_id)
        self.blobs.delete(file_id)

    def find(self, file_id: str, owner: str | None) -> FileRecord | None:
        record = self.table.get(file_id)
        if record is None or record.get("owner") != owner or not self._alive(record, self.clock.now()):
            return None
        return record

    def get(self, file_id: str, owner: str | None) -> FileRecord:
        record = self.find(file_id, owner)
        if record is None:
            raise file_not_found(file_id)
        return record

    def delete(self, file_id: str, owner: str | None) -> FileRecord:
        record = self.get(file_id, owner)
        self._remove(file_id)
        return record

    def content_path(self, file_id: str, owner: str | None) -> tuple[Path, int]:
        record = self.get(file_id, owner)
        if record["purpose"] in NOT_DOWNLOADABLE_PURPOSES:
            raise InvalidRequest(MSG_DOWNLOAD_FORBIDDEN.format(purpose=record["purpose"]))
        return self.blobs.path(file_id), int(record["bytes"])

    def visible(self, owner: str | None, purpose: str | None = None) -> Iterator[FileRecord]:
        """Live files of an owner in creation order."""
        now = self.clock.now()
        for record in self.table.values():
            if record.get("owner") != owner or not self._alive(record, now):
                continue
            if purpose is not None and record["purpose"] != purpose:
                continue
            yield record

    def page(
        self,
        owner: str | None,
        *,
        purpose: str | None,
        limit: int,
        order: str,
        after: str | None,
        where: Callable[[FileRecord], bool] | None = None,
    ) -> tuple[list[FileRecord], bool]:
        """An owner's live files (of `purpose`, and those `where` keeps, when given) in `order` of creation,
        after the file id `after`."""
        records = [r for r in self.visible(owner, purpose) if where is None or where(r)]
        if order == "desc":
            records.reverse()
        return cursor_page(records, limit=limit, after=after)
