"""Lines answered while the input is validated: the files, counts and usage are the same as when the runner answers
each line at its time (a scenario with a line rule that matches nothing makes it do so), however the clock moves,
when the batch is cancelled or expires half way, after its work files were cut back, after a restart, and when a
scenario with line rules comes into force after validation. A batch that fails validation leaves no work file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest

from emulator.backend import DEFAULT_IDLE_LIMIT, Backend
from emulator.batches.early_answers import EarlyAnswers, index_path
from emulator.batches.input import validate_batch_input
from emulator.batches.results import work_files
from emulator.batches.work_files import WorkFiles
from emulator.config import EmulatorConfig, Limits
from emulator.engine.budget import work_slice
from emulator.fake_model import FakeModel
from emulator.scenario.registry import ScenarioEngine, parse_document
from tests.conftest import chat_line, jsonl, mixed_chat_batch_file
from tests.support.slices import run_until_idle_in_slices

START = 1_767_225_600
NOTHING_MATCHES = {"lines": [{"match": {"custom_id": "never-*"}, "status": 500}]}
SLOW = {"timing": {"requests_per_second": 0.01}}  # 864 lines in the 24-hour window


def _input(count: int) -> bytes:
    return mixed_chat_batch_file(count, "rivers")


def _backend(data_dir: Path | None = None) -> Backend:
    config = EmulatorConfig(
        data_dir=data_dir, clock="manual", start_time=START, limits=Limits(batch_max_requests=100_000)
    )
    return Backend(config)


def _use(backend: Backend, document: dict[str, Any]) -> None:
    backend.use_scenario(ScenarioEngine(parse_document(document), base_timing=backend.config.timing))


@contextmanager
def _backend_under(scenario: dict[str, Any] | None) -> Iterator[Backend]:
    """A fresh backend, under `scenario` when one is given."""
    backend = _backend()
    try:
        if scenario is not None:
            _use(backend, scenario)
        yield backend
    finally:
        backend.close()


def _create(backend: Backend, data: bytes) -> str:
    writer = backend.blobs.writer()
    writer.write(data)
    file = backend.files.add(writer, filename="in.jsonl", purpose="batch", ttl=None, owner=None)
    return str(backend.batches.create(input_file_id=file["id"], endpoint="/v1/chat/completions", owner=None)["id"])


def _state(backend: Backend, batch_id: str) -> dict[str, Any]:
    record = backend.store.get("batches", batch_id)
    assert record is not None
    fields = orjson.loads(orjson.dumps({key: record[key] for key in ("status", "request_counts", "usage", "progress")}))
    files = {}
    for name in ("output_file_id", "error_file_id"):
        if record.get(name):
            files[name] = backend.blobs.path(record[name]).read_bytes()
    return {**fields, **files}


def _early_lines(backend: Backend, batch_id: str) -> int:
    early = backend.batches.lifecycle.early.get(batch_id)
    return early.lines if early is not None and early.usable else 0


def _replay(steps: list[float], *, count: int = 2_000, scenario: dict[str, Any] | None = None) -> list[Any]:
    """The batch's state after each clock step (seconds; 0: run until idle), with or without early answers."""
    with _backend_under(scenario) as backend:
        batch_id = _create(backend, _input(count))
        backend.advance(2)  # validated
        states: list[Any] = [_early_lines(backend, batch_id)]
        for step in steps:
            if step:
                backend.advance(step)
            else:
                backend.run_until_idle()
            states.append(_state(backend, batch_id))
        return states


def test_early_answers_give_the_same_files_counts_and_usage_as_the_runner_at_every_step():
    steps = [4.0, 3.7, 10.0, 0.013, 0]  # 2,000 lines at 100 a second, seen part by part, then the rest
    early = _replay(steps)
    runner = _replay(steps, scenario=NOTHING_MATCHES)
    assert early[0] == 2_000 and runner[0] == 0  # answered while validating, or not at all
    assert early[1:] == runner[1:]
    assert [state["request_counts"]["completed"] + state["request_counts"]["failed"] for state in early[1:]] == [
        400,
        770,
        1_770,
        1_771,
        2_000,
    ]
    assert early[-1]["status"] == "completed" and early[-1]["request_counts"]["failed"] == 21


def test_early_answers_in_work_slices_give_the_same_files():
    def sliced(scenario: dict[str, Any] | None) -> Any:
        with _backend_under(scenario) as backend:
            batch_id = _create(backend, _input(3_000))
            assert run_until_idle_in_slices(backend, 0.0) > 50  # the validation (and its answers) in many steps
            return _state(backend, batch_id)

    assert sliced(None) == sliced(NOTHING_MATCHES)


