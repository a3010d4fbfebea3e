"""Files registered by name before their bytes arrive, and presigned URL tokens (Netmind's native Files API, and
the download URLs Mistral signs).

A registered file (kind "netmind_files") has its own id and name and points at the stored file that its bytes
became (`file_id`, None until they are PUT). A presigned grant (kind "presigned") lets whoever holds its token
upload to or download one file, without a key, for PRESIGNED_LIFETIME virtual seconds. Tokens are signed with
a secret of the store (emulator/engine/url_tokens.py): nothing a client sees predicts them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Literal, TypedDict

from emulator.engine.clock import Clock
from emulator.engine.errors import InvalidRequest, NotFound, file_not_found
from emulator.engine.ids import IdFactory
from emulator.engine.storage import MetadataStore
from emulator.engine.table import RecordTable
from emulator.engine.url_tokens import signed_token
from emulator.files.records import FileRecord
from emulator.files.service import FilesService, PendingFile

REGISTERED = "netmind_files"
PRESIGNED = "presigned"
PRESIGNED_LIFETIME = 7200
GrantAction = Literal["upload", "download"]


class RegisteredFile(TypedDict):
    id: str
    file_name: str
    purpose: str
    owner: str | None
    created_at: int
    file_id: str | None  # the stored file its bytes became


class PresignedGrant(TypedDict):
    token: str
    action: GrantAction
    file_id: str
    owner: str | None
    expires_at: float


class PresignedFiles:
    """Registered files and presigned grants, on top of the files service."""

    def __init__(self, store: MetadataStore, clock: Clock, ids: IdFactory, files: FilesService) -> None:
        self.registered: RecordTable[RegisteredFile] = RecordTable(store, REGISTERED)
        self.grants: RecordTable[PresignedGrant] = RecordTable(store, PRESIGNED)
        self.store = store  # keeps the secret that signs the tokens
        self.clock = clock
        self.ids = ids
        self.files = files

    def register(self, name: str, purpose: str, owner: str | None) -> tuple[RegisteredFile, str]:
        """A new registered file and the token of its upload URL."""
        file_id = self.ids.file()
        entry: RegisteredFile = {
            "id": file_id,
            "file_name": name,
            "purpose": purpose,
            "owner": owner,
            "created_at": int(self.clock.now()),
            "file_id": None,
        }
        self.registered.put(file_id, entry)
        return entry, self.grant("upload", file_id, owner)

    def grant(self, action: GrantAction, file_id: str, owner: str | None) -> str:
        """A token that allows `action` on `file_id` until PRESIGNED_LIFETIME virtual seconds from now."""
        now = self.clock.now()
        token = signed_token(self.store, action, file_id, str(owner), str(now), secrets.token_hex(8))
        grant: PresignedGrant = {
            "token": token,
            "action": action,
            "file_id": file_id,
            "owner": owner,
            "expires_at": now + PRESIGNED_LIFETIME,
        }
        self.grants.put(token, grant)
        return token

    def granted(self, token: str, action: GrantAction) -> PresignedGrant:
        """The live grant of `token` for `action`; a 404 for an unknown or expired one."""
        grant = self.grants.get(token)
        if grant is None or grant["action"] != action or grant["expires_at"] <= self.clock.now():
            raise NotFound("The presigned URL is unknown or has expired.", code="presigned_url_expired")
        return grant

    def find(self, file_id: str, owner: str | None) -> RegisteredFile | None:
        entry = self.registered.get(file_id)
        return entry if entry is not None and entry.get("owner") == owner else None

    def of_owner(self, owner: str | None) -> Iterator[RegisteredFile]:
        return (entry for entry in self.registered.values() if entry.get("owner") == owner)

    def begin_upload(self, token: str) -> tuple[RegisteredFile, PendingFile]:
        """Start receiving the bytes PUT to an upload URL (a name without a suffix is stored as JSONL)."""
        grant = self.granted(token, "upload")
        entry = self.registered.get(grant["file_id"])
        if entry is None:
            raise file_not_found(grant["file_id"])
        name = entry["file_name"]
        filename = name if "." in name else name + ".jsonl"
        pending = self.files.begin(purpose=entry["purpose"], filename=filename, ttl=None, owner=entry["owner"])
        return entry, pending

    def finish_upload(self, entry: RegisteredFile, pending: PendingFile) -> RegisteredFile:
        """Store the bytes; they replace what an earlier upload to the same registered file stored."""
        stored = self.files.finish(pending)
        if entry.get("file_id"):
            self.files.delete(str(entry["file_id"]), entry["owner"])
        entry["file_id"] = stored["id"]
        self.registered.put(entry["id"], entry)
        return entry

    def stored_id(self, file_id: str, owner: str | None) -> str:
        """The stored file behind a registered id (any other id is returned as it is)."""
        entry = self.find(file_id, owner)
        if entry is None:
            return file_id
        if not entry.get("file_id"):
            raise InvalidRequest(f"The file {file_id} has not been uploaded yet.", param="input_file_id")
        return str(entry["file_id"])

    def stored(self, entry: RegisteredFile) -> FileRecord | None:
        """The stored file a registered one points at, while it exists."""
        file_id = entry["file_id"]
        return self.files.find(file_id, entry["owner"]) if file_id else None

    def delete(self, file_id: str, owner: str | None) -> None:
        """Delete a registered file with its stored bytes, or else the stored file `file_id`."""
        entry = self.find(file_id, owner)
        if entry is None:
            self.files.delete(file_id, owner)
            return
        if entry.get("file_id") and self.files.find(str(entry["file_id"]), owner):
            self.files.delete(str(entry["file_id"]), owner)
        self.registered.delete(file_id)

    def download_token(self, file_id: str, owner: str | None) -> str:
        """A download grant for a registered or stored file; not-found and not-downloadable errors now."""
        stored_id = self.stored_id(file_id, owner)
        self.files.content_path(stored_id, owner)
        return self.grant("download", stored_id, owner)
