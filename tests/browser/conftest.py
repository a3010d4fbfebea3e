"""A real headless Chromium (Debian's `chromium` and `chromium-driver`) driven by Selenium, one per test module,
and an emulator with a manual clock for it to look at, also one per module and reset before each test.

Under CI (`CI=true`) a missing browser or driver fails these tests; elsewhere it skips them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.config import EmulatorConfig
from emulator.engine.clock import parse_time
from emulator.server import ThreadedEmulator
from tests.browser.page import DashboardPage, start_browser

START = "2026-01-01T00:00:00Z"


def _browser_paths() -> tuple[str, str] | str:
    """The Chromium binary and its driver, or why they cannot be used."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if binary is None or driver is None:
        return "chromium and chromium-driver are not installed (apt-get install -y chromium chromium-driver)"
    return binary, driver


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    found = _browser_paths()
    if isinstance(found, str):
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser tests need a browser under CI: {found}")
        pytest.skip(found)
    driver = start_browser(*found)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def dashboard_emulator() -> Iterator[ThreadedEmulator]:
    config = EmulatorConfig(port=0, clock="manual", start_time=parse_time(START))
    with ThreadedEmulator(config) as emulator:
        yield emulator


@pytest.fixture
def dashboard(browser: Any, dashboard_emulator: ThreadedEmulator, tmp_path: Path) -> Iterator[DashboardPage]:
    """The dashboard of a freshly reset emulator, open in the browser; after the test, the browser's console
    must hold no error."""
    page = DashboardPage(browser, dashboard_emulator, tmp_path)
    page.admin("POST", "/reset")
    browser.get_log("browser")  # forget what earlier tests logged
    page.open()
    yield page
    browser.execute_script("sessionStorage.clear()")  # a token one test gave is not the next test's
    assert page.console_errors() == []
