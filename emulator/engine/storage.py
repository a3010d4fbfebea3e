"""Where records live: a metadata store, in memory or (under --data-dir) SQLite with a copy in memory.

Records are plain JSON-able dicts grouped by kind ("files", "uploads", "parts", "batches", the webhook
settings and deliveries), kept in insertion order. The SQLite store writes each change through before the call
returns, so an acknowledged record survives a kill; `put_many` and the writes inside `with store.transaction():`
are one SQLite transaction, so a kill keeps all of them or none. Memory follows the disk: it changes only after
the write succeeded, and when a write fails (a full disk answers `InsufficientStorage`) every record it touched
is read back from disk, so a record a caller changed in place before saving it is undone too.

A data dir is held by one process at a time: `open_storage` takes an exclusive `flock` on `<data dir>/lock`
(released when the process ends, however it ends) and refuses with `DataDirInUse`, naming the holder's pid.
The blob directory is `emulator.engine.blobs`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, Any, Literal, Protocol

import orjson

from emulator.engine.blobs import COPY_CHUNK, BlobStore, BlobWriter, FinishedBytes, raise_if_full
from emulator.engine.crash import reached

UPSERT = (
    "INSERT INTO records (kind, key, data) VALUES (?, ?, ?) ON CONFLICT(kind, key) DO UPDATE SET data=excluded.data"
)
LOCK_FILE = "lock"
Op = tuple[Literal["put", "delete"], str, str, dict[str, Any] | None]


class MetadataStore(Protocol):
    def put(self, kind: str, key: str, record: dict[str, Any]) -> None: ...
    def put_many(self, kind: str, records: Iterable[tuple[str, dict[str, Any]]]) -> None: ...
    def get(self, kind: str, key: str) -> dict[str, Any] | None: ...
    def delete(self, kind: str, key: str) -> None: ...
    def values(self, kind: str) -> Iterator[dict[str, Any]]: ...
    def count(self, kind: str) -> int: ...
    def clear(self) -> None: ...
    def close(self) -> None: ...
    def transaction(self) -> AbstractContextManager[None]: ...


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

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Memory cannot fail half-way: the writes inside the block happen as they are made."""
        yield


class SqliteStore(MemoryStore):
    """The memory store plus a write-through SQLite copy that is read back at start."""

    def __init__(self, path: Path, lock: IO[str] | None = None) -> None:
        super().__init__()
        self._lock = lock
        self._pending: list[Op] | None = None
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
        self._write([("put", kind, key, record)], together=False)

    def put_many(self, kind: str, records: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Put several (key, record) pairs in one transaction: a kill keeps all of them or none."""
        self._write([("put", kind, key, record) for key, record in records], together=True)

    def delete(self, kind: str, key: str) -> None:
        self._write([("delete", kind, key, None)], together=False)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Collect the writes made inside the block and commit them as one transaction when it ends; an
        exception in the block discards them (and undoes in-place changes to their records). Inside another
        transaction block this one only joins it: what must follow the commit (deleting bytes the records no
        longer name) belongs after the outermost block."""
        if self._pending is not None:
            yield  # already inside one: its commit takes these writes too
            return
        self._pending = []
        try:
            yield
        except BaseException:
            ops, self._pending = self._pending, None
            self._reload(ops)
            raise
        ops, self._pending = self._pending, None
        if ops:
            self._commit(ops, together=True)

    def _write(self, ops: list[Op], *, together: bool) -> None:
        if self._pending is not None:
            self._pending.extend(ops)
        elif ops:
            self._commit(ops, together=together)

    def _commit(self, ops: list[Op], *, together: bool) -> None:
        """Write `ops` (one transaction when `together`), then apply them to memory; on failure, memory is
        reloaded from disk for every record they touch."""
        try:
            rows = [
                (action, kind, key, orjson.dumps(record) if record is not None else b"")
                for action, kind, key, record in ops
            ]
            if together:
                self._db.execute("BEGIN")
            for action, kind, key, data in rows:
                if action == "put":
                    self._db.execute(UPSERT, (kind, key, data))
                else:
                    self._db.execute("DELETE FROM records WHERE kind=? AND key=?", (kind, key))
            if together:
                self._db.execute("COMMIT")
        except BaseException as exc:
            if self._db.in_transaction:
                with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back on its own
                    self._db.execute("ROLLBACK")
            self._reload(ops)
            raise_if_full(exc)
            raise
        reached("commit:" + "+".join(sorted({op[1] for op in ops})) if together else f"{ops[0][0]}:{ops[0][1]}")
        for _action, kind, key, record in ops:
            if record is not None:
                MemoryStore.put(self, kind, key, record)
            else:
                MemoryStore.delete(self, kind, key)

    def _reload(self, ops: list[Op]) -> None:
        """Make memory hold what the disk holds for every record `ops` touch."""
        for _action, kind, key, _record in ops:
            row = self._db.execute("SELECT data FROM records WHERE kind=? AND key=?", (kind, key)).fetchone()
            if row is None:
                MemoryStore.delete(self, kind, key)
            else:
                MemoryStore.put(self, kind, key, orjson.loads(row[0]))

    def clear(self) -> None:
        try:
            self._db.execute("DELETE FROM records")
        except (sqlite3.Error, OSError) as exc:
            raise_if_full(exc)
            raise
        reached("clear")
        super().clear()

    def close(self) -> None:
        self._db.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None


class DataDirInUse(RuntimeError):
    """Another process holds the data dir's lock."""


def lock_data_dir(data_dir: Path) -> IO[str]:
    """Hold `<data_dir>/lock` exclusively (until the returned file is closed or the process ends) and write
    this process's pid into it; `DataDirInUse` names the holder when another process has it."""
    handle = open(data_dir / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115 - the lock lives with the store
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise DataDirInUse(
            f"the data dir {data_dir} is in use by another batch-emulator (pid {holder}); "
            "stop that server or choose another --data-dir"
        ) from None
    with contextlib.suppress(OSError):  # on a full disk the lock holds without the pid in it
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
    return handle


def open_storage(data_dir: Path | None) -> tuple[MetadataStore, BlobStore, Path | None]:
    """The stores for a config: (metadata, blobs, temporary root to remove at exit or None)."""
    if data_dir is None:
        root = Path(tempfile.mkdtemp(prefix="batch-emulator-"))
        return MemoryStore(), BlobStore(root, durable=False), root
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = lock_data_dir(data_dir)
    try:
        return SqliteStore(data_dir / "metadata.sqlite3", lock), BlobStore(data_dir), None
    except BaseException:
        lock.close()
        raise


__all__ = [
    "COPY_CHUNK",
    "BlobStore",
    "BlobWriter",
    "DataDirInUse",
    "FinishedBytes",
    "MemoryStore",
    "SqliteStore",
]
