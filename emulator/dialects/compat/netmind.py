"""Netmind's native Files API: a file is registered by name (`{id, presigned_url}`), its bytes are PUT to the
presigned URL, and downloads go through another presigned URL. Presigned URLs point back at the emulator
(`/_presigned/<token>`), need no key and live 2 hours of virtual time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.engine.errors import InvalidRequest, NotFound, file_not_found, invalid_value, missing_parameter
from emulator.engine.ids import derived_hex
from emulator.engine.params import as_string
from emulator.files.records import FileRecord
from emulator.files.service import PendingFile

if TYPE_CHECKING:
    from emulator.backend import Backend

FILES = "netmind_files"
PRESIGNED = "presigned"
PRESIGNED_PATH = "/_presigned/"
PRESIGNED_LIFETIME = 7200
PURPOSES = ("fine-tune", "batch")


def register(backend: Backend, body: Any, owner: str | None) -> dict[str, Any]:
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
    file_id = backend.ids.file()
    record = {
        "id": file_id,
        "file_name": name,
        "purpose": purpose,
        "owner": owner,
        "created_at": int(backend.clock.now()),
        "file_id": None,
    }
    backend.store.put(FILES, file_id, record)
    return {"id": file_id, "token": _token(backend, "upload", file_id, owner)}


def _token(backend: Backend, action: str, file_id: str, owner: str | None) -> str:
    now = backend.clock.now()
    token = derived_hex(str(backend.seed), action, file_id, str(now), str(backend.ids.counters.get("file", 0)))
    backend.store.put(
        PRESIGNED,
        token,
        {"token": token, "action": action, "file_id": file_id, "owner": owner, "expires_at": now + PRESIGNED_LIFETIME},
    )
    return token


def presigned(backend: Backend, token: str, action: str) -> dict[str, Any]:
    record = backend.store.get(PRESIGNED, token)
    if record is None or record["action"] != action or record["expires_at"] <= backend.clock.now():
        raise NotFound("The presigned URL is unknown or has expired.", code="presigned_url_expired")
    return record


def begin_upload(backend: Backend, token: str) -> tuple[dict[str, Any], PendingFile]:
    """Start receiving the bytes PUT to an upload URL."""
    grant = presigned(backend, token, "upload")
    entry = backend.store.get(FILES, grant["file_id"])
    if entry is None:
        raise file_not_found(grant["file_id"])
    name = entry["file_name"]
    filename = name if "." in name else name + ".jsonl"
    pending = backend.files.begin(purpose=entry["purpose"], filename=filename, ttl=None, owner=entry["owner"])
    return entry, pending


def finish_upload(backend: Backend, entry: dict[str, Any], pending: PendingFile) -> dict[str, Any]:
    stored = backend.files.finish(pending)
    if entry.get("file_id"):
        backend.files.delete(entry["file_id"], entry["owner"])
    entry["file_id"] = stored["id"]
    backend.store.put(FILES, entry["id"], entry)
    return entry


def engine_id(backend: Backend, file_id: str, owner: str | None) -> str:
    """The engine file behind a Netmind id (results are engine files and keep their own ids)."""
    entry = backend.store.get(FILES, file_id)
    if entry is None or entry.get("owner") != owner:
        return file_id
    if not entry.get("file_id"):
        raise InvalidRequest(f"The file {file_id} has not been uploaded yet.", param="input_file_id")
    return str(entry["file_id"])


def file_object(backend: Backend, file_id: str, owner: str | None) -> dict[str, Any]:
    entry = backend.store.get(FILES, file_id)
    if entry is not None and entry.get("owner") == owner:
        stored = backend.files.find(entry["file_id"], owner) if entry.get("file_id") else None
        return _wire(entry["id"], entry["file_name"], entry["purpose"], entry["created_at"], stored)
    stored = backend.files.get(file_id, owner)
    return _wire(stored["id"], stored["filename"], stored["purpose"], stored["created_at"], stored)


def _wire(file_id: str, name: str, purpose: str, created: int, stored: FileRecord | None) -> dict[str, Any]:
    return {
        "id": file_id,
        "file_name": name,
        "purpose": purpose,
        "created_at": created,
        "bytes": stored["bytes"] if stored else 0,
    }


def list_files(backend: Backend, owner: str | None) -> list[dict[str, Any]]:
    """Registered files and the owner's batch results, newest first (a bare array)."""
    aliased = set()
    items = []
    for entry in backend.store.values(FILES):
        if entry.get("owner") != owner:
            continue
        aliased.add(entry.get("file_id"))
        items.append(file_object(backend, entry["id"], owner))
    for stored in backend.files.visible(owner, "batch_output"):
        if stored["id"] not in aliased:
            items.append(_wire(stored["id"], stored["filename"], stored["purpose"], stored["created_at"], stored))
    items.sort(key=lambda item: item["created_at"], reverse=True)
    return items


def delete(backend: Backend, file_id: str, owner: str | None) -> dict[str, Any]:
    entry = backend.store.get(FILES, file_id)
    if entry is not None and entry.get("owner") == owner:
        if entry.get("file_id") and backend.files.find(entry["file_id"], owner):
            backend.files.delete(entry["file_id"], owner)
        backend.store.delete(FILES, file_id)
    else:
        backend.files.delete(file_id, owner)
    return {"id": file_id, "deleted": True}


def download_token(backend: Backend, file_id: str, owner: str | None) -> str:
    stored_id = engine_id(backend, file_id, owner)
    backend.files.content_path(stored_id, owner)  # not found / not downloadable errors now, not at download
    return _token(backend, "download", stored_id, owner)
