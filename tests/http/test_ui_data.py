"""What the dashboard reads, over HTTP on the real server: the page itself (self-contained, nothing fetched
from elsewhere), the summary's version, pages of batches with their timelines, a batch's details, files,
the filtered journal, rules fired and admin downloads."""

from __future__ import annotations

import io
import re
import urllib.error
import urllib.request
from pathlib import Path

import openai
import pytest

from emulator.testing.connection import AdminError
from tests.conftest import chat_batch_file, chat_line, jsonl

START = 1_767_225_600.0


def ui(emulator, path: str):
    return emulator._remote.admin("GET", "/ui" + path)


def create_batches(client, count: int, lines: int = 3) -> list[str]:
    upload = client.files.create(file=("input.jsonl", io.BytesIO(chat_batch_file(lines))), purpose="batch")
    return [
        client.batches.create(input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h").id
        for _ in range(count)
    ]


def test_the_page_is_one_self_contained_document(batch_emulator):
    with urllib.request.urlopen(batch_emulator.url + "/_emulator/ui") as response:
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        html = response.read().decode()
    assert '<button type="button" id="run-until-idle" class="primary">Run until idle</button>' in html
    assert html.count("<script>") == 1 and '<script>\n"use strict";' in html
    ui_folder = Path(__file__).resolve().parents[2] / "emulator" / "http" / "ui"
    for asset in [*sorted(ui_folder.glob("*.js")), ui_folder / "dashboard.css"]:
        assert asset.read_text().strip() in html, f"{asset.name} is not inlined"
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html)
    assert references == ["data:,"]  # the empty favicon: no request for one
    assert not re.search(r"@import|url\(|https?://(?!www\.w3\.org/2000/svg)", html)


def test_batches_page_newest_first_with_phases_progress_and_deadline(batch_emulator):
    client = batch_emulator.openai()
    first, second = create_batches(client, 2, lines=500)
    batch_emulator.advance(4)  # validated at +2 s, 200 of 500 lines by +4 s
    client.batches.cancel(second)
    page = ui(batch_emulator, "/batches")
    assert [row["id"] for row in page["data"]] == [second, first]
    assert page["total"] == 2 and page["now"] == START + 4
    row = page["data"][1]
    assert row["dialect"] == "openai" and row["own_id"] == first
    assert row["segments"] == [
        {"phase": "validating", "start": START, "end": START + 2},
        {"phase": "in_progress", "start": START + 2, "end": START + 4},
    ]
    assert row["request_counts"] == {"total": 500, "completed": 200, "failed": 0}
    assert row["expires_at"] == START + 86400 and row["ended"] is None
    batch_emulator.run_until_idle()
    cancelled = ui(batch_emulator, "/batches?status=cancelled")["data"]
    assert [r["id"] for r in cancelled] == [second]
    assert [s["phase"] for s in cancelled[0]["segments"]] == ["validating", "in_progress", "cancelling"]
    assert cancelled[0]["ended"]["status"] == "cancelled"
    assert ui(batch_emulator, "/batches?offset=1&limit=1")["data"][0]["id"] == first


def test_bad_paging_values_are_a_400(batch_emulator):
    for query in ("offset=-1", "limit=ten"):
        with pytest.raises(AdminError) as info:
            ui(batch_emulator, "/journal?" + query)
        assert info.value.status == 400
    assert ui(batch_emulator, "/journal?limit=100000")["limit"] == 200


