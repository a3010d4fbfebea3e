"""A real (scaled wall-time) clock drives batches by itself in the background, and the admin API can still
move its virtual time forward."""

from __future__ import annotations

import json
import threading
import time

import openai
import pytest

from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator
from tests.conftest import chat_batch_file
from tests.support import raw

POLL_INTERVAL = 0.01
POLL_LIMIT = 150  # 1.5 s of real time at most


@pytest.fixture
def real_server():
    servers = []

    def start(speed: float) -> tuple[ThreadedEmulator, openai.OpenAI]:
        server = ThreadedEmulator(EmulatorConfig(port=0, clock="real", speed=speed)).start()
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-real", max_retries=0)
        servers.append((server, client))
        return server, client

    yield start
    for server, client in servers:
        client.close()
        server.stop()


def _admin(server, method, path, body=None):
    payload = None if body is None else json.dumps(body).encode()
    response = raw.request(server.url, method, path, body=payload, headers={"Content-Type": "application/json"})
    assert response.status == 200, response.body
    return response.json()


def _stored_status(server: ThreadedEmulator, batch_id: str) -> str:
    """The status as stored, read on the server's loop without the catch-up that API reads do."""
    return server.call(lambda: server.backend.store.get("batches", batch_id)["status"])


def test_batch_completes_in_the_background_at_speed_1000(real_server):
    server, client = real_server(1000)
    file = client.files.create(file=("in.jsonl", chat_batch_file(10)), purpose="batch")
    started = time.monotonic()
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    assert batch.status == "validating"
    pause = threading.Event()
    for _ in range(POLL_LIMIT):
        if _stored_status(server, batch.id) == "completed":
            break
        pause.wait(POLL_INTERVAL)
    elapsed = time.monotonic() - started
    assert _stored_status(server, batch.id) == "completed"
    assert elapsed < 0.5, f"took {elapsed:.3f} s of real time"
    done = client.batches.retrieve(batch.id)
    # virtual timings: 2 s validating, 10 lines at 100/s, 1 s finalizing (whole seconds on the wire)
    assert done.in_progress_at - done.created_at in (2, 3)
    assert 3 <= done.completed_at - done.created_at <= 5
    assert done.request_counts.completed == 10
    assert len(client.files.content(done.output_file_id).content.splitlines()) == 10


def test_clock_reports_real_mode_and_moves_by_itself(real_server):
    server, _ = real_server(1000)
    first = _admin(server, "GET", "/_emulator/clock")
    assert (first["mode"], first["speed"]) == ("real", 1000)
    pause = threading.Event()
    pause.wait(0.02)
    second = _admin(server, "GET", "/_emulator/clock")
    assert second["now"] - first["now"] >= 20  # 20 ms of wall time is 20 virtual seconds at speed 1000


def test_advance_in_real_mode_moves_virtual_time_and_runs_due_work(real_server):
    server, client = real_server(1)
    file = client.files.create(file=("in.jsonl", chat_batch_file(10)), purpose="batch")
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    before = _admin(server, "GET", "/_emulator/clock")["now"]
    moved = _admin(server, "POST", "/_emulator/clock/advance", {"seconds": 3600})
    assert moved["mode"] == "real"
    assert 3600 <= moved["now"] - before < 3600 + 1.0
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed"
    assert done.created_at <= before < done.in_progress_at
    after = _admin(server, "GET", "/_emulator/clock")["now"]
    assert moved["now"] <= after < moved["now"] + 1.0


def test_set_in_real_mode_cannot_go_backwards(real_server):
    server, _ = real_server(1)
    now = _admin(server, "GET", "/_emulator/clock")["now"]
    response = raw.request(
        server.url, "POST", "/_emulator/clock/set", body=f'{{"now": {now - 60}}}'.encode(), headers={}
    )
    assert response.status == 400
    assert _admin(server, "GET", "/_emulator/clock")["now"] >= now
