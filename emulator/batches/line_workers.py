"""Worker processes for the lines of big batches.

A line's result is a pure function of (seed, model settings, batch id, endpoint, the line's custom_id and body,
and the time its slot ends), so the lines of a batch that no scenario rule touches can be answered anywhere.
`LinePool` sends blocks of consecutive raw lines to worker processes and hands the results back in input
order; the runner writes them exactly as it writes the lines it answers itself, so the output and error files
are the same bytes with or without workers.

The pool starts its processes only when a batch has at least `min_lines` lines left to answer, or at least
`min_bytes` of results at the size of its answers so far (its first lines are answered by the server, which
shows that size), so a test run that never sends a big batch never starts one. Up to `DEPTH` blocks per batch
are computed ahead of the one the runner waits for. Inside a work slice (see `engine.budget`) the runner does
not wait for a block: the slice stops and names the future to await, so the event loop keeps turning
meanwhile.

A worker writes its block's result lines to a block file next to the batch's work files and sends back only
what they count; the server copies that file into the work files in the kernel (see `block_files`), on a
thread while inside a work slice. So the result bytes never cross a pipe, are never unpickled, never sit in
the server's memory and never hold the event loop, even when every answer is a big embedding. Blocks are
sized by bytes as well as lines: the first is small, then each holds about `BLOCK_BYTES` of results at the
largest answer size seen so far. The workers run at a lower priority than the server's own process, which
answers clients.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import orjson

from emulator.batches.block_files import BlockCopy
from emulator.batches.result_lines import ResultLines
from emulator.batches.work_files import WorkFiles
from emulator.config import WORKER_MIN_BYTES
from emulator.engine.blobs import raise_if_full
from emulator.engine.budget import in_slice, wait_on
from emulator.fake_model import FakeModel

BLOCK_LINES = 2_000  # most lines sent to a worker at once
FIRST_BLOCK_LINES = 16  # lines of the first block, whose result shows how big the answers are
BLOCK_BYTES = 4 * 1024 * 1024  # result bytes a block aims at
DEPTH = 4  # blocks computed ahead per batch
WORKER_NICENESS = 5  # how much lower the workers' scheduling priority is than the server's


class ModelSettings(NamedTuple):
    """What a worker needs to build the same fake model as the server's."""

    seed: int
    models: tuple[str, ...]
    embedding_dimensions: tuple[tuple[str, int], ...]

    def build(self) -> FakeModel:
        return FakeModel(self.seed, self.models, dict(self.embedding_dimensions) or None)


class BlockJob(NamedTuple):
    """A block of consecutive request lines of one batch; `first_index` is the 0-based index of the first."""

    settings: ModelSettings
    batch_id: str
    endpoint: str
    started: float
    rate: float
    first_index: int
    lines: list[bytes]


class BlockResult(NamedTuple):
    """The result lines of a block, by file, with what they count."""

    output: bytes
    errors: bytes
    completed: int
    failed: int
    tokens: tuple[int, int, int, int]
    requests: int  # request lines answered
    consumed: int  # input bytes up to the end of the last request line


def answer_block(model: FakeModel, job: BlockJob) -> BlockResult:
    """Answer every line of a block, as the runner answers a line no scenario rule touches."""
    output: list[bytes] = []
    errors: list[bytes] = []
    tokens = [0, 0, 0, 0]
    index = job.first_index
    read = consumed = 0
    endpoint, started, rate = job.endpoint, job.started, job.rate
    lines = ResultLines(job.settings.seed, job.batch_id)
    answer = model.line_answerer(endpoint)
    for raw in job.lines:
        read += len(raw)
        if raw.isspace():
            continue  # blank lines are only ever at the end of a validated file
        consumed = read
        request = orjson.loads(raw)
        custom_id = request["custom_id"]
        finish = started + (index + 1) / rate  # the same arithmetic as slot_end()
        index += 1
        result = answer(request["body"], custom_id, int(finish))
        data = lines.answered(custom_id, result.status_code, result.body_json)
        if 200 <= result.status_code < 300:
            output.append(data)
            used = result.usage
            tokens[0] += used.input_tokens
            tokens[1] += used.cached_tokens
            tokens[2] += used.output_tokens
            tokens[3] += used.reasoning_tokens
        else:
            errors.append(data)
    completed = len(output)
    return BlockResult(
        b"".join(output),
        b"".join(errors),
        completed,
        len(errors),
        (tokens[0], tokens[1], tokens[2], tokens[3]),
        index - job.first_index,
        consumed,
    )


