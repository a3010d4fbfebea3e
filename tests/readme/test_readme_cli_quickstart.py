"""The README's command-line quickstart runs as written: its Python blocks against a live server, its curl
lines against the same server (with the README's host and port replaced by the test server's)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator

README = Path(__file__).resolve().parents[2] / "README.md"


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_setup_section_has_exactly_two_one_line_commands():
    commands = blocks(section("Set up"), "bash")
    assert len(commands) == 2
    assert all(len(command.strip().splitlines()) == 1 for command in commands)
    assert "batch-emulator serve" in commands[0]
    assert "pytest" in commands[1] and ".[test]" in commands[1]


def test_cli_quickstart_runs_as_written(capsys):
    quickstart = section("Quickstart: the command line")
    python_blocks = blocks(quickstart, "python")
    curl_lines = [
        line for block in blocks(quickstart, "bash") for line in block.splitlines() if line.startswith("curl")
    ]
    assert len(python_blocks) == 2 and curl_lines
    with ThreadedEmulator(EmulatorConfig(port=0, clock="manual", start_time=1_767_225_600)) as server:
        namespace = {"BASE_URL": server.base_url}
        exec(compile(python_blocks[0], "README quickstart (1)", "exec"), namespace)
        assert capsys.readouterr().out.strip() == "validating"
        if shutil.which("curl") is None:
            pytest.skip("curl is not installed")
        host = server.url.removeprefix("http://")
        for line in curl_lines:
            command = shlex.split(line.split("#")[0].replace("localhost:8000", host))
            result = subprocess.run(command, capture_output=True, text=True, check=True)
            assert result.stdout.startswith("{")
        exec(compile(python_blocks[1], "README quickstart (2)", "exec"), namespace)
        out = capsys.readouterr().out
        assert out.startswith("completed BatchRequestCounts(completed=1, failed=0, total=1)")
        assert '"custom_id":"q1"' in out
