"""Usage errors are one or two lines, exit 2 and carry no traceback (bad values, a port in use); help shows
defaults and an example per command; a bare `batch-emulator` prints help; the banner lists every mounted base
URL; `--log-level info` logs one line per request with a key fingerprint, and nothing at the default level."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys

import openai
import pytest
from click.testing import CliRunner

from emulator.cli import main
from emulator.dialects.registry import DIALECTS
from tests.support.serve_process import launch, wait_for_url


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emulator", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def assert_usage_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.stderr and "Unclosed" not in result.stderr
    for word in words:
        assert word in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["serve", "--port", "70000"], ["--port", "70000"]),
        (["serve", "--port", "-1"], ["--port"]),
        (["serve", "--speed", "0"], ["--speed"]),
        (["serve", "--requests-per-second", "0"], ["--requests-per-second"]),
        (["serve", "--start-time", "soon"], ["--start-time"]),
        (["serve", "--scenario", "no_such_scenario"], ["no_such_scenario", "happy_path"]),
        (["serve", "--embedding-dimensions", "model"], ["MODEL=N"]),
        (["validate", "missing.jsonl"], ["missing.jsonl"]),
    ],
)
def test_bad_values_are_short_usage_errors(args, words):
    assert_usage_error(cli(*args), *words)


def test_a_port_in_use_is_a_short_usage_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--port", str(port))
    assert_usage_error(result, f"127.0.0.1:{port}", "already in use")


def test_bare_command_prints_help_and_exits_0():
    result = cli()
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: ")
    for command in ("serve", "validate", "run", "scenario"):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.MULTILINE), command


def option_help(help_text: str, option: str) -> str:
    """The help of one option, its wrapped lines joined."""
    blocks: dict[str, list[str]] = {}
    current = None
    for line in help_text.split("Options:")[1].splitlines():
        stripped = line.strip()
        if stripped.startswith("-"):
            current = stripped.split()[0].rstrip(",")
            blocks[current] = []
        if current is not None:
            blocks[current].append(stripped)
    return " ".join(blocks[option])


def test_every_command_shows_an_example_and_its_defaults():
    runner = CliRunner()
    for path in (["serve"], ["validate"], ["run"], ["scenario"], ["scenario", "check"], ["scenario", "list"]):
        text = runner.invoke(main, [*path, "--help"], terminal_width=200).stdout
        assert re.search(r"^\s+batch-emulator " + " ".join(path), text, re.MULTILINE), (path, text)
    serve = runner.invoke(main, ["serve", "--help"], terminal_width=200).stdout
    for option, default in (
        ("--requests-per-second", "100.0"),
        ("--start-time", "now"),
        ("--max-requests", "50,000"),
        ("--log-level", "warning"),
        ("--port", "8000"),
    ):
        block = option_help(serve, option)
        assert f"default: {default}" in block or f"default: ({default})" in block, block
    assert "Raise" not in serve
    run = runner.invoke(main, ["run", "--help"], terminal_width=200).stdout
    assert re.search(r"--seed INTEGER\s+Seed for ids", run)


def test_the_banner_lists_every_dialect_and_the_root_mount():
    process = launch("--port", "0", "--dialect", "anthropic")
    url = wait_for_url(process)
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline().decode() for _ in range(len(DIALECTS) + 3)]  # + dashboard
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    text = "".join(banner)
    assert "OpenAI:" in text and f"{url}/v1\n" in text
    for dialect in DIALECTS.values():
        assert f"{url}{dialect.prefix}\n" in text, dialect.name
    assert re.search(rf"Anthropic Message Batches \(root\):\s+{re.escape(url)}/v1\n", text)


def serve_and_call(*args: str) -> str:
    process = launch("--port", "0", *args)
    url = wait_for_url(process)
    try:
        client = openai.OpenAI(base_url=url + "/v1", api_key="sk-secret-key-123456", max_retries=0)
        client.files.list()
        with pytest.raises(openai.NotFoundError):
            client.batches.retrieve("batch_missing")
    finally:
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=15)
    return rest.decode()


def test_log_level_info_logs_one_line_per_request_with_a_key_fingerprint():
    log = serve_and_call("--log-level", "info")
    lines = [line for line in log.splitlines() if "batch_emulator.requests" in line]
    assert len(lines) == 2, log
    assert re.search(r"GET /v1/files 200 \d+\.\dms key:[0-9a-f]{8}$", lines[0])
    assert re.search(r"GET /v1/batches/batch_missing 404 \d+\.\dms key:[0-9a-f]{8}$", lines[1])
    assert "sk-secret-key-123456" not in log


def test_the_default_level_logs_no_request():
    log = serve_and_call()
    assert "/v1/files" not in log and "batch_emulator.requests" not in log
