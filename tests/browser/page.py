"""How the browser tests look at the dashboard: start Chromium, open the page, wait for what a person would
see (never sleeping), click, and save a screenshot of each state."""

from __future__ import annotations

import io
import json
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openai import OpenAI
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from emulator.server import ThreadedEmulator
from tests.conftest import chat_batch_file

WINDOW = (1400, 1000)
WAIT_SECONDS = 15


def start_browser(binary: str, driver: str) -> Any:
    """Headless Chromium with its console log kept (read with `get_log("browser")`)."""
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={WINDOW[0]},{WINDOW[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


class DashboardPage:
    def __init__(self, driver: Any, emulator: ThreadedEmulator, shots: Path) -> None:
        self.driver = driver
        self.emulator = emulator
        self.shots = shots
        self.client = OpenAI(base_url=emulator.base_url, api_key="sk-dashboard", max_retries=0)

    # -- the emulator, as a client and an admin would use it ---------------------------------------------

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.emulator.url + "/_emulator" + path, data=data, method=method)
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())

    def create_batches(self, count: int, lines: int = 3, prefix: str = "req") -> list[str]:
        """Upload one input file of chat lines and create `count` batches from it over the API."""
        upload = self.client.files.create(
            file=("input.jsonl", io.BytesIO(chat_batch_file(lines, prefix))), purpose="batch"
        )
        return [
            self.client.batches.create(
                input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
            ).id
            for _ in range(count)
        ]

    # -- the page ------------------------------------------------------------------------------------------

    def open(self, query: str = "") -> None:
        self.driver.get(self.emulator.url + "/_emulator/ui" + query)
        self.wait(lambda: self.driver.execute_script("return document.body.dataset.version || null"))
        self.driver.execute_script("window.noReloadMarker = 'still here';")

    def not_reloaded(self) -> bool:
        return bool(self.driver.execute_script("return window.noReloadMarker === 'still here'"))

    def wait(self, condition: Callable[[], Any], seconds: float = WAIT_SECONDS) -> Any:
        """Wait until `condition()` is truthy; the page re-renders as it polls, so an element that went stale
        meanwhile only means: look again."""
        waiting = WebDriverWait(self.driver, seconds, ignored_exceptions=(StaleElementReferenceException,))
        return waiting.until(lambda _driver: condition())

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def button(self, label: str) -> WebElement:
        """The visible button whose text is exactly `label`."""
        return self.driver.find_element(By.XPATH, f"//button[normalize-space()='{label}']")

    def click(self, label: str) -> None:
        self.button(label).click()

    def select(self, css: str, value: str) -> None:
        Select(self.find(css)).select_by_value(value)

    def type_into(self, css: str, text: str) -> None:
        field = self.find(css)
        field.clear()
        field.send_keys(text)

    def text(self, css: str) -> str:
        return str(self.find(css).text)

    def texts(self, css: str) -> list[str]:
        """The text of every element `css` matches, read in one go."""
        script = "return [...document.querySelectorAll(arguments[0])].map((node) => node.textContent)"
        return list(self.driver.execute_script(script, css))

    def batch_statuses(self) -> dict[str, str]:
        """The table's rows: batch id -> the status its badge shows (read in one go, as the page shows it)."""
        return dict(
            self.driver.execute_script(
                "return Object.fromEntries([...document.querySelectorAll('#batches-table tbody tr')]"
                ".map((row) => [row.dataset.batchId, row.querySelector('.badge').textContent]))"
            )
        )

    def timeline_rows(self) -> dict[str, str]:
        """The timeline's rows: batch id -> status."""
        return dict(
            self.driver.execute_script(
                "return Object.fromEntries([...document.querySelectorAll('#timeline g.row')]"
                ".map((row) => [row.dataset.batchId, row.dataset.status]))"
            )
        )

    def timeline_attribute(self, name: str) -> float:
        return float(self.find("#timeline svg").get_attribute(name))

    def timings(self) -> dict[str, float]:
        return dict(self.driver.execute_script("return window.dashboard.timings"))

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        assert self.driver.save_screenshot(str(path))
        return path

    def console_errors(self, allowed: Callable[[str], bool] = lambda _message: False) -> list[str]:
        """The browser console's errors since the last call, except those `allowed` accepts."""
        entries = self.driver.get_log("browser")
        return [e["message"] for e in entries if e["level"] == "SEVERE" and not allowed(e["message"])]
