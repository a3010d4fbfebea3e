"""Memory the server keeps about past requests stays bounded: the handler error log keeps the last N, the
journal is capped by bytes as well as entries (long values truncated and marked) and is read in pages or as
a stream (issue 14, cases 12 and 13)."""

from __future__ import annotations

import pytest

from emulator.config import EmulatorConfig, RequestLimits
from emulator.server import ThreadedEmulator
from tests.support import raw


def _server(**limits: int) -> ThreadedEmulator:
    return ThreadedEmulator(EmulatorConfig(port=0, clock="manual", request_limits=RequestLimits(**limits)))


def test_handler_errors_keep_only_the_last_ones(monkeypatch):
    with _server(handler_errors_max=5) as emulator:
        calls = []

        def broken_page(*args, **kwargs):
            calls.append(1)
            raise RuntimeError(f"bug number {len(calls)}")

        monkeypatch.setattr(emulator.backend.files, "page", broken_page)
        for _ in range(20):
            assert raw.request(emulator.url, "GET", "/v1/files", None, raw.AUTH).status == 500
        errors = raw.request(emulator.url, "GET", "/_emulator/handler-errors").json()["data"]
        assert [error["error"] for error in errors] == [f"RuntimeError('bug number {n}')" for n in range(16, 21)]


def test_long_query_and_header_values_are_truncated_and_marked(batch_emulator):
    long_value = "q" * 6000
    headers = {**raw.AUTH, "User-Agent": "u" * 8000}
    assert raw.request(batch_emulator.url, "GET", f"/v1/files?purpose={long_value}", None, headers).status < 500
    (entry,) = batch_emulator.requests.matching("GET", "/v1/files")
    assert entry["truncated"] is True
    assert len(entry["query"]["purpose"]) < 1100 and entry["query"]["purpose"].endswith("[truncated]")
    assert len(entry["headers"]["user-agent"]) < 1100


def test_the_journal_is_bounded_by_bytes():
    with _server(journal_max_bytes=256 * 1024) as emulator:
        for number in range(400):
            raw.request(emulator.url, "GET", f"/v1/files?after=file-{number}&limit=" + "9" * 900, None, raw.AUTH)
        answer = raw.request(emulator.url, "GET", "/_emulator/requests")
        entries = answer.json()["data"]
        assert len(answer.body) < 300 * 1024
        assert 50 < len(entries) < 400
        assert entries[-1]["query"]["after"] == "file-399"


def test_the_journal_pages_with_limit_and_after(batch_emulator):
    for number in range(25):
        raw.request(batch_emulator.url, "GET", f"/v1/files?after=file-{number}", None, raw.AUTH)
    seen = []
    after = None
    while True:
        query = "?limit=10" + (f"&after={after}" if after is not None else "")
        page = raw.request(batch_emulator.url, "GET", "/_emulator/requests" + query).json()
        seen += [entry["query"]["after"] for entry in page["data"]]
        after = page["next_after"]
        if not page["has_more"]:
            break
    assert seen == [f"file-{number}" for number in range(25)]
    full = raw.request(batch_emulator.url, "GET", "/_emulator/requests").json()
    assert full["has_more"] is False and len(full["data"]) == 25
    assert raw.request(batch_emulator.url, "GET", "/_emulator/requests?after=24").json()["data"] == []


@pytest.mark.parametrize("query", ["limit=0", "limit=x", "after=soon"])
def test_bad_journal_paging_parameters_are_a_400(batch_emulator, query):
    answer = raw.request(batch_emulator.url, "GET", f"/_emulator/requests?{query}")
    assert answer.status == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"
