"""The scene of docs/dashboard.png: batches of several dialects and scenarios at different stages, made over
HTTP on a manual clock, then the real page in headless Chromium. `test_dashboard_screenshot` makes it on
every run; `python -m tests.browser.scene [PATH]` (from the repository root) writes docs/dashboard.png."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import anthropic
from openai import OpenAI

from emulator.config import EmulatorConfig
from emulator.engine.clock import parse_time
from emulator.server import ThreadedEmulator
from tests.browser.page import DashboardPage, start_browser
from tests.conftest import chat_batch_file, chat_line, jsonl

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "dashboard.png"
START = "2026-01-01T09:00:00Z"


def build_scene(page: DashboardPage) -> None:
    """Eight batches: completed, failed in validation, cancelled, with failed lines, in progress, a Groq and an
    Anthropic one; some polling, one download. The clock ends 41 s after the first batch."""
    client = page.client
    small = client.files.create(file=("questions.jsonl", io.BytesIO(chat_batch_file(3))), purpose="batch")
    large = client.files.create(file=("survey.jsonl", io.BytesIO(chat_batch_file(2500, "survey"))), purpose="batch")
    mixed = jsonl([chat_line(f"fail-{i}" if i % 3 == 0 else f"ok-{i}") for i in range(12)])
    flaky = client.files.create(file=("mixed.jsonl", io.BytesIO(mixed)), purpose="batch")

    def create(file_id: str, scenario: str | None = None, on: OpenAI = client) -> str:
        metadata = {"emulator_scenario": scenario} if scenario else None
        return on.batches.create(
            input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h", metadata=metadata
        ).id

    def advance(seconds: float) -> None:
        page.admin("POST", "/clock/advance", {"seconds": seconds})

    first = create(small.id)
    advance(2)
    create(large.id)
    advance(3)
    create(small.id, "validation_failure")
    advance(2)
    groq = OpenAI(base_url=page.emulator.url + "/groq/openai/v1", api_key="sk-dashboard", max_retries=0)
    groq_file = groq.files.create(file=("groq.jsonl", io.BytesIO(chat_batch_file(40))), purpose="batch")
    create(groq_file.id, on=groq)
    advance(2)
    claude = anthropic.Anthropic(api_key="sk-dashboard", base_url=page.emulator.url + "/anthropic", max_retries=0)
    message = {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "Hello"}]}
    claude.messages.batches.create(requests=[{"custom_id": f"m-{i}", "params": message} for i in range(60)])
    advance(3)
    doomed = create(large.id)
    advance(6)
    client.batches.cancel(doomed)
    advance(4)
    create(flaky.id, "partial_line_failures")
    advance(5)
    create(large.id)
    advance(14)
    for _ in range(3):
        client.batches.retrieve(first)
    output = client.batches.retrieve(first).output_file_id
    if output:
        client.files.content(output)


def take(page: DashboardPage, path: Path) -> Path:
    """Open the page on the scene and save what a browser window of the default size shows."""
    page.open()
    page.wait(lambda: len(page.timeline_rows()) == 8)
    shot = page.shot("dashboard")
    if shot != path:
        shutil.copyfile(shot, path)
    return path


def main(target: Path = DOCS_SCREENSHOT) -> None:
    config = EmulatorConfig(port=0, clock="manual", start_time=parse_time(START))
    driver = start_browser(shutil.which("chromium") or "chromium", shutil.which("chromedriver") or "chromedriver")
    try:
        with ThreadedEmulator(config) as emulator:
            page = DashboardPage(driver, emulator, target.parent)
            build_scene(page)
            take(page, target)
    finally:
        driver.quit()
    print(f"wrote {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS_SCREENSHOT)