def test_a_cancel_half_way_publishes_only_the_lines_finished_by_then():
    def cancelled(scenario: dict[str, Any] | None) -> Any:
        with _backend_under(scenario) as backend:
            batch_id = _create(backend, _input(2_000))
            backend.advance(7.5)  # validated after 2 s, then 550 lines
            backend.batches.cancel(batch_id, None)
            backend.run_until_idle()
            return _state(backend, batch_id)

    early, runner = cancelled(None), cancelled(NOTHING_MATCHES)
    assert early == runner
    assert early["status"] == "cancelled" and early["output_file_id"].count(b"\n") == 550 - 6  # 6 errors of 550


def test_an_expired_batch_keeps_the_lines_finished_in_the_window_and_expires_the_rest():
    early = _replay([0], count=1_000, scenario=SLOW)
    runner = _replay([0], count=1_000, scenario={**SLOW, **NOTHING_MATCHES})
    assert early[0] == 1_000
    assert early[1:] == runner[1:]
    final = early[-1]
    assert final["status"] == "expired"
    assert final["request_counts"] == {"total": 1_000, "completed": 854, "failed": 146}  # 9 refused, 137 expired
    assert final["error_file_id"].count(b"batch_expired") == 137


def test_work_files_cut_back_to_the_record_make_the_runner_answer_the_rest():
    backend = _backend()
    try:
        batch_id = _create(backend, _input(2_000))
        backend.advance(7)  # 500 lines counted from the early answers
        assert _early_lines(backend, batch_id) == 2_000
        record = backend.store.get("batches", batch_id)
        assert record is not None
        work = work_files(backend.blobs, batch_id)
        # what a failed transaction does: the files end where the record says
        for path, field in ((work.out_path, "out_bytes"), (work.err_path, "err_bytes")):
            size = record["progress"][field]
            with open(path, "r+b") as handle:
                handle.truncate(size)
        backend.run_until_idle()
        assert _early_lines(backend, batch_id) == 0  # noticed and dropped
        state = _state(backend, batch_id)
    finally:
        backend.close()
    assert state == _replay([0.5, 0], scenario=NOTHING_MATCHES)[-1]


def test_a_restart_forgets_the_early_answers_and_cuts_their_bytes(tmp_path: Path):
    backend = _backend(tmp_path)
    batch_id = _create(backend, _input(2_000))
    backend.advance(7)
    record = backend.store.get("batches", batch_id)
    assert record is not None
    work = work_files(backend.blobs, batch_id)
    assert work.out_path.stat().st_size > record["progress"]["out_bytes"]  # early answers past the record
    backend.close()  # what a kill leaves of it: the store and the files
    again = _backend(tmp_path)
    try:
        assert work.out_path.stat().st_size == record["progress"]["out_bytes"]
        assert not index_path(again.blobs.work_dir, batch_id).exists()
        again.run_until_idle()
        state = _state(again, batch_id)
    finally:
        again.close()
    assert state == _replay([0.5, 0], scenario=NOTHING_MATCHES)[-1]


def test_line_rules_given_to_the_batch_s_scenario_after_validation_apply_and_the_early_answers_go():
    rules = {"lines": [{"match": {"custom_id": "req-1?"}, "status": 500}]}
    backend = _backend()
    try:
        batch_id = _create(backend, _input(300))
        backend.advance(2)
        assert _early_lines(backend, batch_id) == 300
        record = backend.store.get("batches", batch_id)
        assert record is not None
        backend.scenarios.register(parse_document({"name": record["scenario"], **rules}))  # replaced by name
        backend.run_until_idle()
        late = _state(backend, batch_id)
    finally:
        backend.close()
    assert late == _replay([0], count=300, scenario=rules)[-1]
    assert late["request_counts"]["failed"] == 10 + 4  # req-10 .. req-19, and four the model refuses


def test_a_batch_that_fails_validation_leaves_no_work_file():
    backend = _backend()
    try:
        batch_id = _create(backend, _input(500) + b"not json\n")
        backend.run_until_idle()
        record = backend.store.get("batches", batch_id)
        assert record is not None and record["status"] == "failed"
        assert [path.name for path in backend.blobs.work_dir.iterdir()] == []
    finally:
        backend.close()


def _answers(tmp_path: Path, answer: Any, **limits: int) -> EarlyAnswers:
    model = FakeModel(seed=0)
    work = WorkFiles(tmp_path / "batch_x.out", tmp_path / "batch_x.err")
    return EarlyAnswers(
        work,
        "batch_x",
        0,
        answer or model.line_answerer("/v1/chat/completions"),
        START,
        1.0,
        input_size=limits.get("input_size", 1 << 40),
        max_lines=limits.get("max_lines", 1 << 40),
        max_bytes=limits.get("max_bytes", 1 << 40),
    )


def _requests(count: int, first: int = 0) -> list[tuple[int, str, dict[str, Any]]]:
    """`count` requests of 100 bytes each, from request `first` on."""
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Tell me about rivers."}]}
    return [(100 * (i + 1), f"req-{i}", body) for i in range(first, first + count)]


