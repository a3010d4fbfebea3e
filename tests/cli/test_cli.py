"""The `batch-emulator` command line in-process: serve's options, validate, run and the scenario commands."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from emulator.cli import main
from tests.conftest import chat_line, jsonl, parse_jsonl

ROOT = Path(__file__).resolve().parents[2]
INPUTS = ROOT / "fixtures" / "inputs"
SCENARIOS = ROOT / "emulator" / "bundled_scenarios"


def invoke(*args: str):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


# -- serve --------------------------------------------------------------------------------------------------


def test_serve_help_lists_every_option():
    result = invoke("serve", "--help")
    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--clock",
        "--speed",
        "--start-time",
        "--seed",
        "--data-dir",
        "--api-key",
        "--log-level",
        "--scenario",
        "--max-file-bytes",
    ):
        assert re.search(rf"^\s+{option}\b", result.stdout, re.MULTILINE), option


def test_top_level_help_lists_the_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("serve", "validate", "run", "scenario"):
        assert re.search(rf"^\s+{command}\b", result.stdout, re.MULTILINE), command


def test_serve_rejects_a_bad_start_time():
    result = invoke("serve", "--start-time", "yesterday-ish", "--port", "0")
    assert result.exit_code == 2
    assert "--start-time" in result.stderr


# -- validate -----------------------------------------------------------------------------------------------


def test_validate_prints_every_problem_with_file_line_code_and_param():
    path = INPUTS / "several_errors.jsonl"
    result = invoke("validate", path, "--endpoint", "/v1/chat/completions")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [
        f"{path}:2: invalid_json_line: This line is not parseable as valid JSON. (JSON decoder: invalid literal, "
        "expected 'true' at column 1)",
        f"{path}:4: missing_required_parameter [custom_id]: Missing required parameter: 'custom_id'.",
        f"{path}:5: streaming_unsupported [body.stream]: Chat Completions: Streaming is not supported in the "
        "Batch API.",
        f"{path}:7: invalid_url [url]: The URL provided for this request does not match the batch endpoint.",
    ]
    assert "4 error(s) on 4 line(s); 8 request line(s) read; endpoint /v1/chat/completions" in result.stderr


@pytest.mark.parametrize(
    ("name", "endpoint", "count", "model"),
    [
        ("chat_completions.jsonl", "/v1/chat/completions", 4, "gpt-4o-mini"),
        ("embeddings.jsonl", "/v1/embeddings", 4, "text-embedding-3-small"),
        ("sample_batch.jsonl", "/v1/chat/completions", 12, "gpt-4o-mini"),
    ],
)
def test_validate_a_good_file_exits_0_with_ok(name, endpoint, count, model):
    result = invoke("validate", INPUTS / name, "--endpoint", endpoint)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"ok: {count} request line(s), model {model}, endpoint {endpoint}\n"


def test_validate_checks_urls_against_the_endpoint_given():
    result = invoke("validate", INPUTS / "embeddings.jsonl", "--endpoint", "/v1/chat/completions")
    assert result.exit_code == 1
    assert "invalid_url [url]" in result.stdout


def test_validate_file_level_errors_say_file():
    path = INPUTS / "empty_file.jsonl"
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}: empty_file: The batch input file is empty. Please provide a file with at least one request."
    ]


def test_validate_json_output_is_one_object_per_problem():
    result = invoke("validate", INPUTS / "several_errors.jsonl", "--json")
    assert result.exit_code == 1
    problems = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [(p["line"], p["code"], p["param"]) for p in problems] == [
        (2, "invalid_json_line", None),
        (4, "missing_required_parameter", "custom_id"),
        (5, "streaming_unsupported", "body.stream"),
        (7, "invalid_url", "url"),
    ]
    assert all(set(p) == {"line", "code", "param", "message"} for p in problems)


def test_validate_limits_are_options(tmp_path):
    path = tmp_path / "six.jsonl"
    path.write_bytes(jsonl([chat_line(f"r{i}") for i in range(6)]))
    refused = invoke("validate", path, "--max-requests", "5", "--json")
    assert refused.exit_code == 1
    assert [orjson.loads(line)["code"] for line in refused.stdout.splitlines()] == ["too_many_requests"]
    assert invoke("validate", path, "--max-requests", "6").exit_code == 0


def test_validate_model_list_is_strict_like_the_server(tmp_path):
    path = tmp_path / "models.jsonl"
    path.write_bytes(jsonl([chat_line("a", model="gpt-4o-mini")]))
    assert invoke("validate", path).exit_code == 0
    refused = invoke("validate", path, "--model", "gpt-4o", "--json")
    assert refused.exit_code == 1
    [problem] = [orjson.loads(line) for line in refused.stdout.splitlines()]
    assert (problem["code"], problem["line"], problem["param"]) == ("model_not_found", 1, "body.model")
    assert invoke("validate", path, "--model", "gpt-4o", "--model", "gpt-4o-mini").exit_code == 0


def test_validate_a_missing_file_is_a_usage_error(tmp_path):
    result = invoke("validate", tmp_path / "nope.jsonl")
    assert result.exit_code == 2


# -- run ----------------------------------------------------------------------------------------------------


def _run(tmp_path, source: Path, seed: int, tag: str, *extra: str) -> tuple[bytes, bytes]:
    out, err = tmp_path / f"{tag}.out.jsonl", tmp_path / f"{tag}.err.jsonl"
    result = invoke("run", source, "-o", out, "--errors", err, "--seed", str(seed), "--no-progress", *extra)
    assert result.exit_code == 0, result.output
    return out.read_bytes(), err.read_bytes()


@pytest.fixture
def mixed_input(tmp_path) -> Path:
    """Eight chat lines; with partial_line_failures, fail-* lines get a 500 and every 4th line a 400."""
    path = tmp_path / "in.jsonl"
    ids = ["a", "b", "fail-c", "d", "e", "f", "g", "h"]
    path.write_bytes(jsonl([chat_line(custom_id, f"Question {custom_id}") for custom_id in ids]))
    return path


def test_run_writes_output_and_error_lines_in_the_server_format(tmp_path, mixed_input):
    out, err = _run(tmp_path, mixed_input, 0, "a", "--scenario", "partial_line_failures")
    good, bad = parse_jsonl(out), parse_jsonl(err)
    assert [line["custom_id"] for line in good] == ["a", "b", "e", "f", "g"]
    assert [line["custom_id"] for line in bad] == ["fail-c", "d", "h"]
    for line in good + bad:
        assert list(line) == ["id", "custom_id", "response", "error"]
        assert line["id"].startswith("batch_req_")
        assert line["error"] is None
    assert {line["response"]["status_code"] for line in good} == {200}
    assert [line["response"]["status_code"] for line in bad] == [500, 400, 400]
    assert good[0]["response"]["body"]["object"] == "chat.completion"
    assert bad[1]["response"]["body"]["error"]["code"] == "context_length_exceeded"


def test_run_prints_a_summary(tmp_path, mixed_input):
    out = tmp_path / "o.jsonl"
    result = invoke("run", mixed_input, "-o", out, "--scenario", "partial_line_failures", "--no-progress")
    assert result.exit_code == 0
    assert result.stdout == f"5 completed, 3 failed; output {out}\n"


def test_run_is_deterministic_per_seed(tmp_path, mixed_input):
    first = _run(tmp_path, mixed_input, 7, "first", "--scenario", "partial_line_failures")
    again = _run(tmp_path, mixed_input, 7, "again", "--scenario", "partial_line_failures")
    other = _run(tmp_path, mixed_input, 8, "other", "--scenario", "partial_line_failures")
    assert first == again
    assert first[0] != other[0]
    assert [line["custom_id"] for line in parse_jsonl(first[0])] == [
        line["custom_id"] for line in parse_jsonl(other[0])
    ]


def test_run_without_failures_writes_an_empty_error_file(tmp_path):
    out, err = _run(tmp_path, INPUTS / "sample_batch.jsonl", 0, "sample")
    assert len(parse_jsonl(out)) == 12
    assert err == b""


def test_run_with_a_scenario_file(tmp_path, mixed_input):
    out, err = _run(tmp_path, mixed_input, 0, "file", "--scenario", str(SCENARIOS / "all_lines_failed.yaml"))
    assert out == b""
    assert len(parse_jsonl(err)) == 8


def test_run_on_an_invalid_file_exits_1_with_the_validation_errors(tmp_path):
    path = INPUTS / "several_errors.jsonl"
    out = tmp_path / "never.jsonl"
    result = invoke("run", path, "-o", out, "--no-progress")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:2: invalid_json_line: This line is not parseable as valid JSON. (JSON decoder: invalid literal, "
        "expected 'true' at column 1)",
        f"{path}:4: missing_required_parameter [custom_id]: Missing required parameter: 'custom_id'.",
        f"{path}:5: streaming_unsupported [body.stream]: Chat Completions: Streaming is not supported in the "
        "Batch API.",
        f"{path}:7: invalid_url [url]: The URL provided for this request does not match the batch endpoint.",
        "4 error(s) on 4 line(s)",
    ]
    assert not out.exists()


def test_run_with_a_progress_bar_gives_the_same_output(tmp_path, mixed_input):
    plain = _run(tmp_path, mixed_input, 3, "plain")
    shown = _run(tmp_path, mixed_input, 3, "shown", "--progress")
    assert plain == shown


# -- scenario -----------------------------------------------------------------------------------------------


def test_scenario_check_accepts_every_bundled_file():
    files = sorted(SCENARIOS.glob("*.yaml"))
    result = invoke("scenario", "check", *files)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"ok: {len(files)} scenario file(s)\n"


def test_scenario_check_reports_file_line_field_and_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'name: broken\ntiming:\n  validating: -1\nlines:\n  - match: {custom_id: "x-*"}\n    status: "abc"\n'
    )
    result = invoke("scenario", "check", bad)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{bad}:3: invalid_value [timing.validating]: ")
    assert lines[1].startswith(f"{bad}:6: invalid_value [lines[0].status]: ")
    assert "greater than or equal to 0" in lines[0]


def test_scenario_schema_is_a_json_schema():
    from jsonschema import Draft202012Validator

    result = invoke("scenario", "schema")
    assert result.exit_code == 0
    schema = orjson.loads(result.stdout)
    Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object"
    for key in ("name", "timing", "lines", "http"):
        assert key in schema["properties"], key
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"name": "ok", "lines": [{"match": {"custom_id": "a*"}, "status": 500}]})
    assert not validator.is_valid({"name": "bad", "timing": {"validating": "slow"}})


def test_scenario_list_names_every_bundled_scenario():
    result = invoke("scenario", "list")
    assert result.exit_code == 0
    listed = {line.split(":", 1)[0] for line in result.stdout.splitlines()}
    assert listed == {path.stem for path in SCENARIOS.glob("*.yaml")}
    for required in ("happy_path", "partial_line_failures", "validation_failure", "expiry_mid_run"):
        assert required in listed


def test_validate_an_unknown_endpoint_is_a_usage_error():
    result = invoke("validate", INPUTS / "chat_completions.jsonl", "--endpoint", "/v1/bogus")
    assert result.exit_code == 2
    assert "'/v1/bogus' is not one of" in result.stderr
    assert result.stdout == ""


def test_run_with_an_unknown_scenario_is_a_usage_error_naming_the_bundled_ones(tmp_path, mixed_input):
    result = invoke("run", mixed_input, "-o", tmp_path / "o.jsonl", "--scenario", "no_such_scenario")
    assert result.exit_code == 2
    assert "'no_such_scenario' is neither a file nor a bundled scenario" in result.stderr
    assert "partial_line_failures" in result.stderr
    assert "Traceback" not in result.output


def test_run_on_a_file_whose_url_is_not_a_batch_endpoint_is_a_usage_error(tmp_path):
    path = tmp_path / "bogus.jsonl"
    path.write_bytes(jsonl([{**chat_line("a"), "url": "/v1/bogus"}]))
    result = invoke("run", path, "-o", tmp_path / "o.jsonl", "--no-progress")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}:1: url '/v1/bogus' is not a batch endpoint; pass --endpoint")
