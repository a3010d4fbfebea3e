"""Block files: the result lines of a block of batch lines, written by a worker process, and copying them into
the batch's work files.

A worker writes a block's output lines, then its error lines, to a file of its own. The server copies them into
the work files at the positions the batch record says those files end at, in the kernel (copy_file_range)
where it can, so the bytes never pass through the server's memory. Positions rather than appends: copying a
block again writes the same bytes at the same place, so an interrupted or repeated copy never leaves the work
files out of step with the record. The files are opened by the caller, and `run` needs no Python object the
event loop uses, so it can run on a thread while the loop serves other clients; it removes the block file
when done.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from emulator.batches.work_files import WorkFiles
from emulator.engine.blobs import COPY_CHUNK, raise_if_full

# where the kernel cannot copy between two files (another file system, an older kernel, no such call)
NO_KERNEL_COPY = frozenset({errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBADF})


class BlockCopy:
    """Copies one block file into the work files: opened where it is made, `run` anywhere, once."""

    def __init__(self, block: Path, sizes: tuple[int, int], work: WorkFiles, at: tuple[int, int]) -> None:
        """`sizes`: the bytes of output lines then error lines in `block`; `at`: where the output and error work
        files end now (their sizes in the batch record)."""
        self.block = block
        self._source = os.open(block, os.O_RDONLY)
        self._copies: list[tuple[int, int, int, int]] = []  # (work file, start in the block, bytes, position)
        try:
            if sizes[0]:
                self._copies.append((work.open_positional("output"), 0, sizes[0], at[0]))
            if sizes[1]:
                self._copies.append((work.open_positional("error"), sizes[0], sizes[1], at[1]))
        except BaseException:
            self._close()
            raise

    def run(self) -> None:
        """Copy the block's lines into place and remove the block file; a full disk raises InsufficientStorage."""
        try:
            for into, start, count, at in self._copies:
                copy_range(self._source, into, start, at, count)
        except OSError as exc:
            raise_if_full(exc)
            raise
        finally:
            self._close()
        self.block.unlink(missing_ok=True)

    def _close(self) -> None:
        for into, *_ in self._copies:
            with contextlib.suppress(OSError):
                os.close(into)
        self._copies = []
        if self._source >= 0:
            with contextlib.suppress(OSError):
                os.close(self._source)
            self._source = -1


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
            raise OSError(errno.EIO, f"the block file ends {count} bytes early")
        start += done
        at += done
        count -= done
