"""docs/performance.md runs as written: its bash blocks run from the repository root against a live emulator
(the benchmarks they call start their own servers); its text blocks are output samples."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "performance.md"
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", PAGE.read_text(), flags=re.S | re.M)


def test_the_page_has_commands_and_results():
    kinds = [kind for kind, _ in BLOCKS]
    assert "bash" in kinds and "text" in kinds
    assert set(kinds) <= {"bash", "text"}  # the kinds this page's tests know how to check