class SpilledBlock(NamedTuple):
    """A block answered by a worker: what it counts (`result`, without the bytes) and the sizes of its output
    and error lines, written in that order to the block's file."""

    result: BlockResult
    output_size: int
    errors_size: int


_MODELS: dict[ModelSettings, FakeModel] = {}


def answer_block_in_worker(job: BlockJob, spill: str) -> SpilledBlock:
    """The worker process's entry point: the block answered by a fake model kept per settings, its output lines
    then its error lines written to the file `spill`."""
    model = _MODELS.get(job.settings)
    if model is None:
        model = _MODELS[job.settings] = job.settings.build()
    result = answer_block(model, job)
    with open(spill, "wb") as out:
        out.write(result.output)
        out.write(result.errors)
    return SpilledBlock(result._replace(output=b"", errors=b""), len(result.output), len(result.errors))


def model_settings(seed: int, models: Sequence[str], dimensions: Mapping[str, int] | None) -> ModelSettings:
    return ModelSettings(seed, tuple(models), tuple(sorted((dimensions or {}).items())))


@dataclass(slots=True)
class _Pipeline:
    """The blocks of one batch in flight, in input order: each a future and the file its worker writes."""

    next_offset: int
    next_index: int
    expected: tuple[int, int, int, int]  # where the first block starts: (input offset, index, output, error bytes)
    blocks: deque[tuple[Future[SpilledBlock], Path]] = field(default_factory=deque)
    line_bytes: int = 0  # the most result bytes per request line seen in this batch's blocks so far
    copying: Future[None] | None = None  # the first block's copy into the work files, when it runs on a thread

    def room(self) -> bool:
        """Whether another block may be sent: one until a result shows how big the answers are, then DEPTH."""
        return len(self.blocks) < (DEPTH if self.line_bytes else 1)

    def block_lines(self) -> int:
        """How many lines the next block gets: few until a result is in, then about BLOCK_BYTES of results."""
        if not self.line_bytes:
            return FIRST_BLOCK_LINES
        return max(1, min(BLOCK_LINES, BLOCK_BYTES // self.line_bytes))


class LinePool:
    """Worker processes, started on first use, and the blocks each big batch has in flight."""

    def __init__(self, workers: int, min_lines: int, min_bytes: int = WORKER_MIN_BYTES) -> None:
        self.workers = workers
        self.min_lines = min_lines
        self.min_bytes = min_bytes
        self._executor: ProcessPoolExecutor | None = None
        self._copies: ThreadPoolExecutor | None = None  # the thread block files are copied on, inside work slices
        self._pipelines: dict[str, _Pipeline] = {}
        self._serial = itertools.count()  # numbers the block files, so no two blocks ever share one

    @property
    def started(self) -> bool:
        """Whether the worker processes have been started."""
        return self._executor is not None

    def wanted(self, batch_id: str, lines_left: int, line_bytes: float = 0.0) -> bool:
        """Whether the lines of this batch go to the workers: enough of them left, or enough result bytes left at
        `line_bytes` a line (the size of its answers so far), or blocks already in flight."""
        return self.workers > 0 and (
            lines_left >= self.min_lines or lines_left * line_bytes >= self.min_bytes or batch_id in self._pipelines
        )

    def take(
        self, job: BlockJob, path: Path, offset: int, limit: int, work: WorkFiles, written: tuple[int, int]
    ) -> SpilledBlock | None:
        """The block starting at (`offset`, `job.first_index`), up to request `limit` (exclusive), copied into
        `work`'s files, which end at `written` (output, error bytes); its counts and sizes are returned for the
        caller to record.

        `job` carries the batch's settings (its `lines` are ignored). Blocks ahead are sent to the workers first.
        Outside a work slice this waits for the block and copies it; inside one it returns None while the block
        is not ready or its copy (on a thread) not done, with the slice stopped and waiting on it."""
        start = (offset, job.first_index, *written)
        pipeline = self._pipelines.get(job.batch_id)
        if pipeline is None or pipeline.expected != start:
            self.drop(job.batch_id)
            pipeline = self._pipelines[job.batch_id] = _Pipeline(offset, job.first_index, start)
        while pipeline.room() and pipeline.next_index < limit:
            count = min(pipeline.block_lines(), limit - pipeline.next_index)
            lines, size, requests = _read_block(path, pipeline.next_offset, count)
            if not requests:
                break
            block = job._replace(first_index=pipeline.next_index, lines=lines)
            spill = work.out_path.with_name(f"{job.batch_id}.block-{next(self._serial)}")
            pipeline.blocks.append((self._pool().submit(answer_block_in_worker, block, str(spill)), spill))
            pipeline.next_offset += size
            pipeline.next_index += requests
        if not pipeline.blocks:
            self.drop(job.batch_id)
            raise ValueError(f"{path} ends before request {limit} of batch {job.batch_id}")
        head, spill = pipeline.blocks[0]
        try:
            if pipeline.copying is None:
                if not head.done() and in_slice():
                    wait_on(head)
                    return None
                spilled = head.result()
                copy = BlockCopy(spill, (spilled.output_size, spilled.errors_size), work, written)
                if not in_slice():
                    copy.run()
                else:
                    pipeline.copying = self._copier().submit(copy.run)
            if pipeline.copying is not None:
                if not pipeline.copying.done():
                    wait_on(pipeline.copying)
                    return None
                pipeline.copying.result()
                pipeline.copying = None
            spilled = head.result()
        except BaseException as exc:
            self.drop(job.batch_id)
            if isinstance(exc, OSError):
                raise_if_full(exc)
            raise
        pipeline.blocks.popleft()
        result = spilled.result
        if result.requests:
            per_line = -(-(spilled.output_size + spilled.errors_size) // result.requests)
            pipeline.line_bytes = max(pipeline.line_bytes, per_line)
        pipeline.expected = (
            offset + result.consumed,
            job.first_index + result.requests,
            written[0] + spilled.output_size,
            written[1] + spilled.errors_size,
        )
        if not pipeline.blocks and pipeline.next_index >= limit:
            del self._pipelines[job.batch_id]
        return spilled

    def drop(self, batch_id: str) -> None:
        """Forget a batch's blocks in flight (their results are not used, their files go once written). A copy
        under way into the work files is waited for, so nothing writes to them once this returns."""
        pipeline = self._pipelines.pop(batch_id, None)
        if pipeline is None:
            return
        for future, spill in pipeline.blocks:
            future.cancel()
            future.add_done_callback(_unlinker(spill))
        if pipeline.copying is not None:
            with contextlib.suppress(Exception):  # its failure was or will be reported where it is awaited
                pipeline.copying.result()

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_lower_priority
            )
        return self._executor

    def _copier(self) -> ThreadPoolExecutor:
        if self._copies is None:
            self._copies = ThreadPoolExecutor(1, thread_name_prefix="block-copy")
        return self._copies

    def reset(self) -> None:
        for batch_id in list(self._pipelines):
            self.drop(batch_id)

    def close(self) -> None:
        self.reset()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        if self._copies is not None:
            self._copies.shutdown(wait=True)
            self._copies = None


def _lower_priority() -> None:
    """In a worker process: yield the CPU to the server's own process, which answers clients, when both want it."""
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(WORKER_NICENESS)


def _unlinker(spill: Path) -> Callable[[Future[SpilledBlock]], None]:
    """A done-callback that removes a dropped block's file once its worker has written it (or never will)."""
    return lambda _: spill.unlink(missing_ok=True)


def _read_block(path: Path, offset: int, count: int) -> tuple[list[bytes], int, int]:
    """Up to `count` request lines from `offset` (and any blank lines among them): (raw lines, bytes, requests)."""
    lines: list[bytes] = []
    size = requests = 0
    with path.open("rb") as stream:
        stream.seek(offset)
        for raw in stream:
            lines.append(raw)
            size += len(raw)
            if not raw.isspace():
                requests += 1
                if requests >= count:
                    break
    return lines, size, requests


__all__ = ["BlockJob", "BlockResult", "LinePool", "ModelSettings", "SpilledBlock", "answer_block", "model_settings"]
