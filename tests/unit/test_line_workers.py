"""Worker processes answer the lines of big batches: the output and error files, counts, usage and cursor are
the same bytes and numbers as without workers, in one go or in slices; small batches never start them."""

from __future__ import annotations

from typing import Any

from emulator.backend import DEFAULT_IDLE_LIMIT, Backend
from emulator.config import EmulatorConfig, Limits
from emulator.engine.budget import work_slice
from tests.conftest import chat_line, jsonl

START = 1_767_225_600


def _input(count: int) -> bytes:
    lines = []
    for i in range(count):
        options: dict[str, Any] = {"max_tokens": 5 + i % 40}
        if i % 97 == 0:
            options["n"] = 0  # refused by the model: an error line
        lines.append(chat_line(f"req-{i}", f"Question {i} about glaciers", **options))
    return jsonl(lines) + b"\n"


def _run(workers: int, *, sliced: bool, count: int = 5_000, min_lines: int = 1_000) -> tuple[Any, bool]:
    config = EmulatorConfig(
        clock="manual",
        start_time=START,
        limits=Limits(batch_max_requests=100_000),
        batch_workers=workers,
        worker_min_lines=min_lines,
    )
    backend = Backend(config)
    try:
        writer = backend.blobs.writer()
        writer.write(_input(count))
        file = backend.files.add(writer, filename="in.jsonl", purpose="batch", ttl=None, owner=None)
        batch_id = backend.batches.create(input_file_id=file["id"], endpoint="/v1/chat/completions", owner=None)["id"]
        backend.advance(2)  # validated
        backend.advance(17.3)  # part of the lines, a block boundary away from any round number
        if sliced:
            limit = backend.clock.now() + DEFAULT_IDLE_LIMIT
            tally = [0]
            while True:
                with work_slice(0.0) as piece:
                    if backend.idle_step(limit, tally):
                        break
                if piece.waiting is not None:
                    piece.waiting.result()
        else:
            backend.run_until_idle()
        record = backend.store.get("batches", batch_id)
        assert record is not None
        files = [backend.blobs.path(record[name]).read_bytes() for name in ("output_file_id", "error_file_id")]
        fields = {key: record[key] for key in ("status", "request_counts", "usage", "progress", "completed_at")}
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
