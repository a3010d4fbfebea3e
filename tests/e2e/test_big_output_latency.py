"""While worker processes answer a batch whose output is big (embeddings of many dimensions, tens of megabytes),
other clients are still answered quickly: a health check sent again and again for the whole of run-until-idle
never waits long, and the finished batch holds every answer. A real server process on loopback with two
worker processes; the polling client sends its next request as soon as one is answered (nothing sleeps)."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import jsonl
from tests.support.serve_process import start_serving, stop

LINES = 600
DIMENSIONS = 16_384  # about 340 KB of output per line, about 210 MB in all
# Far above what the server takes between two turns of its event loop (milliseconds), far below what writing
# or flushing a whole big result at once held it for (seconds at full size), so a loaded machine passes.
LONGEST_WAIT = 0.4
MODEL = "text-embedding-3-small"


def _request(url: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer sk-test", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.loads(response.read())


def _upload(url: str, data: bytes) -> str:
    boundary = "----big-output-batch"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="in.jsonl"\r\n'
            "Content-Type: application/jsonl\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url + "/v1/files",
        data=body,
        headers={"Authorization": "Bearer sk-test", "Content-Type": f"multipart/form-data; boundary={boundary}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        file_id: str = json.loads(response.read())["id"]
    return file_id


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    process, url = start_serving(
        tmp_path / "data",
        "2026-03-01T00:00:00Z",
        "--batch-workers",
        "2",
        "--worker-min-lines",
        "50",
        "--embedding-dimensions",
        f"{MODEL}={DIMENSIONS}",
    )
    try:
        yield url
    finally:
        stop(process)


def _embeddings_input() -> bytes:
    lines = [
        {
            "custom_id": f"passage-{i}",
            "method": "POST",
            "url": "/v1/embeddings",
            "body": {"model": MODEL, "input": f"passage {i} on tides"},
        }
        for i in range(LINES)
    ]
    return jsonl(lines)


def test_health_is_answered_quickly_while_workers_write_a_big_output(server: str, tmp_path: Path) -> None:
    file_id = _upload(server, _embeddings_input())
    batch = _request(
        server + "/v1/batches", {"input_file_id": file_id, "endpoint": "/v1/embeddings", "completion_window": "24h"}
    )
    waits: list[float] = []
    finished = threading.Event()

    def run() -> None:
        try:
            _request(server + "/_emulator/clock/run-until-idle", {})
        finally:
            finished.set()

    runner = threading.Thread(target=run)
    runner.start()
    while not finished.is_set():
        began = time.perf_counter()
        assert _request(server + "/_emulator/health")["status"] == "ok"
        waits.append(time.perf_counter() - began)
    runner.join()
    done = _request(server + f"/v1/batches/{batch['id']}")
    assert done["status"] == "completed", done
    assert done["request_counts"] == {"total": LINES, "completed": LINES, "failed": 0}
    output = _request(server + f"/v1/files/{done['output_file_id']}")
    assert output["bytes"] > LINES * DIMENSIONS * 10  # every answer holds its thousands of floats
    assert len(waits) >= 5, waits  # the run lasted long enough to be watched
    assert max(waits) < LONGEST_WAIT, sorted(waits)[-5:]
    if os.environ.get("BIG_OUTPUT_REPORT"):
        print(f"{len(waits)} checks, longest {max(waits) * 1000:.0f} ms, output {output['bytes'] / 1e6:.0f} MB")
