"""A batch's results: the work files a running batch appends to, and publishing them as `batch_output` files
when the batch ends (shuffled first when the scenario asks)."""

from __future__ import annotations

import os
import random
from pathlib import Path

from emulator.batches.records import BatchRecord
from emulator.batches.runner import WorkFiles
from emulator.config import Limits
from emulator.engine.storage import BlobStore, ExistingFile
from emulator.fake_model import FakeModel
from emulator.files.service import FilesService

SHUFFLE_WINDOW = 10_000


def work_files(blobs: BlobStore, batch_id: str) -> WorkFiles:
    """The partial output and error files of batch `batch_id` (scratch blobs until published)."""
    return WorkFiles(blobs.scratch_path(batch_id + ".out"), blobs.scratch_path(batch_id + ".err"))


class ResultPublisher:
    """Turns a batch's work files into its output and error files."""

    def __init__(self, blobs: BlobStore, files: FilesService, model: FakeModel, limits: Limits) -> None:
        self.blobs = blobs
        self.files = files
        self.model = model
        self.limits = limits

    def publish(self, record: BatchRecord, at: float) -> None:
        """Store the non-empty work files as batch_output files and set the batch's file ids (None, or "" when
        the scenario says so, for an empty one)."""
        work = work_files(self.blobs, record["id"])
        ttl = record["output_ttl"] or self.limits.batch_output_default_ttl
        plan = record["plan"]
        if plan["shuffle_output"] and work.out_path.exists():
            shuffle_file(work.out_path, plan.get("shuffle_seed") or self.model.seed, record["id"])
        blank = "" if plan["empty_string_file_ids"] else None
        record["output_file_id"] = self._publish_one(record, work.out_path, "output", ttl, at, blank)
        record["error_file_id"] = self._publish_one(record, work.err_path, "error", ttl, at, blank)

    def _publish_one(
        self, record: BatchRecord, path: Path, suffix: str, ttl: int, at: float, blank: str | None
    ) -> str | None:
        if path.exists() and path.stat().st_size > 0:
            file = self.files.add(
                ExistingFile(path, self.blobs.path),
                filename=f"{record['id']}_{suffix}.jsonl",
                purpose="batch_output",
                ttl=ttl,
                owner=record["owner"],
                at=at,
            )
            return str(file["id"])
        path.unlink(missing_ok=True)
        return blank


def shuffle_file(path: Path, seed: int, batch_id: str) -> None:
    """Shuffle result lines in windows of SHUFFLE_WINDOW lines (seeded), keeping memory bounded."""
    rng = random.Random(f"{seed}:{batch_id}:shuffle")
    tmp = str(path) + ".shuffle"
    with open(path, "rb") as source, open(tmp, "wb") as target:
        window: list[bytes] = []
        for line in source:
            window.append(line)
            if len(window) >= SHUFFLE_WINDOW:
                rng.shuffle(window)
                target.writelines(window)
                window = []
        rng.shuffle(window)
        target.writelines(window)
    os.replace(tmp, path)
