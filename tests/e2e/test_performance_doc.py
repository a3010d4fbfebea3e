"""docs/performance.md runs as written: its bash blocks run from the repository root against a live emulator
(the benchmarks they call start their own servers); its text blocks are output samples."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "performance.md"
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", PAGE.read_text(), flags=re.S | re.M)


def test_the_page_has_commands_and_results():
    kinds = [kind for kind, _ in BLOCKS]
    assert "bash" in kinds and "text" in kinds
    assert set(kinds) <= {"bash", "text"}  # the kinds this page's tests know how to check


@pytest.mark.parametrize("code", [code for kind, code in BLOCKS if kind == "bash"])
def test_the_commands_run_as_written(batch_emulator, code):
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "BATCH_EMULATOR_URL": batch_emulator.url,
        "OPENAI_BASE_URL": batch_emulator.base_url,
        "OPENAI_API_KEY": "sk-test",
    }
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
