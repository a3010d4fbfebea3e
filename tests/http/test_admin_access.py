"""The admin API behind a token, API keys never shown in full, a warning when the admin API is reachable
from other machines without a token, webhook endpoints limited to http(s) (issue 14, case 14)."""

from __future__ import annotations

import io
import os

import openai
import orjson
import pytest

from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator
from emulator.testing.connection import AdminError, EmulatorConnection
from emulator.testing.in_process import InProcessConnection
from tests.conftest import chat_batch_file
from tests.support import raw, serve_process

TOKEN = "admin-token-for-tests-0123456789"
TENANT_KEY = "sk-tenant-alpha-0123456789abcdef"
ADMIN_CALLS = [
    ("GET", "/_emulator/health"),
    ("GET", "/_emulator/requests"),
    ("GET", "/_emulator/webhooks"),
    ("POST", "/_emulator/reset"),
    ("PUT", "/_emulator/webhooks"),
    ("GET", "/_emulator/no-such-thing"),
]


@pytest.fixture(scope="module")
def guarded():
    config = EmulatorConfig(port=0, clock="manual", admin_token=TOKEN, api_keys=(TENANT_KEY,))
    with ThreadedEmulator(config) as emulator:
        yield emulator


@pytest.mark.parametrize(("method", "path"), ADMIN_CALLS)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", TOKEN, f"Bearer {TENANT_KEY}"])
def test_every_admin_request_needs_the_admin_token(guarded, method, path, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    answer = raw.request(guarded.url, method, path, b"{}", headers)
    assert answer.status == 401
    error = answer.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", "invalid_admin_token")
    assert answer.headers["www-authenticate"] == "Bearer"


def test_the_admin_token_opens_the_admin_api(guarded):
    answer = raw.request(guarded.url, "GET", "/_emulator/health", None, {"Authorization": f"Bearer {TOKEN}"})
    assert answer.status == 200 and answer.json()["status"] == "ok"


def test_the_test_handle_sends_the_admin_token(guarded):
    assert InProcessConnection(guarded).clock()["mode"] == "manual"
    assert EmulatorConnection(guarded.url, TOKEN).admin("GET", "/health")["status"] == "ok"
    with pytest.raises(AdminError) as refused:
        EmulatorConnection(guarded.url).admin("GET", "/health")
    assert refused.value.status == 401


def test_admin_records_and_the_journal_never_show_a_full_api_key(guarded):
    admin = EmulatorConnection(guarded.url, TOKEN)
    client = openai.OpenAI(base_url=guarded.base_url, api_key=TENANT_KEY, max_retries=0)
    upload = client.files.create(file=("in.jsonl", io.BytesIO(chat_batch_file(2))), purpose="batch")
    batch = client.batches.create(input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h")
    admin.admin("POST", "/clock/run-until-idle", {})
    shown = [admin.admin("GET", f"/files/{upload.id}"), admin.admin("GET", f"/batches/{batch.id}")]
    assert [record["owner"] for record in shown] == ["sk-...cdef", "sk-...cdef"]
    shown += [admin.admin("GET", "/requests"), admin.admin("GET", "/handler-errors"), admin.admin("GET", "/webhooks")]
    assert TENANT_KEY.encode() not in orjson.dumps(shown)
    assert InProcessConnection(guarded).file(upload.id)["owner"] == "sk-...cdef"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://example.com/", "javascript:alert(1)", "http://"])
def test_webhook_endpoints_set_over_the_admin_api_must_be_http(batch_emulator, url):
    answer = raw.request(batch_emulator.url, "PUT", "/_emulator/webhooks", orjson.dumps({"endpoints": [url]}))
    assert answer.status == 400
    assert answer.json()["error"]["param"] == "endpoints"
    assert raw.request(batch_emulator.url, "GET", "/_emulator/webhooks").json()["endpoints"] == []


def _startup_lines(process) -> list[bytes]:
    lines = []
    while True:
        line = process.stdout.readline()
        assert line, b"".join(lines)
        lines.append(line)
        if serve_process.READY.search(line):
            return lines


@pytest.mark.parametrize(
    ("args", "env", "warned"),
    [
        (["--host", "0.0.0.0"], {}, True),
        (["--host", "0.0.0.0", "--admin-token", TOKEN], {}, False),
        (["--host", "0.0.0.0"], {"BATCH_EMULATOR_ADMIN_TOKEN": TOKEN}, False),
        (["--host", "127.0.0.1"], {}, False),
    ],
)
def test_serve_warns_when_the_admin_api_is_open_beyond_this_machine(args, env, warned):
    process = serve_process.launch("--port", "0", *args, env={**os.environ, **env})
    try:
        startup = b"".join(_startup_lines(process))
    finally:
        serve_process.stop(process)
    assert (b"WARNING" in startup and b"--admin-token" in startup) is warned


@pytest.mark.parametrize("variable", ["BATCH_EMULATOR_ADMIN_TOKEN", "BATCH_EMULATOR_SERVE_ADMIN_TOKEN"])
def test_serve_takes_the_admin_token_from_the_environment(variable):
    process = serve_process.launch("--port", "0", env={**os.environ, variable: TOKEN})
    try:
        url = serve_process.wait_for_url(process)
        assert raw.request(url, "GET", "/_emulator/health").status == 401
        assert raw.request(url, "GET", "/_emulator/health", None, {"Authorization": f"Bearer {TOKEN}"}).status == 200
    finally:
        serve_process.stop(process)
