"""The dashboard stays responsive with 1,000 batches and a full 10,000-entry journal: lists are paged, and the
time the page takes to fetch and draw is measured in the browser (`window.dashboard.timings`), printed and
kept as JSON next to the screenshots."""

from __future__ import annotations

import io
import json
from typing import Any

from emulator.backend import Backend
from emulator.engine.journal import MAX_ENTRIES
from tests.browser.page import DashboardPage
from tests.conftest import chat_batch_file

BATCHES = 1_000
# generous bounds for a shared 2-core machine; the numbers measured are reported, not these
MAX_RENDER_MS = 500
MAX_REFRESH_MS = 3_000


def _fill(dashboard: DashboardPage) -> None:
    """1,000 batches created by the service (as POST /v1/batches does) and a journal filled to its limit."""
    upload = dashboard.client.files.create(file=("input.jsonl", io.BytesIO(chat_batch_file(2))), purpose="batch")

    def fill(backend: Backend) -> None:
        for _ in range(BATCHES):
            backend.batches.create(input_file_id=upload.id, endpoint="/v1/chat/completions", owner=None)
        ids = [record["id"] for record in backend.batches.table.values()]
        for index in range(MAX_ENTRIES):
            backend.journal.add(
                {
                    "method": "GET",
                    "path": f"/v1/batches/{ids[index % BATCHES]}",
                    "query": {},
                    "time": backend.clock.now(),
                    "headers": {"user-agent": "OpenAI/Python"},
                    "status": 404 if index % 97 == 0 else 200,
                    "rule": None,
                    "request_id": f"req_{index:032x}",
                }
            )

    backend = dashboard.emulator.backend
    dashboard.emulator.call(lambda: fill(backend))


def _refresh_timings(dashboard: DashboardPage, act: Any) -> dict[str, float]:
    """Do `act`, wait for the page's next refresh, and return that refresh's timings."""
    before = dashboard.driver.execute_script("return window.dashboard.refreshes")
    act()
    dashboard.wait(lambda: dashboard.driver.execute_script("return window.dashboard.refreshes") > before)
    return dashboard.timings()


def test_a_thousand_batches_and_a_full_journal_stay_responsive(dashboard: DashboardPage):
    _fill(dashboard)
    measured: dict[str, dict[str, float]] = {}
    dashboard.open()
    measured["first load"] = dashboard.timings()
    assert dashboard.texts("#batch-pager .pager-text") == ["1–25 of 1000"]
    assert len(dashboard.timeline_rows()) == 25
    assert dashboard.text("#journal-count") == f"{MAX_ENTRIES} matching"
    dashboard.shot("scale-first-page")

    next_page = '#batch-pager [aria-label="Next page"]'
    measured["next batch page"] = _refresh_timings(dashboard, lambda: dashboard.find(next_page).click())
    dashboard.wait(lambda: dashboard.texts("#batch-pager .pager-text") == ["26–50 of 1000"])
    measured["journal filter"] = _refresh_timings(
        dashboard, lambda: dashboard.type_into("#journal-filter [name=status]", "404")
    )
    dashboard.wait(lambda: dashboard.text("#journal-count") == "104 matching")
    dashboard.click("Run until idle")  # the server runs 2,000 lines of 1,000 batches before it answers
    dashboard.wait(lambda: dashboard.text("#status-chips") == "1000 completed", seconds=120)
    measured["status filter, all completed"] = _refresh_timings(
        dashboard, lambda: dashboard.select("#batch-status", "completed")
    )
    dashboard.wait(lambda: len(dashboard.find_all("#timeline .end-mark[data-status=completed]")) == 25)
    dashboard.shot("scale-completed")

    (dashboard.shots / "timings.json").write_text(json.dumps(measured, indent=2))
    print("\ndashboard timings (ms):", json.dumps(measured, indent=2))
    for step, timings in measured.items():
        for panel in ("timeline", "batches", "journal"):
            assert timings[panel] < MAX_RENDER_MS, (step, panel, timings)
        assert timings["refresh"] < MAX_REFRESH_MS, (step, timings)
