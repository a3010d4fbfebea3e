"""The admin API: health, clock (read, advance, set, run-until-idle), reset and the request journal."""

from __future__ import annotations

import openai
import pytest

from emulator import __version__
from emulator.testing.handle import AdminError

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z, the plugin's default start


def test_health(batch_emulator):
    remote = batch_emulator._remote
    assert remote.admin("GET", "/health") == {"status": "ok", "version": __version__}


def test_clock_reads_advances_and_sets(batch_emulator):
    clock = batch_emulator.clock()
    assert clock == {"now": START, "iso": "2026-01-01T00:00:00Z", "mode": "manual", "speed": 0.0}
    advanced = batch_emulator.advance(90, minutes=1)
    assert advanced["now"] == START + 150
    assert advanced["transitions"] == 0
    assert batch_emulator.set_time("2026-01-02T00:00:00Z")["now"] == START + 86400
    assert batch_emulator.set_time(START + 86401)["iso"] == "2026-01-02T00:00:01Z"


def test_clock_cannot_move_backwards(batch_emulator):
    batch_emulator.advance(10)
    with pytest.raises(AdminError) as info:
        batch_emulator.set_time(START)
    assert info.value.status == 400
    with pytest.raises(AdminError):
        batch_emulator.advance(-1)
    assert batch_emulator.now() == START + 10


def test_reset_wipes_state_and_restores_the_clock(batch_emulator):
    client = batch_emulator.openai()
    client.files.create(file=("a.jsonl", b"{}\n"), purpose="batch")
    batch_emulator.advance(hours=5)
    batch_emulator.reset()
    assert client.files.list().data == []
    assert batch_emulator.now() == START
    assert len(batch_emulator.requests) == 1  # only the list call above after the reset


def test_reset_can_change_seed_and_start_time(batch_emulator):
    client = batch_emulator.openai()
    first = client.files.create(file=("a.jsonl", b"{}\n"), purpose="batch").id
    batch_emulator.reset()
    assert client.files.create(file=("a.jsonl", b"{}\n"), purpose="batch").id == first
    batch_emulator.reset(seed=99, start_time="2030-05-05T00:00:00Z")
    other = client.files.create(file=("a.jsonl", b"{}\n"), purpose="batch")
    assert other.id != first
    assert batch_emulator.clock()["iso"] == "2030-05-05T00:00:00Z"


def test_journal_records_requests_and_can_be_cleared(batch_emulator):
    client = batch_emulator.openai()
    client.files.list(limit=3)
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve("file-missing")
    log = batch_emulator.requests
    assert log.calls() == ["GET /v1/files", "GET /v1/files/file-missing"]
    assert log[0]["query"] == {"limit": "3"}
    assert [e["status"] for e in log] == [200, 404]
    assert log[0]["headers"]["user-agent"].startswith("OpenAI/Python")
    log.assert_called("GET", "/v1/files/*", times=1)
    batch_emulator.clear_requests()
    assert len(batch_emulator.requests) == 0


def test_run_until_idle_with_nothing_active_returns_at_once(batch_emulator):
    result = batch_emulator.run_until_idle()
    assert result["now"] == START
    assert result["transitions"] == 0


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/clock/advance", {"seconds": 1e308}, "seconds"),
        ("/clock/advance", {"days": 10**9}, "seconds"),
        ("/clock/set", {"now": 1e20}, "now"),
        ("/clock/set", {"now": -5}, "now"),
        ("/clock/set", {"now": "10000-01-01T00:00:00Z"}, "now"),
        ("/reset", {"start_time": 1e19}, "start_time"),
    ],
)
def test_times_outside_the_representable_range_are_a_400_and_nothing_moves(batch_emulator, path, body, param):
    before = batch_emulator.clock()["now"]
    with pytest.raises(AdminError) as info:
        batch_emulator._remote.admin("POST", path, body)
    assert info.value.status == 400
    assert info.value.body["error"]["param"] == param
    assert batch_emulator.clock()["now"] == before
    client = batch_emulator.openai()
    assert client.files.list().data == []  # still serving


def test_the_handle_refuses_an_out_of_range_advance(batch_emulator):
    with pytest.raises(AdminError):
        batch_emulator.advance(days=10**9)
    assert batch_emulator.clock()["iso"].startswith("2026-")


@pytest.mark.parametrize(
    ("method", "path", "body", "key"),
    [
        ("PUT", "/_emulator/webhooks", {"url": "http://127.0.0.1:9/hook"}, "url"),
        ("POST", "/_emulator/clock/advance", {"second": 5}, "second"),
        ("POST", "/_emulator/clock/set", {"now": 1_767_225_700, "mode": "real"}, "mode"),
        ("POST", "/_emulator/clock/run-until-idle", {"max_second": 5}, "max_second"),
        ("POST", "/_emulator/reset", {"seeds": 3}, "seeds"),
    ],
)
def test_an_admin_body_with_an_unknown_key_is_a_400_naming_the_key_and_changes_nothing(
    batch_emulator, method, path, body, key
):
    import json
    import urllib.error
    import urllib.request

    before = (batch_emulator.clock(), batch_emulator._remote.admin("GET", "/webhooks")["endpoints"])
    request = urllib.request.Request(batch_emulator.url + path, data=json.dumps(body).encode(), method=method)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert info.value.code == 400
    error = json.loads(info.value.read())["error"]
    assert (error["param"], error["code"]) == (key, "unknown_parameter")
    assert f"Unrecognized request argument supplied: {key}" in error["message"]
    assert (batch_emulator.clock(), batch_emulator._remote.admin("GET", "/webhooks")["endpoints"]) == before