def test_early_answers_end_before_a_line_the_model_fails_on(tmp_path: Path):
    model = FakeModel(seed=0)
    answer = model.line_answerer("/v1/chat/completions")
    calls = [0]

    def failing(body: Any, custom_id: str, created: int) -> Any:
        calls[0] += 1
        if custom_id == "req-5":
            raise RuntimeError("a bug in the model")
        return answer(body, custom_id, created)

    early = _answers(tmp_path, failing)
    early.take(_requests(32))
    assert early.lines == 5 and not early.open and calls[0] == 6
    early.take(_requests(32))  # nothing more is taken
    assert early.lines == 5
    assert early.span(0, 5).lines == 5 and early.span(0, 5).input_offset == 500


@pytest.mark.parametrize(("limits", "lines"), [({"max_lines": 10}, 10), ({"max_bytes": 2_000}, 3)])
def test_early_answers_stop_at_their_limits(tmp_path: Path, limits: dict[str, int], lines: int):
    early = _answers(tmp_path, None, **limits)
    early.take(_requests(32))
    assert early.lines == lines and not early.open
    assert (tmp_path / "batch_x.out").stat().st_size == early.span(0, lines).output_bytes


@pytest.mark.parametrize(("limits", "lines"), [({"max_lines": 5_000}, 1_024), ({"max_bytes": 4_000_000}, 1_024)])
def test_early_answers_stop_after_their_first_lines_when_the_whole_file_would_go_over(
    tmp_path: Path, limits: dict[str, int], lines: int
) -> None:
    # 10,000 lines of 100 bytes: over 5,000 lines, and over 4 MB at several hundred bytes an answer
    early = _answers(tmp_path, None, input_size=1_000_000, **limits)
    for _ in range(100):
        early.take(_requests(32, first=early.lines))
    assert early.lines == lines and not early.open


def test_early_answers_go_on_when_the_whole_file_stays_under_the_limits(tmp_path: Path) -> None:
    early = _answers(tmp_path, None, input_size=320_000, max_lines=5_000, max_bytes=4_000_000)  # 3,200 lines
    for _ in range(100):
        early.take(_requests(32, first=early.lines))
    assert early.lines == 3_200 and early.open


def test_a_reset_in_the_middle_of_a_validation_leaves_no_file_open():
    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    with _backend_under(None) as backend:
        before = open_files()
        batch_id = _create(backend, _input(3_000))
        limit = backend.clock.now() + DEFAULT_IDLE_LIMIT
        with work_slice(0.0):
            backend.idle_step(limit, [0])  # the validation has begun, with its early answers' files open
        assert batch_id in backend.batches.lifecycle.early and open_files() > before
        backend.reset()
        assert backend.batches.lifecycle.early == {} and open_files() == before


def test_a_cancel_while_validating_publishes_no_early_answer_and_leaves_no_file():
    with _backend_under(None) as backend:
        batch_id = _create(backend, _input(3_000))
        backend.advance(1)
        limit = backend.clock.now() + 5
        for _ in range(3):  # the validation begins: some lines are answered early
            with work_slice(0.0):
                backend.idle_step(limit, [0])
        assert 0 < _early_lines(backend, batch_id) < 3_000
        with work_slice(0.0):  # as a cancel request does: what is due runs first, within the request's slice
            assert backend.batches.cancel(batch_id, None)["status"] == "cancelling"
        backend.run_until_idle()
        state = _state(backend, batch_id)
        assert state["status"] == "cancelled"
        assert state["request_counts"] == {"total": 0, "completed": 0, "failed": 0}
        assert "output_file_id" not in state and "error_file_id" not in state
        assert [path.name for path in backend.blobs.work_dir.iterdir()] == []


class _Recorder:
    """A sink that keeps how many lines, and input bytes, each take got."""

    open = True
    hand_lines = 32

    def __init__(self) -> None:
        self.takes: list[tuple[int, int]] = []
        self.last = 0

    def take(self, requests: list[tuple[int, str, dict[str, Any]]]) -> None:
        self.takes.append((len(requests), requests[-1][0] - self.last))
        self.last = requests[-1][0]

    def stop(self) -> None:
        self.open = False


def test_the_validation_pass_hands_over_at_most_about_a_megabyte_of_input_at_once(tmp_path: Path):
    long_text = "words " * 50_000  # 300 KB a line: a few lines a take, not 32 of them held at once
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl([chat_line(f"req-{i}", long_text) for i in range(20)]))
    sink = _Recorder()
    report = validate_batch_input(path, "/v1/chat/completions", Limits(), sink=sink)
    assert report.errors == [] and sink.open
    assert sum(lines for lines, _ in sink.takes) == 20
    assert all(lines <= 4 and size < (1 << 20) + 310_000 for lines, size in sink.takes)
