"""The "Limits" and "Admin access" sections of docs/durability-and-limits.md run as written: python scripts
and bash blocks in order against one server (manual clock), a `batch-emulator serve` block must start and
answer /_emulator/health, yaml blocks are valid scenarios."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.cli import main
from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator

PAGE = Path(__file__).resolve().parents[2] / "docs" / "durability-and-limits.md"
SECTIONS = ("## Limits", "## Admin access")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
READY = re.compile(rb"serving on (http://\S+)/v1")


def _blocks() -> list[tuple[str, str]]:
    """(language, code) of every fenced block under the sections this page's limits part owns."""
    found = []
    for part in re.split(r"^(?=## )", PAGE.read_text(), flags=re.MULTILINE):
        if part.startswith(SECTIONS):
            found += [(match.group(1), match.group(2)) for match in FENCE.finditer(part)]
    return found


def _environment(server: ThreadedEmulator) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BATCH_EMULATOR_", "PYTEST_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-test", BATCH_EMULATOR_URL=server.url)
    return env


def _check_serve(code: str, env: dict[str, str]) -> None:
    process = subprocess.Popen(
        ["bash", "-c", "exec " + code.strip()],
        env={**env, "BATCH_EMULATOR_SERVE_PORT": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            match = READY.search(process.stdout.readline())
            if match:
                with urllib.request.urlopen(match.group(1).decode() + "/_emulator/health", timeout=10) as answer:
                    assert json.loads(answer.read())["status"] == "ok"
                return
        pytest.fail(f"the server never started: {code}")
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)


def test_the_limits_and_admin_access_blocks_run_as_written(tmp_path):
    blocks = _blocks()
    assert {language for language, _ in blocks} >= {"python", "bash", "yaml"}
    config = EmulatorConfig(port=0, clock="manual", start_time=1_767_225_600)
    with ThreadedEmulator(config) as server:
        env = _environment(server)
        for language, code in blocks:
            if language == "python":
                command = [sys.executable, "-c", code]
            elif language == "bash" and code.startswith("batch-emulator serve"):
                _check_serve(code, env)
                continue
            elif language == "bash":
                command = ["bash", "-e", "-o", "pipefail", "-c", code]
            elif language == "yaml":
                path = tmp_path / "scenario.yaml"
                path.write_text(code)
                result = CliRunner().invoke(main, ["scenario", "check", str(path)])
                assert result.exit_code == 0, result.output
                continue
            else:
                assert language == "text", f"a block this test cannot run: {language}"
                continue
            done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, f"{code}\n{done.stdout}\n{done.stderr}"
