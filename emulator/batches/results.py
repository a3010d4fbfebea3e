"""A batch's results: the work files a running batch appends to, and publishing them as `batch_output` files
when the batch ends (shuffled first when the scenario asks).

Publishing makes the work files durable (fsync) before linking them, and shuffles the output into a copy when
the scenario asks. For big results both take long (a second for a gigabyte on a slow disk), so inside a work
slice `on_disk` first has them done on a thread while the event loop turns; publishing then finds the shuffled
copy made and nothing left to flush.
"""

from __future__ import annotations

import os
import random
import threading
from concurrent.futures import Future
from pathlib import Path

from emulator.batches.early_answers import index_path
from emulator.batches.records import BatchRecord
from emulator.batches.work_files import WorkFiles
from emulator.config import Limits
from emulator.engine.blobs import fsync_path, raise_if_full
from emulator.engine.budget import in_slice, wait_on
from emulator.engine.storage import BlobStore
from emulator.fake_model import FakeModel
from emulator.files.service import FilesService

SHUFFLE_WINDOW = 10_000
FLUSH_INLINE_BYTES = 8 * 1024 * 1024  # results up to this size are flushed by `publish` itself


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
        self._flushing: dict[str, tuple[tuple[int, int], Future[None]]] = {}  # by batch id, with the sizes flushed
        self._shuffled: dict[str, tuple[int, int]] = {}  # batches whose shuffled output copy is made, at these sizes

    def on_disk(self, record: BatchRecord) -> bool:
        """Whether the batch's work files can be published without holding the event loop for long. Big ones,
        inside a work slice, are shuffled (when the scenario asks) and flushed to disk on a thread: False (the
        slice stopped, waiting for it) until that is done; a failure there raises here (InsufficientStorage for
        a full disk). The work files must end where the record says."""
        progress = record["progress"]
        sizes = (progress["out_bytes"], progress["err_bytes"])
        shuffle = bool(record["plan"]["shuffle_output"]) and sizes[0] > 0
        if not in_slice() or sum(sizes) <= FLUSH_INLINE_BYTES or not (self.blobs.durable or shuffle):
            return True
        batch_id = record["id"]
        if shuffle and self._shuffled.get(batch_id) == sizes:
            return True  # shuffled (and flushed) on a thread already
        flushing = self._flushing.get(batch_id)
        if flushing is None or flushing[0] != sizes:
            work = work_files(self.blobs, batch_id)
            seed = record["plan"].get("shuffle_seed") or self.model.seed
            job = _in_thread(work, (seed, batch_id) if shuffle else None, self.blobs.durable)
            flushing = self._flushing[batch_id] = (sizes, job)
        done = flushing[1]
        if not done.done():
            wait_on(done)
            return False
        del self._flushing[batch_id]
        try:
            done.result()
        except OSError as exc:
            raise_if_full(exc)
            raise
        if shuffle:
            self._shuffled[batch_id] = sizes
        return True

    def forget_work(self) -> None:
        """Forget the flushes and shuffled copies under way (after a reset)."""
        self._flushing.clear()
        self._shuffled.clear()

    def publish(self, record: BatchRecord, at: float) -> list[str]:
        """Link the non-empty work files (the output shuffled into a copy first when the scenario asks) into
        blobs under new file ids, write their file records and set the batch's file ids (None, or "" when the
        scenario says so, for an empty one). Called inside the batch's transaction; the work files stay until
        `discard_work`, so doing it again after a failure or a kill gives the same files. Returns the blob ids
        it linked."""
        work = work_files(self.blobs, record["id"])
        ttl = record["output_ttl"] or self.limits.batch_output_default_ttl
        plan = record["plan"]
        output = work.out_path
        if plan["shuffle_output"] and output.exists():
            sizes = (record["progress"]["out_bytes"], record["progress"]["err_bytes"])
            made = shuffled_path(output)
            if self._shuffled.get(record["id"]) == sizes and made.exists():
                output = made  # made by `on_disk`, on a thread
            else:
                output = shuffled_copy(output, plan.get("shuffle_seed") or self.model.seed, record["id"])
        blank = "" if plan["empty_string_file_ids"] else None
        linked: list[str] = []
        record["output_file_id"] = self._publish_one(record, output, "output", ttl, at, linked) or blank
        record["error_file_id"] = self._publish_one(record, work.err_path, "error", ttl, at, linked) or blank
        return linked

    def _publish_one(
        self, record: BatchRecord, path: Path, suffix: str, ttl: int, at: float, linked: list[str]
    ) -> str | None:
        if not path.exists() or path.stat().st_size == 0:
            return None
        file_id = self.files.ids.file()
        self.blobs.link(path, file_id)
        linked.append(file_id)
        self.files.add_record(
            file_id,
            path.stat().st_size,
            filename=f"{record['id']}_{suffix}.jsonl",
            purpose="batch_output",
            ttl=ttl,
            owner=record["owner"],
            at=at,
        )
        return file_id

    def discard_work(self, batch_id: str) -> None:
        """Remove a batch's work files once its results are committed (what a kill leaves, startup removes)."""
        self._shuffled.pop(batch_id, None)
        work = work_files(self.blobs, batch_id)
        for path in (work.out_path, work.err_path, shuffled_path(work.out_path)):
            path.unlink(missing_ok=True)
        for block in work.out_path.parent.glob(f"{batch_id}.block-*"):  # what worker processes left after a kill
            block.unlink(missing_ok=True)
        index_path(work.out_path.parent, batch_id).unlink(missing_ok=True)


def _in_thread(work: WorkFiles, shuffle: tuple[int, str] | None, durable: bool) -> Future[None]:
    """On a thread of its own: the shuffled copy of the output work file, when `shuffle` gives (seed, batch id),
    then, in a durable store, the files to be published made durable; the outcome in a future."""
    future: Future[None] = Future()

    def run() -> None:
        try:
            output = work.out_path
            if shuffle is not None:
                output = shuffled_copy(output, *shuffle)
            for path in (output, work.err_path) if durable else ():
                if path.exists():
                    fsync_path(path)
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(None)

    threading.Thread(target=run, name="flush-results", daemon=True).start()
    return future


def shuffled_path(path: Path) -> Path:
    return path.with_name(path.name + ".shuffled")


def shuffled_copy(path: Path, seed: int, batch_id: str) -> Path:
    """A copy of the result file `path` with its lines shuffled (seeded, so every copy is the same)."""
    target = shuffled_path(path)
    shuffle_file(path, target, seed, batch_id)
    return target


def shuffle_file(path: Path, into: Path, seed: int, batch_id: str) -> None:
    """Write the lines of `path` to `into` shuffled in windows of SHUFFLE_WINDOW lines (seeded), keeping memory
    bounded."""
    rng = random.Random(f"{seed}:{batch_id}:shuffle")
    tmp = str(into) + ".tmp"
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
    os.replace(tmp, into)
