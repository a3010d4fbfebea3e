"""A running batch's work files: the partial output and error files its lines are appended to, and cutting them
back to what the batch record says was saved (after a kill, or a write that found the disk full)."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path
from typing import IO

from emulator.engine.blobs import COPY_CHUNK, raise_if_full
from emulator.engine.errors import InsufficientStorage

# where the kernel cannot copy between these two files (another file system, an older kernel, no such call)
NO_KERNEL_COPY = frozenset({errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBADF})


class WorkFiles:
    """The append-only partial output and error files of a running batch."""

    def __init__(self, out_path: Path, err_path: Path) -> None:
        self.out_path = out_path
        self.err_path = err_path
        self._out: IO[bytes] | None = None
        self._err: IO[bytes] | None = None

    def write(self, target: str, data: bytes) -> None:
        try:
            if target == "output":
                if self._out is None:
                    self._out = open(self.out_path, "ab")  # noqa: SIM115 - closed in close()
                self._out.write(data)
            elif target == "error":
                if self._err is None:
                    self._err = open(self.err_path, "ab")  # noqa: SIM115 - closed in close()
                self._err.write(data)
        except OSError as exc:
            raise_if_full(exc)
            raise

    def append_copy(self, target: str, source: int, start: int, count: int) -> None:
        """Append `count` bytes of the open file `source`, from its offset `start`, to the output or error file,
        copied by the kernel where it can (the bytes never pass through this process)."""
        handle, path = (self._out, self.out_path) if target == "output" else (self._err, self.err_path)
        try:
            if handle is not None:
                handle.flush()  # what was written before goes first
            into = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
            try:
                copy_range(source, into, start, os.fstat(into).st_size, count)
            finally:
                os.close(into)
        except OSError as exc:
            raise_if_full(exc)
            raise

    def close(self) -> None:
        """Flush and close; a full disk raises `InsufficientStorage` (call `discard` then)."""
        handles, self._out, self._err = (self._out, self._err), None, None
        try:
            for handle in handles:
                if handle is not None:
                    handle.close()
        except OSError as exc:
            for handle in handles:
                if handle is not None:
                    with contextlib.suppress(OSError):
                        handle.close()
            raise_if_full(exc)
            raise

    def discard(self) -> None:
        """Close without caring whether buffered bytes reach the disk (the caller truncates to what is saved)."""
        with contextlib.suppress(OSError, InsufficientStorage):
            self.close()


def copy_range(source: int, into: int, start: int, at: int, count: int) -> None:
    """Copy `count` bytes from offset `start` of the file `source` to offset `at` of the file `into`: in the kernel
    (copy_file_range) where it can, else through a bounded buffer."""
    kernel_copy = getattr(os, "copy_file_range", None)
    while count > 0:
        done = 0
        if kernel_copy is not None:
            try:
                done = kernel_copy(source, into, count, start, at)
            except OSError as exc:
                if exc.errno not in NO_KERNEL_COPY:
                    raise
                kernel_copy = None
        if kernel_copy is None:
            chunk = os.pread(source, min(count, COPY_CHUNK), start)
            done = os.pwrite(into, chunk, at) if chunk else 0
        if done <= 0:
            raise OSError(errno.EIO, f"the source ends {count} bytes early")
        start += done
        at += done
        count -= done


def truncate_to(path: Path, size: int) -> None:
    """Drop bytes written after the last saved state (after a crash)."""
    if path.exists() and path.stat().st_size > size:
        with open(path, "r+b") as handle:
            handle.truncate(size)
