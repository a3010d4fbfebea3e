"""The shape of file, upload and upload-part records as the metadata store keeps them."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

UploadStatus = Literal["pending", "completed", "cancelled", "expired"]


class FileRecord(TypedDict):
    """A stored file (kind "files"); its bytes are the blob of the same id."""

    id: str
    bytes: int
    created_at: int
    filename: str
    purpose: str
    status: str
    expires_at: int | None
    owner: str | None
    internal: NotRequired[bool]  # an input file a dialect wrote for a batch: left out of its file listings


class UploadRecord(TypedDict):
    """A multipart upload (kind "uploads"); `ttl` is the file's `expires_after` seconds."""

    id: str
    filename: str
    purpose: str
    bytes: int
    mime_type: str
    created_at: int
    expires_at: int
    status: UploadStatus
    ttl: int | None
    file_id: str | None
    owner: str | None


class PartRecord(TypedDict):
    """One part of an upload (kind "parts"); its bytes are the blob of the same id."""

    id: str
    upload_id: str
    created_at: int
    size: int
