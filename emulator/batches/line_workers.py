"""Worker processes for the lines of big batches.

A line's result is a pure function of (seed, model settings, batch id, endpoint, the line's custom_id and body,
and the time its slot ends), so the lines of a batch that no scenario rule touches can be answered anywhere.
`LinePool` sends blocks of consecutive raw lines to worker processes and hands the results back in input
order; the runner writes them exactly as it writes the lines it answers itself, so the output and error files
are the same bytes with or without workers.

The pool starts its processes only when a batch has at least `min_lines` lines left to answer, so a test run
that never sends a big batch never starts one. Up to `DEPTH` blocks per batch are computed ahead of the one the
runner waits for. Inside a work slice (see `engine.budget`) the runner does not wait for a block: the slice
stops and names the future to await, so the event loop keeps turning meanwhile.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import orjson

from emulator.batches.result_lines import ResultLines
from emulator.engine.budget import in_slice, wait_on
from emulator.fake_model import FakeModel

BLOCK_LINES = 2_000  # lines sent to a worker at once
DEPTH = 4  # blocks computed ahead per batch


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
    answer = model.answer_line
    for raw in job.lines:
        read += len(raw)
        if raw.isspace():
            continue  # blank lines are only ever at the end of a validated file
        consumed = read
        request = orjson.loads(raw)
        custom_id = request["custom_id"]
        finish = started + (index + 1) / rate  # the same arithmetic as slot_end()
        index += 1
        result = answer(endpoint, request["body"], custom_id=custom_id, created=int(finish))
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


_MODELS: dict[ModelSettings, FakeModel] = {}


def answer_block_in_worker(job: BlockJob) -> BlockResult:
    """The worker process's entry point: the block answered by a fake model kept per settings."""
    model = _MODELS.get(job.settings)
    if model is None:
        model = _MODELS[job.settings] = job.settings.build()
    return answer_block(model, job)


def model_settings(seed: int, models: Sequence[str], dimensions: Mapping[str, int] | None) -> ModelSettings:
    return ModelSettings(seed, tuple(models), tuple(sorted((dimensions or {}).items())))


@dataclass(slots=True)
class _Pipeline:
    """The blocks of one batch in flight: (future, start offset, start index) in input order."""

    next_offset: int
    next_index: int
    expected: tuple[int, int]  # the cursor (offset, index) the first block starts at
    blocks: deque[Future[BlockResult]] = field(default_factory=deque)


class LinePool:
    """Worker processes, started on first use, and the blocks each big batch has in flight."""

    def __init__(self, workers: int, min_lines: int) -> None:
        self.workers = workers
        self.min_lines = min_lines
        self._executor: ProcessPoolExecutor | None = None
        self._pipelines: dict[str, _Pipeline] = {}

    @property
    def started(self) -> bool:
        """Whether the worker processes have been started."""
        return self._executor is not None

    def wanted(self, batch_id: str, lines_left: int) -> bool:
        """Whether the lines of this batch go to the workers: enough of them left, or blocks already in flight."""
        return self.workers > 0 and (lines_left >= self.min_lines or batch_id in self._pipelines)

    def take(self, job: BlockJob, path: Path, offset: int, limit: int) -> BlockResult | None:
        """The result of the block starting at (`offset`, `job.first_index`), up to request `limit` (exclusive).

        `job` carries the batch's settings (its `lines` are ignored). Blocks ahead are sent to the workers first.
        Outside a work slice this waits for the block; inside one it returns None when the block is not ready
        yet, with the slice stopped and waiting on it."""
        pipeline = self._pipelines.get(job.batch_id)
        if pipeline is None or pipeline.expected != (offset, job.first_index):
            self.drop(job.batch_id)
            pipeline = self._pipelines[job.batch_id] = _Pipeline(offset, job.first_index, (offset, job.first_index))
        while len(pipeline.blocks) < DEPTH and pipeline.next_index < limit:
            lines, size, requests = _read_block(
                path, pipeline.next_offset, min(BLOCK_LINES, limit - pipeline.next_index)
            )
            if not requests:
                break
            block = job._replace(first_index=pipeline.next_index, lines=lines)
            pipeline.blocks.append(self._pool().submit(answer_block_in_worker, block))
            pipeline.next_offset += size
            pipeline.next_index += requests
        if not pipeline.blocks:
            self.drop(job.batch_id)
            raise ValueError(f"{path} ends before request {limit} of batch {job.batch_id}")
        head = pipeline.blocks[0]
        if not head.done() and in_slice():
            wait_on(head)
            return None
        result = head.result()
        pipeline.blocks.popleft()
        pipeline.expected = (offset + result.consumed, job.first_index + result.requests)
        if not pipeline.blocks and pipeline.next_index >= limit:
            del self._pipelines[job.batch_id]
        return result

    def drop(self, batch_id: str) -> None:
        """Forget a batch's blocks in flight (their results are not used)."""
        pipeline = self._pipelines.pop(batch_id, None)
        if pipeline is not None:
            for future in pipeline.blocks:
                future.cancel()

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._executor

    def reset(self) -> None:
        for batch_id in list(self._pipelines):
            self.drop(batch_id)

    def close(self) -> None:
        self.reset()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


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


__all__ = ["BlockJob", "BlockResult", "LinePool", "ModelSettings", "answer_block", "model_settings"]
