"""The input a batch holds while it runs: its own name for the input file's bytes (a hard link, else a copy), so
deleting or expiring the input file while the batch runs takes the file away from the API but not from the batch."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from emulator.batches.records import BatchRecord
from emulator.engine.storage import BlobStore


def held_input(blobs: BlobStore, record: BatchRecord) -> Path:
    """Where the batch's own name for its input is."""
    return blobs.scratch_path(record["id"] + ".in")


def hold_input(blobs: BlobStore, record: BatchRecord) -> None:
    """Give the batch its own name for its input file's bytes."""
    held = held_input(blobs, record)
    source = blobs.path(record["input_file_id"])
    held.parent.mkdir(parents=True, exist_ok=True)
    held.unlink(missing_ok=True)
    try:
        os.link(source, held)
    except OSError:
        shutil.copyfile(source, held)


def release_input(blobs: BlobStore, record: BatchRecord) -> None:
    held_input(blobs, record).unlink(missing_ok=True)


def input_path(blobs: BlobStore, record: BatchRecord) -> Path:
    """The input the batch reads: its own name for it, or the input file itself before it holds one."""
    held = held_input(blobs, record)
    return held if held.exists() else blobs.path(record["input_file_id"])
