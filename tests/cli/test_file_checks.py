"""The file-checking commands: bundled scenario names wherever a scenario is taken, `validate` inferring the
endpoint from the lines, `run` never overwriting its input, and one error format with true counts."""

from __future__ import annotations

import json
import signal
import urllib.request

from click.testing import CliRunner

from emulator.cli import main
from tests.support.serve_process import launch, wait_for_url


def invoke(*args: object):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def embedding_line(custom_id: str) -> dict:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/embeddings",
        "body": {"model": "text-embedding-3-small", "input": "hello"},
    }


def write_lines(path, lines: list) -> None:
    path.write_text("".join((json.dumps(line) if not isinstance(line, str) else line) + "\n" for line in lines))


def test_serve_takes_a_bundled_scenario_by_name():
    process = launch("--port", "0", "--scenario", "partial_line_failures")
    url = wait_for_url(process)
    try:
        with urllib.request.urlopen(url + "/_emulator/scenarios", timeout=10) as answer:
            assert json.loads(answer.read())["active"] == "partial_line_failures"
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)


def test_scenario_check_takes_bundled_names_and_files(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("name: mine\nlines:\n  - match: {every_nth: 2}\n    status: 500\n")
    result = invoke("scenario", "check", "partial_line_failures", mine)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "ok: 2 scenario file(s)"


def test_validate_infers_the_endpoint_from_the_lines_and_says_so(tmp_path):
    path = tmp_path / "embeddings.jsonl"
    write_lines(path, [embedding_line("a"), embedding_line("b")])
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "ok: 2 request line(s), model text-embedding-3-small, endpoint /v1/embeddings (from line 1)"
    )
    forced = invoke("validate", path, "--endpoint", "/v1/chat/completions")
    assert forced.exit_code == 1
    assert "endpoint /v1/chat/completions" in forced.stderr


def test_run_refuses_to_overwrite_its_input(tmp_path):
    path = tmp_path / "same.jsonl"
    write_lines(path, [embedding_line("a")])
    before = path.read_bytes()
    for args in (["-o", path], ["-o", tmp_path / "out.jsonl", "--errors", tmp_path / "." / "same.jsonl"]):
        result = invoke("run", path, *args, "--no-progress")
        assert result.exit_code == 2
        assert "is the input file" in result.stderr
        assert path.read_bytes() == before
    same = invoke("run", path, "-o", tmp_path / "o.jsonl", "--errors", tmp_path / "o.jsonl", "--no-progress")
    assert same.exit_code == 2


def test_one_error_format_with_decoder_detail_and_true_counts(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(
        json.dumps(embedding_line("a")).encode() + b"\n\n" + b"\xff\xfe binary\n" + b"[1, 2]\n" + b'{"custom_id": 1\n'
    )
    result = invoke("validate", path)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{path}:2: invalid_json_line: This line is not parseable as valid JSON. (a blank line before the last request)"
    )
    assert lines[1].startswith(f"{path}:3: invalid_json_line: This line is not parseable as valid JSON. (JSON decoder:")
    assert lines[2].endswith("(a JSON list, not an object)")
    assert lines[3].startswith(f"{path}:5: invalid_json_line: ") and "JSON decoder:" in lines[3]
    assert "4 error(s) on 4 line(s); 4 request line(s) read; endpoint /v1/embeddings (from line 1)" in result.stderr
    run = invoke("run", path, "-o", tmp_path / "out.jsonl", "--no-progress")
    assert run.exit_code == 1
    assert run.stderr.splitlines()[:4] == lines


def test_a_lone_binary_line_counts_as_one_request_line(tmp_path):
    path = tmp_path / "binary.jsonl"
    path.write_bytes(b"\x00\x01\xff\xfe")
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{path}:1: invalid_json_line: ")
    assert "1 error(s) on 1 line(s); 1 request line(s) read" in result.stderr


def test_run_prints_params_like_validate(tmp_path):
    path = tmp_path / "missing_id.jsonl"
    line = embedding_line("a")
    del line["custom_id"]
    write_lines(path, [line])
    run = invoke("run", path, "-o", tmp_path / "out.jsonl", "--no-progress")
    assert run.stderr.splitlines()[0] == (
        f"{path}:1: missing_required_parameter [custom_id]: Missing required parameter: 'custom_id'."
    )
