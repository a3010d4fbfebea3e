"""The code blocks of "What survives a crash" in docs/durability-and-limits.md run as written: a
`batch-emulator serve` command starts and answers /_emulator/health (on the port BATCH_EMULATOR_SERVE_PORT
gives it), JSON parses (and the 507 body is the one the server sends), text is an output sample."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from emulator.engine.errors import InsufficientStorage
from tests.support.serve_process import wait_for_url

PAGE = Path(__file__).resolve().parents[2] / "docs" / "durability-and-limits.md"
SECTION = "## What survives a crash"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def section_blocks() -> list[tuple[str, str]]:
    text = PAGE.read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return BLOCK.findall(text[start : end if end >= 0 else len(text)])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_section_has_blocks_of_known_kinds():
    kinds = [kind for kind, _ in section_blocks()]
    assert kinds and set(kinds) <= {"bash", "json", "text"}


def test_serve_commands_start_and_answer_health(tmp_path: Path):
    commands = [body.strip() for kind, body in section_blocks() if kind == "bash"]
    assert commands and all(command.startswith("batch-emulator serve ") for command in commands)
    for command in commands:
        port = free_port()
        args = shlex.split(command)[1:]
        env = {**os.environ, "BATCH_EMULATOR_SERVE_PORT": str(port)}
        process = subprocess.Popen(
            [sys.executable, "-m", "emulator", *args],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            url = wait_for_url(process)
            assert url.endswith(f":{port}")
            with urllib.request.urlopen(url + "/_emulator/health", timeout=30) as answer:
                assert json.loads(answer.read())["status"] == "ok"
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_json_blocks_parse_and_the_full_disk_answer_is_the_servers():
    bodies = [json.loads(body) for kind, body in section_blocks() if kind == "json"]
    assert InsufficientStorage().body() in bodies
