"""Engine batch records as the dialects with their own batch model (Anthropic, Mistral) and the
OpenAI-compatible ones use them: created on an internal input file, found by the dialect that made them,
deleted with their files."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from emulator.dialects.base import Dialect

if TYPE_CHECKING:
    from emulator.backend import Backend


def create_engine_batch(
    backend: Backend,
    request: dict[str, Any],
    owner: str | None,
    scenario: str | None,
    *,
    internal: dict[str, Any] | None,
    extra: dict[str, Any],
    window_seconds: int | None = None,
) -> dict[str, Any]:
    """Create the engine batch for a dialect's create `request` whose input is the internal file `internal`
    (None when it reads the client's own file). A create the engine rejects deletes the internal file again,
    so nothing is left behind."""
    try:
        return backend.batches.create(request, owner, scenario, window_seconds=window_seconds, extra=extra)
    except BaseException:
        if internal is not None:
            backend.files.delete(internal["id"], owner)
        raise


def find_batch(backend: Backend, dialect: Dialect, record_id: str, owner: str | None) -> dict[str, Any] | None:
    """The batch record `record_id` of `owner` created through `dialect`, brought up to date, or None (the
    caller raises its provider's not-found error)."""
    record: dict[str, Any] | None = backend.store.get("batches", record_id)
    if record is None or record.get("owner") != owner or not dialect.owns(record):
        return None
    backend.batches.sync(record)
    return record


def delete_batch(backend: Backend, record: dict[str, Any], owner: str | None, file_fields: Iterable[str]) -> None:
    """Delete a batch record and the files named by its `file_fields` that still exist."""
    for field in file_fields:
        file_id = record.get(field)
        if file_id and backend.files.find(file_id, owner) is not None:
            backend.files.delete(file_id, owner)
    backend.store.delete("batches", record["id"])
