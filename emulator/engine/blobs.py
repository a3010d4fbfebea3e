"""The blob directory: file bytes under `<root>/blobs/<id>`, uploads in progress under `<root>/tmp`, running
batches' partial results under `<root>/work`.

A blob is written to a temporary name, fsynced, and renamed into place (atomic), so a reader or a restarted
server never sees half a file. A store that does not outlive its server (no `--data-dir`: a temporary root
removed at exit) skips the fsyncs, which only matter to a later server. A write that fails for lack of space
removes what it wrote and raises `InsufficientStorage` (a 507): nothing changed.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

from emulator.engine.crash import reached
from emulator.engine.errors import InsufficientStorage

COPY_CHUNK = 1024 * 1024  # bytes read at a time when copying or hashing a file on disk
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def is_full(exc: BaseException) -> bool:
    """Whether `exc` says the disk (or a quota) is full."""
    if isinstance(exc, OSError):
        return exc.errno in FULL_ERRNOS
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
    return False


def raise_if_full(exc: BaseException) -> None:
    """Raise `InsufficientStorage` (caused by `exc`) when `exc` says the disk is full; else return, so that the
    caller re-raises `exc` itself."""
    if is_full(exc):
        raise InsufficientStorage() from exc


def fsync_path(path: Path) -> None:
    """Make the bytes of the file `path` durable (a no-op when they already are, whatever its size)."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


class FinishedBytes(Protocol):
    """Bytes ready to become a blob: their size, and how to move them into place under an id."""

    @property
    def size(self) -> int: ...

    def commit(self, blob_id: str) -> None: ...


class BlobWriter:
    """Streams bytes to a temporary file; `commit` makes them a blob atomically, `abort` throws them away."""

    def __init__(self, blobs: BlobStore, tmp_path: Path) -> None:
        self._blobs = blobs
        self.tmp_path = tmp_path
        self._fh: IO[bytes] | None = open(tmp_path, "wb")  # noqa: SIM115 - closed in commit/abort
        self.size = 0

    def write(self, chunk: bytes) -> None:
        assert self._fh is not None, "writer already closed"
        try:
            self._fh.write(chunk)
        except OSError as exc:
            self.abort()
            raise_if_full(exc)
            raise
        self.size += len(chunk)

    def md5(self) -> str:
        """The md5 of the bytes written so far, read back from disk (hashing every chunk slows all uploads)."""
        assert self._fh is not None, "writer already closed"
        try:
            self._fh.flush()
        except OSError as exc:
            self.abort()
            raise_if_full(exc)
            raise
        digest = hashlib.md5(usedforsecurity=False)
        with open(self.tmp_path, "rb") as handle:
            while chunk := handle.read(COPY_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def commit(self, blob_id: str) -> None:
        assert self._fh is not None, "writer already closed"
        try:
            self._fh.flush()
            if self._blobs.durable:
                os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None
            os.replace(self.tmp_path, self._blobs.path(blob_id))
        except OSError as exc:
            self.abort()
            raise_if_full(exc)
            raise
        reached("blob:commit")

    def abort(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):  # bytes that could not be flushed go with the file
                self._fh.close()
            self._fh = None
        self.tmp_path.unlink(missing_ok=True)


class BlobStore:
    """Blob files in `<root>/blobs`, temporary files in `<root>/tmp`, work files in `<root>/work`."""

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = root
        self.durable = durable  # whether its files must survive the server (fsynced), or go with it
        self._dir = root / "blobs"
        self._tmp = root / "tmp"
        self.work_dir = root / "work"
        for folder in (self._dir, self._tmp, self.work_dir):
            folder.mkdir(parents=True, exist_ok=True)
        for stale in self._tmp.iterdir():
            stale.unlink(missing_ok=True)

    def path(self, blob_id: str) -> Path:
        return self._dir / blob_id

    def writer(self) -> BlobWriter:
        try:
            return BlobWriter(self, self._tmp / uuid.uuid4().hex)
        except OSError as exc:
            raise_if_full(exc)
            raise

    def scratch_path(self, name: str) -> Path:
        """A stable path for work files (for example a running batch's partial results)."""
        return self.work_dir / name

    def link(self, source: Path, blob_id: str) -> None:
        """Make the complete file `source` (fsynced here, in a durable store) also the blob `blob_id`, leaving
        `source` in place: a hard link, or a copy where links are not possible. Doing it again gives the same
        blob."""
        target = self.path(blob_id)
        try:
            if self.durable:
                fsync_path(source)
            target.unlink(missing_ok=True)
            try:
                os.link(source, target)
            except OSError as exc:
                if is_full(exc):
                    raise
                writer = self.writer()
                with open(source, "rb") as handle:
                    while chunk := handle.read(COPY_CHUNK):
                        writer.write(chunk)
                writer.commit(blob_id)
                return
        except OSError as exc:
            target.unlink(missing_ok=True)
            raise_if_full(exc)
            raise
        reached("blob:link")

    def exists(self, blob_id: str) -> bool:
        return self.path(blob_id).exists()

    def open(self, blob_id: str) -> IO[bytes]:
        return open(self.path(blob_id), "rb")

    def delete(self, blob_id: str) -> None:
        self.path(blob_id).unlink(missing_ok=True)
        reached("blob:delete")

    def ids(self) -> Iterator[str]:
        """The ids of every blob on disk."""
        with os.scandir(self._dir) as entries:
            yield from (entry.name for entry in entries if entry.is_file(follow_symlinks=False))

    def clear(self) -> None:
        """Delete every blob, temporary and work file (the folders stay: cheaper for frequent resets)."""
        for folder in (self._dir, self._tmp, self.work_dir):
            folder.mkdir(parents=True, exist_ok=True)
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)
