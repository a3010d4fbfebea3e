"""The handle answers the same whether it reaches the server in-process (the default) or over HTTP (a server
given by URL): same results, same errors."""

from __future__ import annotations

import io

import pytest

from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator
from emulator.testing.handle import AdminError, EmulatorConnection, EmulatorHandle, InProcessConnection

LINE = (
    b'{"custom_id": "row-1", "method": "POST", "url": "/v1/chat/completions", '
    b'"body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}}\n'
)


@pytest.fixture(scope="module")
def server():
    with ThreadedEmulator(EmulatorConfig(port=0, clock="manual")) as running:
        yield running


def _session(handle: EmulatorHandle) -> dict:
    """A scripted run that touches every handle operation; returns what it observed."""
    handle.start()
    seen: dict = {"start": handle.clock()}
    client = handle.openai(max_retries=0)
    file = client.files.create(file=("in.jsonl", io.BytesIO(LINE)), purpose="batch")
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    seen["advance"] = handle.advance(seconds=1)
    seen["validating"] = handle.batch(batch.id)
    seen["idle"] = handle.run_until_idle()
    seen["done"] = handle.batch(batch.id)
    seen["file"] = handle.file(file.id)
    seen["set"] = handle.set_time("2026-01-02T00:00:00Z")
    seen["scenario"] = handle.use_scenario({"name": "slow", "timing": {"validating": 60}})
    seen["named"] = handle.use_scenario("flaky_server")
    seen["journal"] = [(e["method"], e["path"], e["status"], e["time"], e["rule"]) for e in handle.requests]
    handle.clear_requests()
    seen["cleared"] = len(handle.requests)
    seen["errors"] = handle.handler_errors()
    for name, call in {
        "negative": lambda: handle.advance(-1),
        "backwards": lambda: handle.set_time(0),
        "unknown_scenario": lambda: handle.use_scenario("nope"),
        "unknown_batch": lambda: handle.batch("batch_nope"),
        "unknown_file": lambda: handle.file("file-nope"),
        "bad_clock": lambda: handle.reset(clock="fast"),
        "bad_start": lambda: handle.reset(start_time="soon"),
    }.items():
        with pytest.raises(AdminError) as info:
            call()
        seen[name] = info.value.status
    handle.close()
    return seen


def test_in_process_and_http_connections_agree(server):
    local = _session(EmulatorHandle(InProcessConnection(server)))
    remote = _session(EmulatorHandle(EmulatorConnection(server.base_url)))
    assert local == remote
    assert local["done"]["status"] == "completed"
    assert (local["negative"], local["unknown_batch"], local["unknown_scenario"]) == (400, 404, 400)
    assert local["bad_start"] == 400 and local["bad_clock"] == 400


def test_a_connection_accepts_the_root_or_the_v1_url(server):
    assert EmulatorConnection(server.base_url).url == server.url
    assert EmulatorConnection(server.url + "/").url == server.url
