"""Internal OpenAI-format input files for dialects whose requests are not an OpenAI JSONL file (inline
requests, lines without `method`/`url`, several files, settings that override every line).

Lines are written one at a time through a blob writer, so nothing holds a whole file in memory. Lines that
are not JSON objects are copied unchanged, so the engine's validation still reports them at the same line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from emulator.backend import Backend

Transform = Callable[[dict[str, Any]], dict[str, Any]]
INTERNAL = "internal"


def write_requests(
    backend: Backend, owner: str | None, lines: Iterable[dict[str, Any]], filename: str
) -> dict[str, Any]:
    """Store OpenAI-format request lines as a `batch` file and return its record."""
    writer = backend.blobs.writer()
    try:
        for line in lines:
            writer.write(orjson.dumps(line) + b"\n")
    except BaseException:
        writer.abort()
        raise
    return _add(backend, owner, writer, filename)


def rewrite_files(
    backend: Backend, owner: str | None, paths: Iterable[Path], transform: Transform, filename: str
) -> dict[str, Any]:
    """Concatenate `paths`, passing every JSON-object line through `transform`, into a new `batch` file."""
    writer = backend.blobs.writer()
    try:
        for path in paths:
            with path.open("rb") as stream:
                for raw in stream:
                    writer.write(_rewritten(raw, transform))
    except BaseException:
        writer.abort()
        raise
    return _add(backend, owner, writer, filename)


def _rewritten(raw: bytes, transform: Transform) -> bytes:
    try:
        line = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw if raw.endswith(b"\n") else raw + b"\n"
    if not isinstance(line, dict):
        return raw if raw.endswith(b"\n") else raw + b"\n"
    return orjson.dumps(transform(line)) + b"\n"


def _add(backend: Backend, owner: str | None, writer: Any, filename: str) -> dict[str, Any]:
    record = backend.files.add(
        writer, filename=filename, purpose="batch", ttl=backend.config.limits.batch_file_default_ttl, owner=owner
    )
    record[INTERNAL] = True  # hidden from the dialects' own file listings
    backend.store.put("files", record["id"], record)
    return record


def is_internal(record: dict[str, Any]) -> bool:
    return bool(record.get(INTERNAL))
