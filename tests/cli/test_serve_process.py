"""`python -m emulator` as a real process: --help, serving on a free port, and a clean stop on SIGINT."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from urllib.parse import urlsplit

from tests.support.serve_process import launch, wait_for_url


def _serve(*args: str) -> tuple[subprocess.Popen[bytes], str, int]:
    process = launch(*args)
    url = wait_for_url(process)
    return process, url, _port(url)


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return json.loads(response.read())


def test_module_help_runs_as_a_process():
    result = subprocess.run(
        [sys.executable, "-m", "emulator", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert "Usage:" in result.stdout
    for command in ("serve", "validate", "run", "scenario"):
        assert command in result.stdout


def test_serve_answers_health_and_stops_cleanly_on_sigint():
    process, url, _ = _serve("--port", "0", "--clock", "manual", "--start-time", "2026-01-01T00:00:00Z")
    try:
        health = _get(url + "/_emulator/health")
        assert health["status"] == "ok"
        clock = _get(url + "/_emulator/clock")
        assert (clock["now"], clock["mode"]) == (1_767_225_600, "manual")
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=15)
    assert process.returncode == 0
    assert b"batch-emulator stopped" in rest
    assert b"Traceback" not in rest


def test_port_0_picks_a_free_port_and_two_servers_coexist():
    first, second = launch("--port", "0"), launch("--port", "0")
    try:
        first_url, second_url = wait_for_url(first), wait_for_url(second)
        first_port, second_port = _port(first_url), _port(second_url)
        assert first_port != 0 and second_port != 0 and first_port != second_port
        assert _get(first_url + "/_emulator/health")["status"] == "ok"
        assert _get(second_url + "/_emulator/health")["status"] == "ok"
        assert _get(first_url + "/_emulator/clock")["mode"] == "real"
    finally:
        for process in (first, second):
            process.send_signal(signal.SIGTERM)
        codes = [first.wait(timeout=15), second.wait(timeout=15)]
    assert codes == [0, 0]
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", first_port)) != 0, "the port is still served after the stop"


def test_max_file_bytes_and_env_variables_configure_serve():
    import os

    import openai

    env = {**os.environ, "BATCH_EMULATOR_SERVE_SEED": "7"}
    process = launch("--port", "0", "--max-file-bytes", "1000", env=env)
    url = wait_for_url(process)
    try:
        client = openai.OpenAI(base_url=url + "/v1", api_key="k", max_retries=0)
        first = client.files.create(file=("ok.jsonl", b"x" * 1000), purpose="batch")
        assert first.bytes == 1000
        try:
            client.files.create(file=("big.jsonl", b"x" * 1001), purpose="batch")
        except openai.BadRequestError as exc:
            assert exc.code == "file_too_large"
        else:
            raise AssertionError("a file over --max-file-bytes was accepted")
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)

    flagged, flagged_url, _ = _serve("--port", "0", "--seed", "7")
    try:
        same = openai.OpenAI(base_url=flagged_url + "/v1", api_key="k").files.create(
            file=("ok.jsonl", b"x" * 1000), purpose="batch"
        )
    finally:
        flagged.send_signal(signal.SIGINT)
        flagged.communicate(timeout=15)
    assert same.id == first.id  # BATCH_EMULATOR_SERVE_SEED=7 worked like --seed 7


def test_serve_rejects_a_non_positive_limit():
    result = subprocess.run(
        [sys.executable, "-m", "emulator", "serve", "--max-file-bytes", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--max-file-bytes" in result.stderr and "x>=1" in result.stderr
