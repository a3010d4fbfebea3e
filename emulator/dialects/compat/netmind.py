"""Netmind's native Files API: a file is registered by name (`{id, presigned_url}`), its bytes are PUT to the
presigned URL, and downloads go through another presigned URL. Presigned URLs point back at the emulator
(`/_presigned/<token>`), need no key and live 2 hours of virtual time."""

from __future__ import annotations

from typing import Any

from emulator.engine.errors import InvalidRequest, invalid_value, missing_parameter
from emulator.engine.params import as_string
from emulator.files.presigned import PresignedFiles, RegisteredFile
from emulator.files.records import FileRecord

PRESIGNED_PATH = "/_presigned/"
PURPOSES = ("fine-tune", "batch")


def register(presigned: PresignedFiles, body: Any, owner: str | None) -> dict[str, Any]:
    """`POST /v1/files {file_name, purpose}`: a file id and an upload token."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    name = body.get("file_name")
    if name is None:
        raise missing_parameter("file_name")
    name = as_string(name, "file_name")
    purpose = body.get("purpose")
    if purpose not in PURPOSES:
        raise invalid_value("purpose", f"Invalid value: '{purpose}'. Supported values are: 'fine-tune', 'batch'.")
    entry, token = presigned.register(name, str(purpose), owner)
    return {"id": entry["id"], "token": token}


def file_object(presigned: PresignedFiles, file_id: str, owner: str | None) -> dict[str, Any]:
    entry = presigned.find(file_id, owner)
    if entry is not None:
        return _registered_wire(presigned, entry)
    stored = presigned.files.get(file_id, owner)
    return _wire(stored["id"], stored["filename"], stored["purpose"], stored["created_at"], stored)


def _registered_wire(presigned: PresignedFiles, entry: RegisteredFile) -> dict[str, Any]:
    return _wire(entry["id"], entry["file_name"], entry["purpose"], entry["created_at"], presigned.stored(entry))


def _wire(file_id: str, name: str, purpose: str, created: int, stored: FileRecord | None) -> dict[str, Any]:
    return {
        "id": file_id,
        "file_name": name,
        "purpose": purpose,
        "created_at": created,
        "bytes": stored["bytes"] if stored else 0,
    }


def list_files(presigned: PresignedFiles, owner: str | None) -> list[dict[str, Any]]:
    """Registered files and the owner's batch results, newest first (a bare array)."""
    aliased = set()
    items = []
    for entry in presigned.of_owner(owner):
        aliased.add(entry.get("file_id"))
        items.append(_registered_wire(presigned, entry))
    for stored in presigned.files.visible(owner, "batch_output"):
        if stored["id"] not in aliased:
            items.append(_wire(stored["id"], stored["filename"], stored["purpose"], stored["created_at"], stored))
    items.sort(key=lambda item: item["created_at"], reverse=True)
    return items


def delete(presigned: PresignedFiles, file_id: str, owner: str | None) -> dict[str, Any]:
    presigned.delete(file_id, owner)
    return {"id": file_id, "deleted": True}
