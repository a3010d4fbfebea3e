"""docs/dashboard.md's code blocks run as written, in order, against one emulator with a manual clock (the
docs convention: python blocks as scripts, bash blocks with bash, with OPENAI_BASE_URL, OPENAI_API_KEY and
BATCH_EMULATOR_URL set), and the picture it shows is there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from emulator.config import EmulatorConfig
from emulator.engine.clock import parse_time
from emulator.server import ThreadedEmulator

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "dashboard.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
RUNNERS = {"python": [sys.executable, "-"], "bash": ["bash", "-e"]}


def test_every_block_of_the_dashboard_page_runs(tmp_path):
    blocks = BLOCK.findall(PAGE.read_text())
    assert sorted({language for language, _ in blocks}) == ["bash", "python"]
    config = EmulatorConfig(port=0, clock="manual", start_time=parse_time("2026-01-01T00:00:00Z"))
    with ThreadedEmulator(config) as emulator:
        env = {
            **os.environ,
            "OPENAI_BASE_URL": emulator.base_url,
            "OPENAI_API_KEY": "sk-test",
            "BATCH_EMULATOR_URL": emulator.url,
        }
        outputs = []
        for language, code in blocks:
            result = subprocess.run(
                RUNNERS[language], input=code, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
            )
            assert result.returncode == 0, f"{language} block failed:\n{code}\n{result.stdout}\n{result.stderr}"
            outputs.append(result.stdout)
    assert outputs[0].strip() == "completed ['validating', 'in_progress', 'finalizing'] completed"
    assert '"path":"/v1/batches"' in outputs[1]


def test_the_page_shows_the_committed_screenshot():
    assert "![The dashboard](dashboard.png)" in PAGE.read_text()
    assert (PAGE.parent / "dashboard.png").is_file()
