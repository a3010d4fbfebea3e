"""Where records and bytes live: a metadata store (memory, or SQLite under --data-dir) and a blob directory.

Records are plain JSON-able dicts grouped by kind ("files", "uploads", "parts", "batches", the webhook
settings and deliveries), kept in insertion order. The SQLite store writes each change through before the call
returns, so an acknowledged record survives a kill; `put_many` writes several records in one transaction, so a
kill keeps all of them or none. Blobs are written to a temporary name and renamed into place once complete
(atomic), so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

COPY_CHUNK = 1024 * 1024  # bytes read at a time when copying or hashing a file on disk
UPSERT = (
    "INSERT INTO records (kind, key, data) VALUES (?, ?, ?) ON CONFLICT(kind, key) DO UPDATE SET data=excluded.data"
)


class MetadataStore(Protocol):
    def put(self, kind: str, key: str, record: dict[str, Any]) -> None: ...
    def put_many(self, kind: str, records: Iterable[tuple[str, dict[str, Any]]]) -> None: ...
    def get(self, kind: str, key: str) -> dict[str, Any] | None: ...
    def delete(self, kind: str, key: str) -> None: ...
    def values(self, kind: str) -> Iterator[dict[str, Any]]: ...
    def count(self, kind: str) -> int: ...
    def clear(self) -> None: ...
    def close(self) -> None: ...


class MemoryStore:
    """Records in dicts; the default."""

    def __init__(self) -> None:
        self._kinds: dict[str, dict[str, dict[str, Any]]] = {}

    def put(self, kind: str, key: str, record: dict[str, Any]) -> None:
        self._kinds.setdefault(kind, {})[key] = record

    def put_many(self, kind: str, records: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Put several (key, record) pairs. Only the dicts change here, also when a subclass calls this after
        writing the pairs itself."""
        for key, record in records:
            MemoryStore.put(self, kind, key, record)

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        return self._kinds.get(kind, {}).get(key)

    def delete(self, kind: str, key: str) -> None:
        self._kinds.get(kind, {}).pop(key, None)

    def values(self, kind: str) -> Iterator[dict[str, Any]]:
        return iter(list(self._kinds.get(kind, {}).values()))

    def count(self, kind: str) -> int:
        return len(self._kinds.get(kind, {}))

    def clear(self) -> None:
        self._kinds.clear()

    def close(self) -> None:
        pass


class SqliteStore(MemoryStore):
    """The memory store plus a write-through SQLite copy that is read back at start."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS records (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"
            " key TEXT NOT NULL, data BLOB NOT NULL, UNIQUE(kind, key))"
        )
        for kind, key, data in self._db.execute("SELECT kind, key, data FROM records ORDER BY seq"):
            super().put(kind, key, orjson.loads(data))

    def put(self, kind: str, key: str, record: dict[str, Any]) -> None:
        self._db.execute(UPSERT, (kind, key, orjson.dumps(record)))
        super().put(kind, key, record)

    def put_many(self, kind: str, records: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Put several (key, record) pairs in one transaction: a kill keeps all of them or none."""
        pairs = list(records)
        self._db.execute("BEGIN")
        try:
            self._db.executemany(UPSERT, [(kind, key, orjson.dumps(record)) for key, record in pairs])
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        super().put_many(kind, pairs)

    def delete(self, kind: str, key: str) -> None:
        self._db.execute("DELETE FROM records WHERE kind=? AND key=?", (kind, key))
        super().delete(kind, key)

    def clear(self) -> None:
        self._db.execute("DELETE FROM records")
        super().clear()

    def close(self) -> None:
        self._db.close()


class FinishedBytes(Protocol):
    """Bytes ready to become a blob: their size, and how to move them into place under an id."""

    @property
    def size(self) -> int: ...

    def commit(self, blob_id: str) -> None: ...


class ExistingFile:
    """A complete file elsewhere on the same disk, moved into place (renamed) on commit."""

    def __init__(self, path: Path, target: Callable[[str], Path]) -> None:
        self.path = path
        self._target = target
        self.size = path.stat().st_size

    def commit(self, blob_id: str) -> None:
        os.replace(self.path, self._target(blob_id))


class BlobWriter:
    """Streams bytes to a temporary file; `commit` makes them a blob atomically, `abort` throws them away."""

    def __init__(self, blobs: BlobStore, tmp_path: Path) -> None:
        self._blobs = blobs
        self.tmp_path = tmp_path
        self._fh: IO[bytes] | None = open(tmp_path, "wb")  # noqa: SIM115 - closed in commit/abort
        self.size = 0

    def write(self, chunk: bytes) -> None:
        assert self._fh is not None, "writer already closed"
        self._fh.write(chunk)
        self.size += len(chunk)

    def md5(self) -> str:
        """The md5 of the bytes written so far, read back from disk (hashing every chunk slows all uploads)."""
        assert self._fh is not None, "writer already closed"
        self._fh.flush()
        digest = hashlib.md5(usedforsecurity=False)
        with open(self.tmp_path, "rb") as handle:
            while chunk := handle.read(COPY_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def commit(self, blob_id: str) -> None:
        assert self._fh is not None, "writer already closed"
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = None
        os.replace(self.tmp_path, self._blobs.path(blob_id))

    def abort(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self.tmp_path.unlink(missing_ok=True)


class BlobStore:
    """Blob files in `<root>/blobs`, temporary files in `<root>/tmp`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._dir = root / "blobs"
        self._tmp = root / "tmp"
        self._dir.mkdir(parents=True, exist_ok=True)
        self._tmp.mkdir(parents=True, exist_ok=True)
        (root / "work").mkdir(parents=True, exist_ok=True)
        for stale in self._tmp.iterdir():
            stale.unlink(missing_ok=True)

    def path(self, blob_id: str) -> Path:
        return self._dir / blob_id

    def writer(self) -> BlobWriter:
        return BlobWriter(self, self._tmp / uuid.uuid4().hex)

    def scratch_path(self, name: str) -> Path:
        """A stable path for work files (for example a running batch's partial results)."""
        return self.root / "work" / name

    def exists(self, blob_id: str) -> bool:
        return self.path(blob_id).exists()

    def open(self, blob_id: str) -> IO[bytes]:
        return open(self.path(blob_id), "rb")

    def delete(self, blob_id: str) -> None:
        self.path(blob_id).unlink(missing_ok=True)

    def clear(self) -> None:
        """Delete every blob, temporary and work file (the folders stay: cheaper for frequent resets)."""
        for folder in (self._dir, self._tmp, self.root / "work"):
            folder.mkdir(parents=True, exist_ok=True)
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)


def open_storage(data_dir: Path | None) -> tuple[MetadataStore, BlobStore, Path | None]:
    """The stores for a config: (metadata, blobs, temporary root to remove at exit or None)."""
    if data_dir is None:
        root = Path(tempfile.mkdtemp(prefix="batch-emulator-"))
        return MemoryStore(), BlobStore(root), root
    data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteStore(data_dir / "metadata.sqlite3"), BlobStore(data_dir), None
