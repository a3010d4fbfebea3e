"""Work cut into slices gives exactly what it gives in one go: the same output and error bytes, counts, usage
and timestamps for batches run with scenario effects, delayed lines and an expiry, and the same validation
report, however small the slices and with reads polling in between."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson

from emulator.backend import DEFAULT_IDLE_LIMIT, Backend
from emulator.batches.input import ValidationRun, validate_batch_input
from emulator.config import EmulatorConfig, Limits
from emulator.engine.budget import TURNS_BETWEEN_SLICES, next_slice, spent, work_slice
from emulator.engine.scheduler import AGAIN, Scheduler
from tests.conftest import chat_line, jsonl

START = 1_767_225_600
EFFECTS = {
    "name": "sliced-effects",
    "timing": {"requests_per_second": 50},
    "lines": [
        {"match": {"custom_id": "fail-*"}, "status": 500},
        {"match": {"custom_id": "slow-*"}, "extra_seconds": 30},
        {"match": {"every_nth": 7}, "status": 400},
    ],
}
EXPIRY = {"name": "sliced-expiry", "timing": {"requests_per_second": 0.02}}


def _lines(count: int) -> bytes:
    prefixes = ("req", "fail", "slow", "req", "req")
    lines = [chat_line(f"{prefixes[i % 5]}-{i}", f"Question {i} about rivers", max_tokens=20) for i in range(count)]
    return jsonl(lines)


def _backend() -> Backend:
    backend = Backend(EmulatorConfig(clock="manual", start_time=START, limits=Limits(batch_max_requests=100_000)))
    for scenario in (EFFECTS, EXPIRY):
        backend.scenarios.register(backend.scenarios.parse_document(scenario))
    return backend


def _batch(backend: Backend, data: bytes, scenario: str) -> str:
    writer = backend.blobs.writer()
    writer.write(data)
    file = backend.files.add(writer, filename="in.jsonl", purpose="batch", ttl=None, owner=None)
    batch = backend.batches.create(
        input_file_id=file["id"], endpoint="/v1/chat/completions", owner=None, scenario=scenario
    )
    return batch["id"]


def _outcome(backend: Backend, batch_ids: list[str]) -> list[Any]:
    found = []
    for batch_id in batch_ids:
        record = backend.store.get("batches", batch_id)
        assert record is not None
        files = [
            backend.blobs.path(record[name]).read_bytes() if record[name] else b""
            for name in ("output_file_id", "error_file_id")
        ]
        fields = {key: record[key] for key in ("status", "request_counts", "usage", "completed_at", "expired_at")}
        found.append((fields, files))
    return found


def _run(sliced: bool) -> tuple[list[Any], int]:
    backend = _backend()
    try:
        batch_ids = [_batch(backend, _lines(700), "sliced-effects"), _batch(backend, _lines(1900), "sliced-expiry")]
        steps = 0
        if not sliced:
            backend.run_until_idle()
        else:
            limit = backend.clock.now() + DEFAULT_IDLE_LIMIT
            tally = [0]
            done = False
            while not done:
                with work_slice(0.0):  # each loop stops at its first look at the clock after starting
                    done = backend.idle_step(limit, tally)
                with work_slice(0.0):  # a client polling in between catches up part of the way too
                    for batch_id in batch_ids:
                        record = backend.store.get("batches", batch_id)
                        assert record is not None
                        backend.batches.sync(record)
                steps += 1
        return _outcome(backend, batch_ids), steps
    finally:
        backend.close()


def test_batches_run_in_slices_give_the_same_bytes_counts_and_times():
    whole, _ = _run(sliced=False)
    sliced, steps = _run(sliced=True)
    assert steps > 50  # the work really was cut into many slices
    assert sliced == whole
    effects, expiry = whole
    assert effects[0]["status"] == "completed" and effects[1][1]  # failed lines made an error file
    assert expiry[0]["status"] == "expired" and b"batch_expired" in expiry[1][1]


def test_validation_in_slices_reports_the_same_problems(tmp_path: Path):
    lines = [orjson.dumps(chat_line(f"id-{i % 900}")) for i in range(1000)]  # 100 repeated custom_ids
    lines[10] = b"{not json"
    lines[500] = orjson.dumps(chat_line("odd", model="gpt-4o"))
    path = tmp_path / "input.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n\n")
    limits = Limits()
    whole = validate_batch_input(path, "/v1/chat/completions", limits)
    run = ValidationRun(path, "/v1/chat/completions", limits)
    steps = 0
    while True:
        with work_slice(0.0):
            report = run.step()
        steps += 1
        if report is not None:
            break
    assert steps > 20
    assert report == whole
    assert {error.code for error in whole.errors} == {"invalid_json_line", "duplicate_custom_id", "mismatched_model"}


def test_an_action_that_asks_to_run_again_keeps_its_place_among_ties():
    scheduler = Scheduler()
    order: list[str] = []
    rounds = {"b": 3}

    def action(name: str) -> Any:
        def run(at: float) -> Any:
            order.append(name)
            if rounds.get(name, 0) > 0:
                rounds[name] -= 1
                return AGAIN
            return None

        return run

    for name in "abc":
        scheduler.call_at(5.0, name, action(name))
    runs = 0
    while True:
        scheduler.run_due(5.0)
        runs += 1
        if not scheduler.interrupted:
            break
    assert order == ["a", "b", "b", "b", "b", "c"]
    assert runs == 4 and len(scheduler) == 0


async def test_between_two_slices_other_tasks_get_the_turns_a_new_connection_needs():
    # Answering a client on a new connection takes the event loop several turns (accept, set-up, read, handler,
    # write); they all happen between two slices of heavy work, not one turn per slice.
    turns_taken = 0

    async def client_needing_turns(turns: int) -> None:
        nonlocal turns_taken
        for _ in range(turns):
            turns_taken += 1
            await asyncio.sleep(0)

    client = asyncio.create_task(client_needing_turns(TURNS_BETWEEN_SLICES - 1))
    with work_slice() as piece:
        assert not spent()  # the first look starts the slice's clock
    await next_slice(piece)
    assert client.done() and turns_taken == TURNS_BETWEEN_SLICES - 1
