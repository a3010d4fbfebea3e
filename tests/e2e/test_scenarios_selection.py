"""Choosing scenarios (startup files, bundled names, the admin API, per batch by header or metadata),
rejecting bad scenario documents with FILE:LINE: field messages, and replaying a run from its seed."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import openai
import orjson
import pytest

from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator
from emulator.testing.handle import EmulatorHandle, InProcessConnection
from tests.conftest import chat_batch_file, parse_jsonl
from tests.support.raw import request

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted(path.stem for path in (ROOT / "emulator" / "bundled_scenarios").glob("*.yaml"))
HEADER = "X-Emulator-Scenario"

# one document with every kind of mistake; (line, field, words of the message) for each
BAD_DOCUMENT = """\
name: broken
timing:
  validating: -5
lines:
  - match: {custom_id: "[abc"}
    status: 500
  - match: {custom_id: "regex:(open"}
    colour: red
  - match: {every_nth: "often"}
    status: 400
"""
BAD_PROBLEMS = [
    (3, "timing.validating", "greater than or equal to 0"),
    (5, "lines[0].match.custom_id", "invalid glob '[abc'"),
    (7, "lines[1].match.custom_id", "invalid regular expression '(open'"),
    (8, "lines[1].colour", "unknown key"),
    (9, "lines[2].match.every_nth", "valid integer"),
]


def submit(client, **kwargs):
    file = client.files.create(file=("in.jsonl", io.BytesIO(chat_batch_file(3))), purpose="batch")
    return client.batches.create(
        input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h", **kwargs
    )


def outcome(client, batch_id: str) -> tuple[str, int, int]:
    batch = client.batches.retrieve(batch_id)
    return batch.status, batch.request_counts.completed, batch.request_counts.failed


def put_scenario(batch_emulator, body: bytes):
    return request(batch_emulator.url, "PUT", "/_emulator/scenario", body=body)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- choosing ------------------------------------------------------------------------------------------


def test_bundled_scenarios_are_listed_and_happy_path_is_active(batch_emulator):
    listing = request(batch_emulator.url, "GET", "/_emulator/scenarios").json()
    assert listing["active"] == "happy_path"
    assert [item["name"] for item in listing["available"]] == BUNDLED
    assert {item["source"] for item in listing["available"]} == {"bundled"}
    assert all(item["description"] for item in listing["available"])


def test_put_by_name_and_by_document(batch_emulator):
    chosen = put_scenario(batch_emulator, b'{"name": "all_lines_failed"}')
    assert chosen.status == 200 and chosen.json()["name"] == "all_lines_failed"
    assert request(batch_emulator.url, "GET", "/_emulator/scenario").json()["name"] == "all_lines_failed"
    yaml_text = b"name: mine\ndescription: line 2 fails\nlines:\n  - match: {line: 2}\n    status: 503\n"
    assert put_scenario(batch_emulator, yaml_text).json()["lines"][0]["status"] == 503
    listing = request(batch_emulator.url, "GET", "/_emulator/scenarios").json()
    assert listing["active"] == "mine"
    assert {"name": "mine", "description": "line 2 fails", "source": "<admin>"} in listing["available"]
    client = batch_emulator.openai(max_retries=0)
    batch = submit(client)
    batch_emulator.run_until_idle()
    assert outcome(client, batch.id) == ("completed", 2, 1)


def test_unknown_name_over_the_admin_api_is_a_400(batch_emulator):
    answer = put_scenario(batch_emulator, b'{"name": "no_such_thing"}')
    assert answer.status == 400
    assert answer.json()["error"]["message"].startswith("unknown scenario 'no_such_thing'; available: ")
    assert request(batch_emulator.url, "GET", "/_emulator/scenario").json()["name"] == "happy_path"


def test_header_picks_a_scenario_for_one_batch(batch_emulator):
    client = batch_emulator.openai(max_retries=0)
    failing = submit(client, extra_headers={HEADER: "all_lines_failed"})
    normal = submit(client)
    batch_emulator.run_until_idle()
    assert outcome(client, failing.id) == ("completed", 0, 3)
    assert outcome(client, normal.id) == ("completed", 3, 0)
    creates = batch_emulator.requests.matching("POST", "/v1/batches")
    assert [entry["headers"].get("x-emulator-scenario") for entry in creates] == ["all_lines_failed", None]
    lines = [(e["batch_id"], e["line"], e["rule"]) for e in batch_emulator.requests if e.get("kind") == "line"]
    assert lines == [(failing.id, n, "lines[0]") for n in (1, 2, 3)]


def test_metadata_picks_a_scenario_for_one_batch(batch_emulator):
    client = batch_emulator.openai(max_retries=0)
    batch = submit(client, metadata={"emulator_scenario": "token_limit_exceeded", "job": "x"})
    assert batch.metadata == {"emulator_scenario": "token_limit_exceeded", "job": "x"}
    batch_emulator.run_until_idle()
    assert client.batches.retrieve(batch.id).errors.data[0].code == "token_limit_exceeded"


def test_a_batch_keeps_its_scenario_when_the_active_one_changes(batch_emulator):
    client = batch_emulator.openai(max_retries=0)
    batch_emulator.use_scenario("all_lines_failed")
    batch = submit(client)
    batch_emulator.use_scenario("happy_path")
    batch_emulator.run_until_idle()
    assert outcome(client, batch.id) == ("completed", 0, 3)


@pytest.mark.parametrize(
    ("how", "param"), [("header", "scenario"), ("metadata", "scenario")], ids=["header", "metadata"]
)
def test_unknown_scenario_on_create_is_a_400_and_creates_nothing(batch_emulator, how, param):
    client = batch_emulator.openai(max_retries=0)
    options = {"extra_headers": {HEADER: "nope"}} if how == "header" else {"metadata": {"emulator_scenario": "nope"}}
    with pytest.raises(openai.BadRequestError) as raised:
        submit(client, **options)
    assert raised.value.param == param
    assert raised.value.code == "invalid_scenario"
    assert raised.value.body["message"].startswith("unknown scenario 'nope'")
    assert client.batches.list().data == []


def test_startup_files_first_active_second_by_header(tmp_path):
    first = write(tmp_path, "first.yaml", "name: first\nlines:\n  - match: {line: 1}\n    status: 500\n")
    second = write(tmp_path, "second.yaml", "lines:\n  - match: {line: 2}\n    status: 400\n")  # named by stem
    config = EmulatorConfig(port=0, clock="manual", start_time=1_767_225_600, scenario_files=(first, second))
    with ThreadedEmulator(config) as server:
        handle = EmulatorHandle(InProcessConnection(server))
        listing = request(server.url, "GET", "/_emulator/scenarios").json()
        assert listing["active"] == "first"
        sources = {item["name"]: item["source"] for item in listing["available"]}
        assert sources["first"] == str(first) and sources["second"] == str(second)
        assert sources["happy_path"] == "bundled"
        client = handle.openai(max_retries=0)
        by_default, by_header = submit(client), submit(client, extra_headers={HEADER: "second"})
        handle.use_scenario("happy_path")
        handle.reset()
        assert request(server.url, "GET", "/_emulator/scenario").json()["name"] == "first"
        assert client.batches.list().data == []
        again = submit(client)
        handle.run_until_idle()
        assert outcome(client, again.id) == ("completed", 2, 1)
        assert by_default.id == again.id, "same seed after reset: same ids"
        handle.close()
    assert by_header.id != by_default.id


def test_serve_loads_two_files(tmp_path):
    first = write(tmp_path, "first.yaml", "name: first\nseed: 1\n")
    second = write(tmp_path, "second.yaml", "name: second\nbatch: {token_limit_exceeded: true}\n")
    command = [sys.executable, "-m", "emulator", "serve", "--port", "0", "--scenario", str(first)]
    command += ["--scenario", str(second), "--log-level", "warning"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            banner = process.stdout.readline()
            assert "serving on " in banner, process.stderr.read() if process.poll() is not None else banner
            base = banner.split("serving on ", 1)[1].split()[0].removesuffix("/v1")
            listing = request(base, "GET", "/_emulator/scenarios").json()
            assert listing["active"] == "first"
            assert {"first", "second", "happy_path"} <= {item["name"] for item in listing["available"]}
        finally:
            process.terminate()
            process.wait(10)


# -- bad documents -------------------------------------------------------------------------------------


def test_bad_file_stops_serve_with_file_line_and_field(tmp_path):
    bad = write(tmp_path, "bad.yaml", BAD_DOCUMENT)
    command = [sys.executable, "-m", "emulator", "serve", "--port", "0", "--scenario", str(bad)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    finished = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert finished.returncode != 0
    for line, field, words in BAD_PROBLEMS:
        assert f"{bad}:{line}: " in finished.stderr and f" [{field}]: " in finished.stderr
        assert words in finished.stderr
    assert "serving on" not in finished.stdout


def test_bad_document_over_the_admin_api_is_a_400_and_changes_nothing(batch_emulator):
    batch_emulator.use_scenario("all_lines_failed")
    before = request(batch_emulator.url, "GET", "/_emulator/scenario").json()
    answer = put_scenario(batch_emulator, BAD_DOCUMENT.encode())
    assert answer.status == 400
    error = answer.json()["error"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", "scenario", "invalid_scenario")
    problems = error["message"].split("; ")
    assert len(problems) == len(BAD_PROBLEMS)
    for problem, (line, field, words) in zip(problems, BAD_PROBLEMS, strict=True):
        assert problem.startswith(f"<admin>:{line}: ") and f" [{field}]: " in problem and words in problem
    assert request(batch_emulator.url, "GET", "/_emulator/scenario").json() == before
    listing = request(batch_emulator.url, "GET", "/_emulator/scenarios").json()
    assert listing["active"] == "all_lines_failed" and "broken" not in {i["name"] for i in listing["available"]}
    client = batch_emulator.openai(max_retries=0)
    batch = submit(client)
    batch_emulator.run_until_idle()
    assert outcome(client, batch.id) == ("completed", 0, 3)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            {"lines": [{"match": {"line": 1}, "stauts": 500}]},
            "<admin>:1: unknown_key [lines[0].stauts]: unknown key (expected one of: count_as, ",
        ),
        ({"http": [{"status": "many"}]}, "<admin>:1: invalid_value [http[0].status]: Input should be a valid integer"),
        (
            {"http": [{"match": {"path": "/v1/[x"}, "status": 500}]},
            "<admin>:1: invalid_value [http[0].match.path]: invalid glob",
        ),
        ({"lines": [{"match": {"custom_id_regex": "a{2"}, "status": 500}]}, None),
        ({"lines": [{"match": {"custom_id_regex": "("}, "status": 500}]}, "invalid regular expression '('"),
        (
            {"lines": [{"extra_seconds": -1}]},
            "<admin>:1: invalid_value [lines[0].extra_seconds]: Input should be greater than",
        ),
        (
            {"batch": {"cancel_delay_seconds": -3}},
            "<admin>:1: invalid_value [batch.cancel_delay_seconds]: Input should be",
        ),
    ],
)
def test_json_documents_are_checked_too(batch_emulator, document, expected):
    answer = put_scenario(batch_emulator, orjson.dumps(document))
    if expected is None:  # a valid document, for contrast
        assert answer.status == 200
        return
    assert answer.status == 400
    assert expected in answer.json()["error"]["message"]


# -- replay --------------------------------------------------------------------------------------------

FRACTION = {"name": "coin", "seed": 5, "lines": [{"match": {"fraction": 0.5}, "status": 500}]}


def replay(batch_emulator, seed: int, scenario: dict) -> tuple[bytes, bytes, list[str]]:
    """Reset with `seed`, run one 24-line batch under `scenario`; output bytes, error bytes, failed ids."""
    batch_emulator.reset(seed=seed)
    batch_emulator.use_scenario(scenario)
    client = batch_emulator.openai(max_retries=0)
    file = client.files.create(file=("in.jsonl", io.BytesIO(chat_batch_file(24))), purpose="batch")
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    output = client.files.content(done.output_file_id).content
    errors = client.files.content(done.error_file_id).content
    return output, errors, [line["custom_id"] for line in parse_jsonl(errors)]


def test_same_seed_replays_byte_for_byte(batch_emulator):
    first = replay(batch_emulator, 0, FRACTION)
    assert 0 < len(first[2]) < 24
    assert replay(batch_emulator, 0, FRACTION) == first


def test_another_run_seed_or_scenario_seed_picks_other_lines(batch_emulator):
    base = replay(batch_emulator, 0, FRACTION)[2]
    assert replay(batch_emulator, 1, FRACTION)[2] != base
    assert replay(batch_emulator, 0, {**FRACTION, "seed": 6})[2] != base
    assert replay(batch_emulator, 0, FRACTION)[2] == base
