"""Filling a small filesystem up to its last byte (see the `small_disk` fixture in tests/durability)."""

from __future__ import annotations

import errno
from pathlib import Path


def fill(disk: Path) -> Path:
    """Write a file that takes every free byte of `disk`; deleting it frees the space again."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as handle:
        for size in (1 << 16, 1 << 12, 1 << 8, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler
