"""Worker processes answer the lines of big batches: the output and error files, counts, usage and cursor are
the same bytes and numbers as without workers, in one go or in slices, whatever the size of the blocks; small
batches never start them. The block files the workers write are gone once the batch ends, and big results are
flushed to disk on a thread of their own before they are published."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from emulator.backend import DEFAULT_IDLE_LIMIT, Backend
from emulator.batches import line_workers, results
from emulator.config import EmulatorConfig, Limits
from emulator.engine.budget import work_slice
from tests.conftest import jsonl, mixed_chat_batch_file
from tests.support.slices import run_until_idle_in_slices

START = 1_767_225_600


def _input(count: int) -> bytes:
    return mixed_chat_batch_file(count, "glaciers")


EMBEDDING_MODEL = "text-embedding-3-small"


def _embeddings_input(count: int) -> bytes:
    lines = [
        {
            "custom_id": f"passage-{i}",
            "method": "POST",
            "url": "/v1/embeddings",
            "body": {"model": EMBEDDING_MODEL, "input": f"passage {i} on tides" if i % 50 else ""},  # "" is refused
        }
        for i in range(count)
    ]
    return jsonl(lines) + b"\n"


def _run(
    workers: int,
    *,
    sliced: bool,
    count: int = 5_000,
    min_lines: int = 1_000,
    embeddings: bool = False,
    left_in_work: list[str] | None = None,
    min_bytes: int | None = None,
    head_start: float = 17.3,
    data_dir: Path | None = None,
) -> tuple[Any, bool]:
    config = EmulatorConfig(
        data_dir=data_dir,
        clock="manual",
        start_time=START,
        limits=Limits(batch_max_requests=100_000),
        batch_workers=workers,
        worker_min_lines=min_lines,
        embedding_dimensions={EMBEDDING_MODEL: 4_096},
    )
    backend = Backend(config)
    if min_bytes is not None:
        backend.line_pool.min_bytes = min_bytes
    try:
        writer = backend.blobs.writer()
        writer.write(_embeddings_input(count) if embeddings else _input(count))
        file = backend.files.add(writer, filename="in.jsonl", purpose="batch", ttl=None, owner=None)
        endpoint = "/v1/embeddings" if embeddings else "/v1/chat/completions"
        batch_id = backend.batches.create(input_file_id=file["id"], endpoint=endpoint, owner=None)["id"]
        backend.advance(2)  # validated
        backend.advance(head_start)  # part of the lines (by default a block boundary away from any round number)
        if sliced:
            run_until_idle_in_slices(backend, 0.0)
        else:
            backend.run_until_idle()
        record = backend.store.get("batches", batch_id)
        assert record is not None
        files = [backend.blobs.path(record[name]).read_bytes() for name in ("output_file_id", "error_file_id")]
        fields = {key: record[key] for key in ("status", "request_counts", "usage", "progress", "completed_at")}
        if left_in_work is not None:
            left_in_work.extend(path.name for path in backend.blobs.work_dir.iterdir())
        return (fields, files), backend.line_pool.started
    finally:
        backend.close()


def test_workers_give_the_same_bytes_and_counts_as_the_server_alone():
    alone, started_alone = _run(0, sliced=False)
    pooled, started = _run(2, sliced=False)
    assert started and not started_alone
    assert pooled == alone
    fields, (output, errors) = alone
    assert fields["request_counts"] == {"total": 5_000, "completed": 4_948, "failed": 52}
    assert output.count(b"\n") == 4_948 and errors.count(b"\n") == 52


def test_workers_in_slices_give_the_same_bytes_too():
    alone, _ = _run(0, sliced=True, count=3_000)
    pooled, started = _run(2, sliced=True, count=3_000)
    assert started
    assert pooled == alone


def test_a_batch_below_the_threshold_never_starts_the_workers():
    _, started = _run(2, sliced=False, count=300)
    assert not started


def test_blocks_cut_by_bytes_give_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(line_workers, "BLOCK_BYTES", 20_000)  # a few dozen chat answers a block
    alone, _ = _run(0, sliced=True, count=3_000)
    pooled, started = _run(2, sliced=True, count=3_000)
    assert started
    assert pooled == alone


def test_big_embeddings_go_in_small_blocks_with_the_same_bytes_and_leave_no_block_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sizes: list[int] = []
    read_block = line_workers._read_block

    def counted(path: Path, offset: int, count: int) -> tuple[list[bytes], int, int]:
        sizes.append(count)
        return read_block(path, offset, count)

    monkeypatch.setattr(line_workers, "_read_block", counted)
    left: list[str] = []
    alone, _ = _run(0, sliced=False, count=400, min_lines=100, embeddings=True)
    pooled, started = _run(2, sliced=False, count=400, min_lines=100, embeddings=True, left_in_work=left)
    assert started
    assert pooled == alone
    fields, (output, errors) = pooled
    assert fields["request_counts"] == {"total": 400, "completed": 392, "failed": 8}
    assert len(output) > 392 * 4_096 * 10 and errors.count(b"\n") == 8  # thousands of floats an answer
    # the first block is small; then each holds about BLOCK_BYTES of answers (about 90 KB each here)
    assert sizes[0] == line_workers.FIRST_BLOCK_LINES
    assert max(sizes[1:]) <= line_workers.BLOCK_BYTES // 80_000
    assert left == []  # the block files went, and so did the work files once published


def test_a_batch_of_big_answers_goes_to_the_workers_after_its_first_lines_show_their_size() -> None:
    # only the bytes can start the workers; the first 50 lines are answered by the server
    few_lines = {"count": 400, "min_lines": 1_000_000, "min_bytes": 2_000_000, "head_start": 0.5}
    alone, _ = _run(0, sliced=True, embeddings=True, **few_lines)
    pooled, started = _run(2, sliced=True, embeddings=True, **few_lines)
    assert started  # 400 answers of about 90 KB: well over 2 MB
    assert pooled == alone
    _, started = _run(2, sliced=True, **few_lines)
    assert not started  # 400 chat answers of a few hundred bytes: under 2 MB


def test_big_results_are_flushed_to_disk_on_another_thread_inside_work_slices(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    flushed: list[tuple[str, str]] = []
    fsync_path = results.fsync_path

    def spy(path: Path) -> None:
        flushed.append((path.name, threading.current_thread().name))
        fsync_path(path)

    monkeypatch.setattr(results, "fsync_path", spy)
    monkeypatch.setattr(results, "FLUSH_INLINE_BYTES", 0)  # every result counts as big
    alone, _ = _run(0, sliced=False, count=3_000, data_dir=tmp_path / "whole")
    assert flushed == []  # outside work slices publishing flushes the files itself
    sliced, _ = _run(0, sliced=True, count=3_000, data_dir=tmp_path / "sliced")
    assert sliced == alone
    assert {name.rsplit(".", 1)[1] for name, _ in flushed} == {"out", "err"}
    assert all(thread != threading.main_thread().name for _, thread in flushed)
    flushed.clear()
    in_memory, _ = _run(0, sliced=True, count=3_000)  # without a data dir nothing outlives the server
    assert in_memory == alone and flushed == []


def test_a_reset_in_the_middle_of_a_pooled_batch_leaves_no_block_file_behind() -> None:
    config = EmulatorConfig(
        clock="manual",
        start_time=START,
        limits=Limits(batch_max_requests=100_000),
        batch_workers=2,
        worker_min_lines=100,
    )
    backend = Backend(config)
    try:
        writer = backend.blobs.writer()
        writer.write(_input(12_000))
        file = backend.files.add(writer, filename="in.jsonl", purpose="batch", ttl=None, owner=None)
        batch_id = backend.batches.create(input_file_id=file["id"], endpoint="/v1/chat/completions", owner=None)["id"]
        backend.advance(2)  # validated
        limit = backend.clock.now() + DEFAULT_IDLE_LIMIT
        tally = [0]
        while True:  # slices until the first big block is written: the blocks after it are still being answered
            with work_slice(0.0) as piece:
                backend.idle_step(limit, tally)
            if piece.waiting is not None:
                piece.waiting.result()
            record = backend.store.get("batches", batch_id)
            assert record is not None
            if record["progress"]["cursor_line"] > line_workers.FIRST_BLOCK_LINES:
                break
        assert record["progress"]["cursor_line"] < 12_000
        backend.reset()
        backend.line_pool.close()  # waits for the blocks the workers were still answering
        assert list(backend.blobs.work_dir.iterdir()) == []
    finally:
        backend.close()