def test_batch_details_have_files_rules_and_journal(batch_emulator):
    batch_emulator.use_scenario("partial_line_failures")
    client = batch_emulator.openai()
    upload = client.files.create(file=("in.jsonl", jsonl([chat_line("ok-1"), chat_line("fail-2")])), purpose="batch")
    batch = client.batches.create(input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h")
    batch_emulator.run_until_idle()
    client.batches.retrieve(batch.id)
    details = ui(batch_emulator, f"/batches/{batch.id}")
    assert details["record"]["status"] == "completed"
    assert [line.count('"custom_id":"ok-1"') for line in details["files"]["output_file_id"]["head"]] == [1]
    assert '"custom_id":"fail-2"' in details["files"]["error_file_id"]["head"][0]
    assert details["files"]["input_file_id"]["filename"] == "in.jsonl"
    assert details["rules"] == [{"rule": "lines[0]", "count": 1}]
    newest = details["journal"][0]
    assert (newest["method"], newest["path"]) == ("GET", f"/v1/batches/{batch.id}")
    with pytest.raises(AdminError) as info:
        ui(batch_emulator, "/batches/batch_missing")
    assert info.value.status == 404


def test_an_anthropic_batch_shows_its_own_id(batch_emulator):
    import anthropic

    claude = anthropic.Anthropic(api_key=batch_emulator.api_key, base_url=batch_emulator.url + "/anthropic")
    params = {"model": "claude-sonnet-4-5", "max_tokens": 32, "messages": [{"role": "user", "content": "Hi"}]}
    created = claude.messages.batches.create(requests=[{"custom_id": "a", "params": params}])
    claude.messages.batches.retrieve(created.id)
    (row,) = ui(batch_emulator, "/batches")["data"]
    assert (row["dialect"], row["own_id"]) == ("anthropic", created.id)
    details = ui(batch_emulator, "/batches/" + row["id"])
    assert [e["path"] for e in details["journal"]] == [f"/anthropic/v1/messages/batches/{created.id}"]


def test_journal_filters_and_pages_newest_first(batch_emulator):
    client = batch_emulator.openai()
    for _ in range(3):
        client.files.list()
    with pytest.raises(openai.NotFoundError):
        client.batches.retrieve("batch_missing")
    page = ui(batch_emulator, "/journal?limit=2")
    assert page["total"] == 4 and [e["seq"] for e in page["data"]] == [3, 2]
    assert page["data"][0]["path"] == "/v1/batches/batch_missing"
    assert [e["status"] for e in ui(batch_emulator, "/journal?status=4xx")["data"]] == [404]
    assert ui(batch_emulator, "/journal?method=get&path=/v1/files")["total"] == 3
    assert ui(batch_emulator, "/journal?rule=*")["total"] == 0


def test_files_and_uploads_are_listed_and_downloadable_without_counting_as_a_client_download(batch_emulator):
    client = batch_emulator.openai()
    (batch_id,) = create_batches(client, 1)
    client.uploads.create(bytes=10, filename="big.jsonl", mime_type="text/jsonl", purpose="batch")
    batch_emulator.run_until_idle()
    output_id = client.batches.retrieve(batch_id).output_file_id
    rows = ui(batch_emulator, "/files")["data"]
    kinds = [(r["kind"], r["purpose"]) for r in rows]
    assert kinds == [("file", "batch_output"), ("upload", "batch"), ("file", "batch")]
    with urllib.request.urlopen(f"{batch_emulator.url}/_emulator/ui/files/{output_id}/content") as response:
        assert response.headers["Content-Disposition"] == f'attachment; filename="{batch_id}_output.jsonl"'
        assert response.read() == client.files.content(output_id).content
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{batch_emulator.url}/_emulator/ui/files/file-missing/content")
    assert info.value.code == 404


def test_the_summary_version_changes_only_when_something_shown_changes(batch_emulator):
    first = ui(batch_emulator, "/summary")
    assert first["clock"]["now"] == START and first["batches"] == {} and first["scenario"] == "happy_path"
    assert ui(batch_emulator, "/summary")["version"] == first["version"]
    batch_emulator.advance(1)
    moved = ui(batch_emulator, "/summary")["version"]
    assert moved != first["version"]
    batch_emulator.use_scenario("flaky_server")
    switched = ui(batch_emulator, "/summary")
    assert switched["version"] != moved and switched["scenario"] == "flaky_server"
    create_batches(batch_emulator.openai(), 1)
    assert ui(batch_emulator, "/summary")["batches"] == {"validating": 1}


def test_every_file_of_the_page_ships_as_package_data():
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    http = root / "emulator" / "http"
    assets = [path.relative_to(http).as_posix() for path in (http / "ui").iterdir()]
    scripts = ["ui/api.js", "ui/batches.js", "ui/main.js", "ui/panels.js", "ui/timeline.js"]
    assert sorted(assets) == sorted(["ui/dashboard.css", "ui/index.html", *scripts])
    assert all(any(fnmatch.fnmatch(asset, glob) for glob in patterns["emulator.http"]) for asset in assets)
