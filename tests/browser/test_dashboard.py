"""The dashboard at /_emulator/ui in headless Chromium, used the way a person uses it: batches created over
HTTP appear without a reload, "Run until idle" completes them, the advance controls move the clock and the
timeline, the journal filters, the scenario switches, a batch's details open. Each state is saved as a
screenshot under the test's temporary directory, and the browser console stays free of errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import anthropic
import openai
import pytest

from emulator.config import EmulatorConfig
from emulator.engine.clock import parse_time
from emulator.server import ThreadedEmulator
from tests.browser.conftest import START
from tests.browser.page import DashboardPage
from tests.conftest import chat_line, jsonl


def test_batches_created_over_http_appear_and_run_until_idle_completes_them(dashboard: DashboardPage):
    assert dashboard.find("#batches-empty").is_displayed()
    dashboard.shot("empty")

    ids = dashboard.create_batches(3)
    claude = anthropic.Anthropic(api_key="sk-dashboard", base_url=dashboard.emulator.url + "/anthropic", max_retries=0)
    message = {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}
    message_batch = claude.messages.batches.create(requests=[{"custom_id": "a-1", "params": message}])
    engine_id = "batch_" + message_batch.id.removeprefix("msgbatch_")

    dashboard.wait(lambda: len(dashboard.batch_statuses()) == 4)
    assert dashboard.not_reloaded()
    statuses = dashboard.batch_statuses()
    assert set(statuses) == {*ids, engine_id}
    assert set(statuses.values()) == {"validating"}
    anthropic_row = dashboard.find(f'#batches-table tr[data-batch-id="{engine_id}"]')
    assert "anthropic" in anthropic_row.text
    assert anthropic_row.find_element("css selector", "td").get_attribute("title") == message_batch.id
    assert dashboard.timeline_rows() == dict.fromkeys(statuses, "validating")
    assert "anthropic" in dashboard.find(f'#timeline g.row[data-batch-id="{engine_id}"] .row-label').text
    dashboard.shot("created")

    dashboard.click("Run until idle")
    dashboard.wait(lambda: set(dashboard.batch_statuses().values()) == {"completed"})
    assert dashboard.not_reloaded()
    assert len(dashboard.find_all("#timeline .end-mark[data-status=completed]")) == 4
    assert "4 completed" in dashboard.text("#status-chips")
    assert "transitions ran" in dashboard.text("#notice")
    assert client_view(dashboard, ids[0]) == "completed"
    dashboard.shot("completed")


def client_view(dashboard: DashboardPage, batch_id: str) -> str:
    return str(dashboard.client.batches.retrieve(batch_id).status)


def test_advance_controls_move_the_clock_and_the_timeline(dashboard: DashboardPage):
    (batch_id,) = dashboard.create_batches(1, lines=1000)  # 2 s validating, then 10 s of lines at 100 per second
    dashboard.wait(lambda: dashboard.find_all("#timeline g.row"))
    start_now = dashboard.timeline_attribute("data-now")

    dashboard.click("+1 s")
    dashboard.wait(lambda: dashboard.text("#clock-iso") == "2026-01-01T00:00:01Z")
    dashboard.wait(lambda: dashboard.timeline_attribute("data-now") == start_now + 1)
    assert dashboard.find("#clock-meta, .clock-meta").text.startswith("epoch 1767225601")

    dashboard.type_into("#advance-amount", "6")
    dashboard.select("#advance-unit", "1")
    dashboard.click("Advance")
    dashboard.wait(lambda: dashboard.text("#clock-iso") == "2026-01-01T00:00:07Z")
    dashboard.wait(lambda: dashboard.timeline_rows() == {batch_id: "in_progress"})
    progress = dashboard.find("#timeline rect.progress")
    segment = dashboard.find('#timeline rect.segment[data-phase="in_progress"]')
    assert 0 < float(progress.get_attribute("width")) < float(segment.get_attribute("width"))
    assert "expires in 23 h 59 min" in dashboard.text("#timeline")
    dashboard.shot("in-progress")

    dashboard.click("+1 min")
    dashboard.wait(lambda: dashboard.timeline_rows() == {batch_id: "completed"})
    phases = [s.get_attribute("data-phase") for s in dashboard.find_all("#timeline rect.segment")]
    assert phases == ["validating", "in_progress", "finalizing"]
    dashboard.click("+1 h")
    dashboard.wait(lambda: dashboard.text("#clock-iso") == "2026-01-01T01:01:07Z")
    dashboard.click("+1 day")
    dashboard.wait(lambda: dashboard.text("#clock-iso") == "2026-01-02T01:01:07Z")

    dashboard.select("#timeline-zoom", "window")
    dashboard.wait(lambda: dashboard.find_all("#timeline line.deadline"))
    dashboard.shot("whole-window")

    dashboard.type_into("#set-time", "2026-01-03T00:00:00Z")
    dashboard.click("Set time")
    dashboard.wait(lambda: dashboard.text("#clock-iso") == "2026-01-03T00:00:00Z")
    assert dashboard.timeline_attribute("data-now") == start_now + 2 * 86400

    dashboard.type_into("#set-time", "2026-01-01T00:00:00Z")
    dashboard.click("Set time")
    dashboard.wait(lambda: "backwards" in dashboard.text("#notice"))
    assert "error" in dashboard.find("#notice").get_attribute("class")
    assert dashboard.text("#clock-iso") == "2026-01-03T00:00:00Z"
    # the refused request is the one error the console may show
    assert (
        dashboard.console_errors(allowed=lambda message: "/_emulator/clock/set" in message and "400" in message) == []
    )
    dashboard.shot("refused")


def test_journal_filters_by_method_path_status_and_rule(dashboard: DashboardPage):
    dashboard.admin("PUT", "/scenario", {"name": "flaky_server"})
    (batch_id,) = dashboard.create_batches(1)
    with pytest.raises(openai.InternalServerError):
        dashboard.client.batches.retrieve(batch_id)  # http[0].sequence[0]: a 500
    with pytest.raises(openai.NotFoundError):
        dashboard.client.files.retrieve("file-missing")
    dashboard.client.files.list()
    dashboard.wait(lambda: dashboard.text("#journal-count") == "5 matching")
    dashboard.shot("journal-all")

    dashboard.select("#journal-filter [name=method]", "POST")
    dashboard.wait(lambda: journal_paths(dashboard) == ["/v1/batches", "/v1/files"])
    dashboard.select("#journal-filter [name=method]", "")
    dashboard.type_into("#journal-filter [name=status]", "4xx")
    dashboard.wait(lambda: journal_paths(dashboard) == ["/v1/files/file-missing"])
    dashboard.type_into("#journal-filter [name=status]", "")
    dashboard.type_into("#journal-filter [name=rule]", "*")
    dashboard.wait(lambda: journal_paths(dashboard) == [f"/v1/batches/{batch_id}"])
    assert "http[0].sequence[0]" in dashboard.text("#journal-table tbody")
    dashboard.click("Clear")
    dashboard.type_into("#journal-filter [name=path]", "/v1/files")
    dashboard.wait(lambda: journal_paths(dashboard) == ["/v1/files", "/v1/files/file-missing", "/v1/files"])

    dashboard.find("#journal-table tr.journal-entry").click()
    (expanded,) = dashboard.wait(lambda: dashboard.texts("#journal-table tr.expanded-row pre"))
    assert '"method": "GET"' in expanded and '"request_id"' in expanded
    dashboard.shot("journal-filtered")
    # the injected 500 and 404 answered the SDK, not the page
    assert dashboard.console_errors() == []


def journal_paths(dashboard: DashboardPage) -> list[str]:
    return dashboard.texts("#journal-table tr.journal-entry td:nth-child(3)")


def test_switching_the_scenario_changes_what_batches_do(dashboard: DashboardPage):
    assert dashboard.text("#scenario-name") == "happy_path"
    dashboard.select("#scenario-select", "partial_line_failures")
    dashboard.click("Use scenario")
    dashboard.wait(lambda: dashboard.text("#scenario-badge") == "scenario: partial_line_failures")
    assert dashboard.admin("GET", "/scenario")["name"] == "partial_line_failures"
    assert "every 4th line" in dashboard.text("#scenario-description")

    dashboard.create_batches(1, lines=8)
    dashboard.click("Run until idle")
    dashboard.wait(lambda: dashboard.texts("#rules-table tbody td.mono") == ["lines[1]"])
    assert dashboard.text("#rules-table tbody td.num") == "2"
    dashboard.shot("scenario")


def test_batch_details_show_the_record_files_rules_and_journal(dashboard: DashboardPage):
    dashboard.admin("PUT", "/scenario", {"name": "partial_line_failures"})
    upload = dashboard.client.files.create(
        file=("input.jsonl", jsonl([chat_line("ok-1"), chat_line("fail-2"), chat_line("ok-3")])), purpose="batch"
    )
    batch = dashboard.client.batches.create(
        input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    dashboard.admin("POST", "/clock/run-until-idle", {})
    batch = dashboard.client.batches.retrieve(batch.id)
    dashboard.wait(lambda: dashboard.batch_statuses() == {batch.id: "completed"})

    dashboard.find(f'#batches-table tr[data-batch-id="{batch.id}"]').click()
    drawer = dashboard.wait(lambda: dashboard.find("#details").is_displayed() and dashboard.find("#details"))
    text = drawer.text
    assert batch.id in text and "2 completed, 1 failed of 3" in text
    output_head = dashboard.find('#details .file-box[data-field="output"] pre').text.splitlines()
    assert [line.split('"custom_id":"')[1].split('"')[0] for line in output_head] == ["ok-1", "ok-3"]
    assert '"fail-2"' in dashboard.find('#details .file-box[data-field="errors"] pre').text
    assert "lines[0] × 1" in text
    assert f"GET /v1/batches/{batch.id} → 200" in text
    dashboard.shot("details")

    dashboard.driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(dashboard.shots)}
    )
    dashboard.find('#details .file-box[data-field="output"] button').click()
    assert batch.output_file_id is not None
    saved = dashboard.shots / dashboard.client.files.retrieve(batch.output_file_id).filename
    dashboard.wait(lambda: saved.is_file() and saved.stat().st_size > 0)
    assert saved.read_bytes() == dashboard.client.files.content(batch.output_file_id).content

    dashboard.click("Close")
    dashboard.wait(lambda: not dashboard.find("#details").is_displayed())


def test_files_webhooks_and_findings_are_listed(dashboard: DashboardPage, receiver):
    dashboard.admin("PUT", "/webhooks", {"endpoints": [receiver.url]})
    (batch_id,) = dashboard.create_batches(1)
    dashboard.click("Run until idle")
    dashboard.wait(lambda: "output_file_not_downloaded" in dashboard.text("#findings"))
    dashboard.wait(lambda: "batch.completed" in dashboard.text("#webhooks-table"))
    dashboard.admin("POST", "/webhooks/flush", {})
    dashboard.wait(lambda: "delivered" in dashboard.text("#webhooks-table"))
    files = dashboard.text("#files-table")
    assert "input.jsonl" in files and "batch_output" in files
    assert batch_id[:20] in dashboard.text("#findings")
    dashboard.shot("files-webhooks-findings")


@dataclass
class ContractMonitor:
    """The part of contract mode's monitor the page reads (`enabled`, `violations`, `dropped`), standing in
    where this build has no contract mode."""

    enabled: bool = True
    violations: list[dict[str, Any]] = field(default_factory=list)
    dropped: int = 0


def test_contract_violations_show_only_while_contract_mode_is_on(dashboard: DashboardPage):
    assert not dashboard.find("#contract-card").is_displayed()
    backend = dashboard.emulator.backend
    real = getattr(backend, "contract", None)  # no API request is made while the stand-in is in place
    monitor = ContractMonitor()
    violation = {
        "direction": "response",
        "operation": "retrieveBatch",
        "method": "GET",
        "path": "/v1/batches/batch_1",
        "where": "$.request_counts.total",
        "message": "'total' is a required property",
        "journal_request_id": None,
    }
    dashboard.emulator.call(lambda: setattr(backend, "contract", monitor))
    try:
        dashboard.emulator.call(lambda: monitor.violations.append(violation))
        dashboard.wait(lambda: dashboard.find("#contract-card").is_displayed())
        assert dashboard.text("#contract-count") == "1 found"
        row = dashboard.text("#contract-table tbody")
        assert "GET /v1/batches/batch_1" in row and "'total' is a required property" in row
        dashboard.shot("contract")
        dashboard.emulator.call(lambda: setattr(monitor, "enabled", False))
        dashboard.wait(lambda: not dashboard.find("#contract-card").is_displayed())
    finally:
        if real is None:
            dashboard.emulator.call(lambda: delattr(backend, "contract"))
        else:
            dashboard.emulator.call(lambda: setattr(backend, "contract", real))


def test_a_token_given_in_the_address_is_kept_for_the_tab_and_sent_on_every_admin_call(dashboard: DashboardPage):
    dashboard.driver.get_log("performance")  # forget the requests made so far
    dashboard.open("?token=s3cret")
    assert dashboard.driver.current_url == dashboard.emulator.url + "/_emulator/ui"
    assert dashboard.driver.execute_script("return sessionStorage.getItem('batch-emulator-token')") == "s3cret"
    sent: dict[str, str | None] = {}
    for entry in dashboard.driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            request = message["params"]["request"]
            headers = {name.lower(): value for name, value in request["headers"].items()}
            sent[request["url"].split("?")[0]] = headers.get("authorization")
    admin_calls = {url: header for url, header in sent.items() if "/_emulator/" in url and not url.endswith("/ui")}
    assert len(admin_calls) >= 6  # summary, batches, files, journal, rules, scenario, webhooks, findings
    assert set(admin_calls.values()) == {"Bearer s3cret"}


def test_behind_an_admin_token_the_page_opens_with_the_token_in_its_address(browser, tmp_path):
    config = EmulatorConfig(port=0, clock="manual", start_time=parse_time(START), admin_token="s3cret-admin")
    with ThreadedEmulator(config) as emulator:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(emulator.url + "/_emulator/ui")
        assert refused.value.code == 401
        with pytest.raises(urllib.error.HTTPError) as wrong:
            urllib.request.urlopen(emulator.url + "/_emulator/ui?token=guess")
        assert wrong.value.code == 401
        with pytest.raises(urllib.error.HTTPError) as not_the_page:
            urllib.request.urlopen(emulator.url + "/_emulator/ui/summary?token=s3cret-admin")
        assert not_the_page.value.code == 401  # only the page itself takes the token from its address

        page = DashboardPage(browser, emulator, tmp_path)
        browser.get_log("browser")
        page.open("?token=s3cret-admin")
        assert browser.current_url == emulator.url + "/_emulator/ui"
        (batch_id,) = page.create_batches(1)
        page.wait(lambda: page.batch_statuses() == {batch_id: "validating"})
        page.click("Run until idle")
        page.wait(lambda: page.batch_statuses() == {batch_id: "completed"})
        page.shot("admin-token")
        assert page.console_errors() == []
        browser.execute_script("sessionStorage.clear()")
