"""The README's picture of the dashboard comes from the real page: the scene of docs/dashboard.png is built and
shot on every run, and the committed PNG must be a screenshot of that same size (remake it with
`python -m tests.browser.scene`)."""

from __future__ import annotations

import struct
from pathlib import Path

from tests.browser.page import WINDOW, DashboardPage
from tests.browser.scene import DOCS_SCREENSHOT, build_scene, take

MAX_BYTES = 300_000


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_the_front_page_screenshot_is_the_real_page(dashboard: DashboardPage, tmp_path):
    dashboard.admin("POST", "/reset", {"start_time": "2026-01-01T09:00:00Z"})
    build_scene(dashboard)
    fresh = take(dashboard, tmp_path / "dashboard.png")
    assert "1 in_progress" in dashboard.text("#status-chips") and "1 cancelled" in dashboard.text("#status-chips")
    assert dashboard.texts("#timeline .row-label tspan") == ["anthropic ", "groq "]
    assert png_size(fresh)[0] == WINDOW[0]
    assert png_size(DOCS_SCREENSHOT) == png_size(fresh)
    assert DOCS_SCREENSHOT.stat().st_size < MAX_BYTES
