"""A running batch's work files: the partial output and error files its lines are appended to, and cutting them
back to what the batch record says was saved (after a kill, or a write that found the disk full)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO

from emulator.engine.blobs import raise_if_full
from emulator.engine.errors import InsufficientStorage


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

    def open_positional(self, target: str) -> int:
        """A file descriptor on the output or error file for writes at given positions (the caller closes it),
        after what was appended before is flushed."""
        handle, path = (self._out, self.out_path) if target == "output" else (self._err, self.err_path)
        try:
            if handle is not None:
                handle.flush()
            return os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
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


def truncate_to(path: Path, size: int) -> None:
    """Drop bytes written after the last saved state (after a crash)."""
    if path.exists() and path.stat().st_size > size:
        with open(path, "r+b") as handle:
            handle.truncate(size)
