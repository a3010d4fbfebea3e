"""--data-dir: batches survive a SIGKILL. After a restart the clock resumes where it stood, finished batches and
their files are intact, and an in-progress batch carries on to the same files an uninterrupted run gives."""

from __future__ import annotations

import json
import urllib.request

import openai
import pytest

from emulator.config import EmulatorConfig
from emulator.engine.clock import parse_time
from emulator.server import ThreadedEmulator
from tests.conftest import chat_batch_file, parse_jsonl
from tests.support.serve_process import DEFAULT_START, kill_hard, start_serving, stop

START = DEFAULT_START
T0 = parse_time(START)
CHAT = "/v1/chat/completions"


def _admin(url, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url + path, data=data, method="GET" if body is None else "POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _client(base_url):
    return openai.OpenAI(base_url=base_url, api_key="sk-restart", max_retries=0, _strict_response_validation=True)


class _Remote:
    """A subprocess server, driven through its admin API."""

    def __init__(self, url):
        self.url = url
        self.client = _client(url + "/v1")

    def advance(self, seconds):
        _admin(self.url, "/_emulator/clock/advance", {"seconds": seconds})

    def run_until_idle(self):
        _admin(self.url, "/_emulator/clock/run-until-idle", {})

    def now(self):
        return _admin(self.url, "/_emulator/clock")["now"]


class _Local:
    """An in-memory server in this process with the same start time and seed, never interrupted."""

    def __init__(self, server):
        self.server = server
        self.client = _client(server.base_url)

    def advance(self, seconds):
        self.server.call(lambda: self.server.backend.advance(seconds))

    def run_until_idle(self):
        self.server.call(self.server.backend.run_until_idle)


def _first_phase(emulator):
    """Create four batches and leave one completed, one in progress at 200 of 500 lines, one validating and one
    cancelling after 200 lines."""
    client = emulator.client
    small = client.files.create(file=("small.jsonl", chat_batch_file(5, prefix="small")), purpose="batch")
    large = client.files.create(file=("large.jsonl", chat_batch_file(500, prefix="large")), purpose="batch")
    done = client.batches.create(input_file_id=small.id, endpoint=CHAT, completion_window="24h")
    running = client.batches.create(input_file_id=large.id, endpoint=CHAT, completion_window="24h")
    cancelled = client.batches.create(input_file_id=large.id, endpoint=CHAT, completion_window="24h")
    emulator.advance(2)
    emulator.advance(2)
    waiting = client.batches.create(input_file_id=small.id, endpoint=CHAT, completion_window="24h")
    client.batches.cancel(cancelled.id)
    return done.id, running.id, waiting.id, cancelled.id


def _results(client, batch_id):
    batch = client.batches.retrieve(batch_id)
    output = client.files.content(batch.output_file_id).content if batch.output_file_id else b""
    return batch, output


@pytest.fixture
def uninterrupted():
    """Result files of the same three batches on a server that never stops."""
    config = EmulatorConfig(port=0, clock="manual", start_time=T0, seed=0)
    with ThreadedEmulator(config) as server:
        local = _Local(server)
        ids = _first_phase(local)
        local.run_until_idle()
        yield {batch_id: _results(local.client, batch_id) for batch_id in ids}
        local.client.close()


def test_batches_carry_on_after_sigkill(tmp_path, uninterrupted):
    data_dir = tmp_path / "data"
    process, url = start_serving(data_dir)
    try:
        remote = _Remote(url)
        ids = _first_phase(remote)
        done_id, running_id, waiting_id, cancelled_id = ids
        client = remote.client
        before = {batch_id: client.batches.retrieve(batch_id) for batch_id in ids}
        assert [b.status for b in before.values()] == ["completed", "in_progress", "validating", "cancelling"]
        assert before[running_id].request_counts.model_dump() == {"total": 500, "completed": 200, "failed": 0}
        assert before[cancelled_id].request_counts.model_dump() == {"total": 500, "completed": 200, "failed": 0}
        done_output = client.files.content(before[done_id].output_file_id).content
        done_file = client.files.retrieve(before[done_id].output_file_id)
        clock_before = remote.now()
        assert clock_before == T0 + 4
    finally:
        kill_hard(process)
    # a kill between appending result lines and saving the batch leaves a torn tail in the work file
    work_file = data_dir / "work" / f"{running_id}.out"
    assert work_file.stat().st_size > 0
    with open(work_file, "ab") as handle:
        handle.write(b'{"id":"batch_req_torn","custom_id":"large-2')

    process, url = start_serving(data_dir)
    try:
        remote = _Remote(url)
        client = remote.client
        assert remote.now() == clock_before
        assert _admin(url, "/_emulator/clock")["mode"] == "manual"
        after = {batch_id: client.batches.retrieve(batch_id) for batch_id in before}
        assert after == before
        assert client.files.retrieve(before[done_id].output_file_id) == done_file
        assert client.files.content(before[done_id].output_file_id).content == done_output

        remote.advance(1)
        running = client.batches.retrieve(running_id)
        assert running.status == "in_progress"
        assert running.request_counts.completed == 300
        assert client.batches.retrieve(waiting_id).status == "validating"
        assert client.batches.retrieve(cancelled_id).status == "cancelling"

        remote.run_until_idle()
        for batch_id in before:
            batch, output = _results(client, batch_id)
            reference, reference_output = uninterrupted[batch_id]
            assert batch == reference
            assert output == reference_output
        finished, output = _results(client, running_id)
        assert finished.request_counts.model_dump() == {"total": 500, "completed": 500, "failed": 0}
        assert [line["custom_id"] for line in parse_jsonl(output)] == [f"large-{i}" for i in range(500)]
        assert finished.error_file_id is None
        stopped, partial = _results(client, cancelled_id)
        assert stopped.status == "cancelled"
        assert [line["custom_id"] for line in parse_jsonl(partial)] == [f"large-{i}" for i in range(200)]
        assert len(client.batches.list().data) == 4
        small = client.batches.retrieve(done_id).input_file_id
        fresh = client.batches.create(input_file_id=small, endpoint=CHAT, completion_window="24h")
        assert fresh.id not in before
        assert fresh.created_at == int(remote.now())
    finally:
        assert stop(process) == 0
