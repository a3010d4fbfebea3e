"""A big synchronous call (embeddings of hundreds of long vectors, moderations of thousands of texts) never holds
other clients: health checks sent while it is in flight are answered promptly, and the answer is the fake
model's, byte for byte. The server runs as its own process, so the timings measure the server rather than this
process's threads; the bounds are generous (the targets are 100 ms at the 99th percentile and 250 ms at most)
so that a loaded machine does not fail them."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from emulator.fake_model import FakeModel
from tests.support import serve_process

SEED = 7
HEALTH_BOUND = 1.0  # seconds: the slowest health check allowed while a big call is in flight
EMBEDDINGS = "/v1/embeddings"
MODERATIONS = "/v1/moderations"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("big-sync")
    process, url = serve_process.start_serving(data_dir, serve_process.DEFAULT_START, "--seed", str(SEED))
    try:
        yield url
    finally:
        serve_process.stop(process)


def _post(url: str, body: Any) -> tuple[int, str, bytes]:
    """POST JSON; the status, content type and body bytes (read in chunks, not parsed)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer sk-test", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            chunks = []
            while chunk := response.read(1 << 20):
                chunks.append(chunk)
            return response.status, response.headers["Content-Type"], b"".join(chunks)
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def _health_seconds(url: str) -> float:
    began = time.perf_counter()
    with urllib.request.urlopen(url + "/_emulator/health", timeout=120) as response:
        assert json.loads(response.read())["status"] == "ok"
    return time.perf_counter() - began


def _while_in_flight(url: str, endpoint: str, body: Any) -> tuple[tuple[int, str, bytes], float, list[float]]:
    """Send the big call on a thread and health checks one after another until it is answered: the call's answer,
    its seconds, and each health check's seconds."""
    outcome: dict[str, Any] = {}

    def call() -> None:
        began = time.perf_counter()
        outcome["answer"] = _post(url + endpoint, body)
        outcome["seconds"] = time.perf_counter() - began

    thread = threading.Thread(target=call)
    thread.start()
    latencies = []
    while thread.is_alive():
        latencies.append(_health_seconds(url))
    thread.join()
    return outcome["answer"], outcome["seconds"], latencies


def _expected(endpoint: str, body: Any) -> bytes:
    result = FakeModel(SEED).respond(endpoint, body)
    assert result.ok
    return orjson.dumps(result.body)


def test_health_is_answered_promptly_while_many_long_vectors_are_computed_and_sent(server: str) -> None:
    body = {"model": "text-embedding-3-large", "input": [f"passage {i} about tides" for i in range(768)]}
    (status, content_type, answer), seconds, latencies = _while_in_flight(server, EMBEDDINGS, body)
    assert (status, content_type) == (200, "application/json")
    assert answer == _expected(EMBEDDINGS, body)  # 48 MB, byte for byte the fake model's answer
    assert len(latencies) >= 3 and max(latencies) < HEALTH_BOUND, latencies
    assert seconds < 4.0  # computed in about 0.1 s of server time; 20 times that without the JSON tables


def test_health_is_answered_promptly_while_many_texts_are_moderated(server: str) -> None:
    body = {"model": "omni-moderation-latest", "input": [f"a calm sentence number {i}" for i in range(10_000)]}
    body["input"][123] = "I will kill the [violence/graphic] weapon"
    (status, _, answer), _, latencies = _while_in_flight(server, MODERATIONS, body)
    assert status == 200
    assert answer == _expected(MODERATIONS, body)
    assert orjson.loads(answer)["results"][123]["categories"]["violence/graphic"] is True
    assert len(latencies) >= 3 and max(latencies) < HEALTH_BOUND, latencies


def test_two_big_calls_at_once_each_get_their_own_answer(server: str) -> None:
    bodies = [{"input": [f"text {n} number {i}" for i in range(5_000)]} for n in range(2)]
    answers: list[Any] = [None, None]
    threads = [
        threading.Thread(target=lambda n=n: answers.__setitem__(n, _post(server + MODERATIONS, bodies[n])))
        for n in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer[2] for answer in answers] == [_expected(MODERATIONS, body) for body in bodies]


def test_a_big_call_with_a_bad_input_is_refused_before_any_of_it_is_sent(server: str) -> None:
    inputs: list[Any] = [f"passage {i}" for i in range(500)]
    inputs[321] = ""
    status, content_type, answer = _post(server + EMBEDDINGS, {"model": "text-embedding-3-small", "input": inputs})
    assert (status, content_type) == (400, "application/json")
    error = orjson.loads(answer)["error"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", "input", "invalid_value")
    assert "'$.input[321]' is invalid" in error["message"]
    assert _health_seconds(server) < HEALTH_BOUND
