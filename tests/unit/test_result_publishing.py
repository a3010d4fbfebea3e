"""Publishing a batch's results: a big output the scenario shuffles is shuffled on a thread of its own inside work
slices (and flushed there with a data dir), and gives the same files as when it is shuffled by `publish` itself;
the shuffled output holds the same lines in another order."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from emulator.backend import Backend
from emulator.batches import results
from emulator.config import EmulatorConfig, Limits
from emulator.scenario.registry import ScenarioEngine, parse_document
from tests.conftest import mixed_chat_batch_file
from tests.support.slices import run_until_idle_in_slices

SHUFFLED = {"batch": [{"shuffle_output": True}]}
START = 1_767_225_600  # every run at the same times, so the answers' `created` agree


def _run(*, sliced: bool, scenario: dict[str, Any] | None = SHUFFLED, data_dir: Path | None = None) -> list[bytes]:
    config = EmulatorConfig(
        data_dir=data_dir, clock="manual", start_time=START, limits=Limits(batch_max_requests=100_000)
    )
    backend = Backend(config)
    try:
        if scenario is not None:
            backend.use_scenario(ScenarioEngine(parse_document(scenario), base_timing=backend.config.timing))
        writer = backend.blobs.writer()
        writer.write(mixed_chat_batch_file(3_000, "lighthouses"))
        file = backend.files.add(writer, filename="in.jsonl", purpose="batch", ttl=None, owner=None)
        batch_id = backend.batches.create(input_file_id=file["id"], endpoint="/v1/chat/completions", owner=None)["id"]
        if sliced:
            run_until_idle_in_slices(backend)
        else:
            backend.run_until_idle()
        record = backend.store.get("batches", batch_id)
        assert record is not None and record["status"] == "completed"
        return [backend.blobs.path(record[name]).read_bytes() for name in ("output_file_id", "error_file_id")]
    finally:
        backend.close()


@pytest.mark.parametrize("durable", [False, True])
def test_a_big_shuffled_output_is_shuffled_on_another_thread_with_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, durable: bool
) -> None:
    threads: list[str] = []
    shuffle_file = results.shuffle_file

    def spy(path: Path, into: Path, seed: int, batch_id: str) -> None:
        threads.append(threading.current_thread().name)
        shuffle_file(path, into, seed, batch_id)

    monkeypatch.setattr(results, "shuffle_file", spy)
    inline = _run(sliced=False, data_dir=tmp_path / "inline" if durable else None)
    assert threads == [threading.main_thread().name]  # outside work slices `publish` shuffles it itself
    threads.clear()
    monkeypatch.setattr(results, "FLUSH_INLINE_BYTES", 0)  # every output counts as big
    sliced = _run(sliced=True, data_dir=tmp_path / "sliced" if durable else None)
    assert threads == ["flush-results"]  # once, on its own thread; `publish` used that copy
    assert sliced == inline
    plain, _ = _run(sliced=False, scenario=None)
    assert sliced[0] != plain and sorted(sliced[0].splitlines()) == sorted(plain.splitlines())
