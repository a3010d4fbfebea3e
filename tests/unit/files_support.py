"""The files and uploads services built from their collaborators alone (memory store, blobs in a temporary
folder, a manual clock), for tests that drive them without HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emulator.config import Limits
from emulator.engine.clock import ManualClock
from emulator.engine.ids import IdFactory
from emulator.engine.storage import BlobStore, MemoryStore
from emulator.files.service import FilesService
from emulator.files.uploads import UploadsService

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z
LIMITS = Limits(file_max_bytes=100, upload_part_max_bytes=10, upload_max_bytes=1_000, upload_lifetime_seconds=3600)


@dataclass
class Services:
    store: MemoryStore
    blobs: BlobStore
    clock: ManualClock
    files: FilesService
    uploads: UploadsService


def build(root: Path) -> Services:
    store, blobs, clock, ids = MemoryStore(), BlobStore(root), ManualClock(START), IdFactory(seed=1)
    files = FilesService(store, blobs, clock, ids, LIMITS)
    return Services(store, blobs, clock, files, UploadsService(store, blobs, clock, ids, LIMITS, files))
