"""Every fenced block of README.md and docs/*.md runs as written, one test per page, blocks in page order.

- ```python with `def test_`: a pytest file, run with pytest (the plugin active) in a subprocess; the blocks of
  a page run together in one pytest process, each in its own file.
- other ```python: a script, run in a subprocess with OPENAI_BASE_URL=<server>/v1, OPENAI_API_KEY=sk-test and
  BATCH_EMULATOR_URL=<server root>, against an emulator the harness starts for the page (manual clock at
  2026-01-01T00:00:00Z); the page's blocks share that server and a working directory (a page is a walkthrough).
- ```bash: run with `bash -e -o pipefail` in the same environment and directory; a block that is a
  `batch-emulator serve ...` command is instead started on a free port (BATCH_EMULATOR_SERVE_PORT) and must
  answer /_emulator/health.
- ```yaml: a scenario document, checked with `batch-emulator scenario check`.
- ```json and ```toml: must parse. ```text: an output sample, not run.
- A fence with any other language, or none, fails the page.

Blocks run in a fresh directory per page, where `benchmarks/` and `fixtures/` point at the repository's own, so
a page can name them as seen from the repository root.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.cli import main
from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator
from tests.docs.blocks import ROOT, Block, blocks_of, pages

PAGES = pages()
START = 1_767_225_600  # 2026-01-01T00:00:00Z
TIMEOUT = 180
SERVE_TIMEOUT = 60
REPOSITORY_FOLDERS = ("benchmarks", "fixtures")


def environment(server: ThreadedEmulator | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BATCH_EMULATOR_", "PYTEST_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    if server is not None:
        env.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-test", BATCH_EMULATOR_URL=server.url)
    return env


def run(block: Block, command: list[str], cwd: Path, env: dict[str, str]) -> None:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if result.returncode != 0:
        pytest.fail(f"{block.where}: exit {result.returncode}\n{result.stdout}\n{result.stderr}", pytrace=False)


def run_pytest_blocks(blocks: list[Block], workdir: Path) -> None:
    folder = workdir / "pytest_blocks"
    folder.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\nasyncio_mode = strict\n")
    for index, block in enumerate(blocks):
        (folder / f"test_block_{index}_line_{block.line}.py").write_text(block.code)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", "."]
    result = subprocess.run(
        command, cwd=folder, env=environment(None), capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    if result.returncode != 0:
        where = ", ".join(block.where for block in blocks)
        pytest.fail(f"pytest blocks of {where} failed:\n{result.stdout}\n{result.stderr}", pytrace=False)


def check_serve_block(block: Block, workdir: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**environment(None), "BATCH_EMULATOR_SERVE_PORT": str(port)}
    process = subprocess.Popen(
        ["bash", "-c", "exec " + block.code.strip()],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + SERVE_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/health", timeout=2) as answer:
                    assert json.loads(answer.read())["status"] == "ok"
                    return
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"{block.where}: the server never answered on port {port}\n{output}", pytrace=False)
                time.sleep(0.1)  # polling a real subprocess until it is up
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)


def check_scenario(block: Block, workdir: Path) -> None:
    path = workdir / f"scenario_line_{block.line}.yaml"
    path.write_text(block.code)
    result = CliRunner().invoke(main, ["scenario", "check", str(path)])
    if result.exit_code != 0:
        pytest.fail(f"{block.where}: the scenario is invalid:\n{result.output}", pytrace=False)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_block_of_the_page_runs_as_written(page: Path, tmp_path: Path) -> None:
    blocks = blocks_of(page)
    for folder in REPOSITORY_FOLDERS:  # pages may name the repository's files as seen from its root
        (tmp_path / folder).symlink_to(ROOT / folder, target_is_directory=True)
    unknown = [f"{b.where}: ```{b.language or '(no language)'}" for b in blocks if b.kind == "unknown"]
    assert unknown == [], "fences the harness cannot run (use python, bash, yaml, json, toml or text)"
    if any(b.kind == "pytest" for b in blocks):
        run_pytest_blocks([b for b in blocks if b.kind == "pytest"], tmp_path)
    live = [b for b in blocks if b.kind in ("script", "bash")]
    config = EmulatorConfig(port=0, clock="manual", start_time=START)
    with ThreadedEmulator(config) if live else contextlib.nullcontext() as server:
        env = environment(server)
        for block in blocks:
            if block.kind == "script":
                run(block, [sys.executable, "-c", block.code], tmp_path, env)
            elif block.kind == "bash":
                run(block, ["bash", "-e", "-o", "pipefail", "-c", block.code], tmp_path, env)
            elif block.kind == "serve":
                check_serve_block(block, tmp_path)
            elif block.kind == "yaml":
                check_scenario(block, tmp_path)
            elif block.kind == "json":
                json.loads(block.code)
            elif block.kind == "toml":
                tomllib.loads(block.code)


def test_bash_and_curl_are_available() -> None:
    assert shutil.which("bash") and shutil.which("curl"), "the documentation's shell examples need bash and curl"
