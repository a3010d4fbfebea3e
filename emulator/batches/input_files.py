"""Internal OpenAI-format input files for dialects whose requests are not an OpenAI JSONL file (inline
requests, lines without `method`/`url`, several files, settings that override every line).

Lines are written one at a time through a blob writer, so nothing holds a whole file in memory. Lines that
are not JSON objects are copied unchanged, so the batch's validation still reports them at the same line.
An internal file is a `batch` file marked `internal`: the dialects' own file listings leave it out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from emulator.engine.storage import BlobStore, BlobWriter
from emulator.files.records import FileRecord
from emulator.files.service import FilesService

Transform = Callable[[dict[str, Any]], dict[str, Any]]


def internal_input_file(
    blobs: BlobStore,
    files: FilesService,
    owner: str | None,
    filename: str,
    *,
    lines: Iterable[dict[str, Any]] = (),
    paths: Iterable[Path] = (),
    transform: Transform | None = None,
) -> FileRecord:
    """Store `lines`, then every line of `paths` (JSON objects through `transform`), as an internal `batch`
    file of `owner`; returns its record."""
    writer = blobs.writer()
    try:
        for line in lines:
            writer.write(orjson.dumps(line) + b"\n")
        for path in paths:
            with path.open("rb") as stream:
                for raw in stream:
                    writer.write(_rewritten(raw, transform))
    except BaseException:
        writer.abort()
        raise
    return _add(files, owner, writer, filename)


def _rewritten(raw: bytes, transform: Transform | None) -> bytes:
    try:
        line = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw if raw.endswith(b"\n") else raw + b"\n"
    if not isinstance(line, dict) or transform is None:
        return raw if raw.endswith(b"\n") else raw + b"\n"
    return orjson.dumps(transform(line)) + b"\n"


def _add(files: FilesService, owner: str | None, writer: BlobWriter, filename: str) -> FileRecord:
    ttl = files.limits.batch_file_default_ttl
    return files.add(writer, filename=filename, purpose="batch", ttl=ttl, owner=owner, internal=True)


def is_internal(record: FileRecord) -> bool:
    return bool(record.get("internal"))
