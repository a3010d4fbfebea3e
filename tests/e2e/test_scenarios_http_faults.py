"""Scenario HTTP rules against the real openai SDK: injected statuses and headers, transport faults (connection
reset, truncated body, malformed JSON), delays, and what a rule matches on. A fault is never a server error:
no handler error, no logged traceback, and the server keeps serving."""

from __future__ import annotations

import json
import logging
import time

import openai
import pytest

from tests.conftest import chat_batch_file
from tests.support.raw import request


@pytest.fixture
def quiet_server(batch_emulator, caplog):
    """Fails the test if the server logged an error (e.g. a traceback for a dropped connection)."""
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    yield batch_emulator
    loud = [record for record in caplog.get_records("call") if record.levelno >= logging.ERROR]
    assert loud == [], [record.getMessage() for record in loud]
    assert batch_emulator.handler_errors() == []


def trace(batch_emulator, method: str = "GET", path: str = "/v1/files") -> list[tuple]:
    return [
        (e["status"], e["rule"], e.get("fault"), e["headers"].get("x-stainless-retry-count"))
        for e in batch_emulator.requests.matching(method, path)
    ]


def rule(fault: str, **extra) -> dict:
    return {"name": f"t-{fault}", "http": [{"match": {"method": "GET", "path": "/v1/files"}, "fault": fault, **extra}]}


# -- transport faults ----------------------------------------------------------------------------------


def test_connection_reset_raises_api_connection_error(quiet_server):
    quiet_server.use_scenario(rule("connection_reset", times=1))
    client = quiet_server.openai(max_retries=0)
    with pytest.raises(openai.APIConnectionError):
        client.files.list()
    assert client.files.list().data == []
    assert trace(quiet_server) == [(None, "http[0]", "connection_reset", "0"), (200, None, None, "0")]


def test_connection_reset_once_is_retried_by_the_sdk(quiet_server):
    quiet_server.use_scenario(rule("connection_reset", times=1))
    assert quiet_server.openai(max_retries=2).files.list().data == []
    assert trace(quiet_server) == [(None, "http[0]", "connection_reset", "0"), (200, None, None, "1")]


def test_truncated_body_raises_api_connection_error_and_retries_recover(quiet_server):
    quiet_server.use_scenario(rule("truncated_body", times=1))
    with pytest.raises(openai.APIConnectionError):
        quiet_server.openai(max_retries=0).files.list()
    quiet_server.use_scenario(rule("truncated_body", times=1))
    assert quiet_server.openai(max_retries=2).files.list().data == []
    assert [entry[:3] for entry in trace(quiet_server)] == [
        (200, "http[0]", "truncated_body"),
        (200, "http[0]", "truncated_body"),
        (200, None, None),
    ]


def test_malformed_json_raises_a_decode_error_that_the_sdk_does_not_retry(quiet_server):
    quiet_server.use_scenario(rule("malformed_json"))
    client = quiet_server.openai(max_retries=2)
    with pytest.raises(json.JSONDecodeError):
        client.files.list()
    assert trace(quiet_server) == [(200, "http[0]", "malformed_json", "0")]
    assert client.batches.list().data == [], "other routes keep working"


def test_malformed_error_body_still_gives_a_status_error(quiet_server):
    quiet_server.use_scenario(rule("malformed_json", status=503, times=1))
    with pytest.raises(openai.InternalServerError) as raised:
        quiet_server.openai(max_retries=0).files.list()
    assert raised.value.status_code == 503
    assert raised.value.body.startswith('{"error":')  # the SDK keeps the text it could not parse
    quiet_server.use_scenario(rule("malformed_json", status=503, times=1))
    assert quiet_server.openai(max_retries=1).files.list().data == []


def test_faults_on_uploads_and_creates_leave_no_half_made_objects(quiet_server):
    quiet_server.use_scenario(
        {
            "http": [
                {"match": {"method": "POST", "path": "/v1/files"}, "fault": "connection_reset", "times": 1},
                {"match": {"method": "POST", "path": "/v1/batches"}, "fault": "truncated_body", "times": 1},
            ]
        }
    )
    client = quiet_server.openai(max_retries=2)
    file = client.files.create(file=("in.jsonl", chat_batch_file(2)), purpose="batch")
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    assert [f.id for f in client.files.list().data] == [file.id]
    assert [b.id for b in client.batches.list().data] == [batch.id]
    assert [e["status"] for e in quiet_server.requests.matching("POST", "/v1/*")] == [None, 200, 200, 200]


# -- statuses, headers, delays -------------------------------------------------------------------------


def test_status_with_custom_error_and_headers(quiet_server):
    quiet_server.use_scenario(
        {
            "http": [
                {
                    "match": {"path": "/v1/batches"},
                    "status": 429,
                    "times": 1,
                    "error": {"message": "Slow down.", "code": "too_fast"},
                    "headers": {"retry-after-ms": None, "retry-after": 0, "x-ratelimit-remaining-requests": "0"},
                }
            ]
        }
    )
    with pytest.raises(openai.RateLimitError) as raised:
        quiet_server.openai(max_retries=0).batches.list()
    error = raised.value
    assert (error.code, error.type) == ("too_fast", "requests")
    assert error.body["message"] == "Slow down."
    assert "retry-after-ms" not in error.response.headers
    assert error.response.headers["retry-after"] == "0"
    assert error.response.headers["x-ratelimit-remaining-requests"] == "0"


def test_delay_only_rule_answers_normally_after_waiting(quiet_server):
    quiet_server.use_scenario({"http": [{"match": {"path": "/v1/files"}, "delay_ms": 60}]})
    client = quiet_server.openai(max_retries=0)
    started = time.perf_counter()
    assert client.files.list().data == []
    assert time.perf_counter() - started >= 0.06
    assert trace(quiet_server) == [(200, "http[0]", None, "0")]


def test_delay_is_bounded_by_the_schema(batch_emulator):
    answer = request(batch_emulator.url, "PUT", "/_emulator/scenario", body=b'{"http": [{"delay_ms": 60000}]}')
    assert answer.status == 400
    message = answer.json()["error"]["message"]
    assert "invalid_value [http[0].delay_ms]: Input should be less than or equal to 5000" in message


# -- matching ------------------------------------------------------------------------------------------


def test_purpose_endpoint_and_method_narrow_a_rule(quiet_server):
    quiet_server.use_scenario(
        {
            "http": [
                {"match": {"path": "/v1/files", "purpose": "batch"}, "status": 500},
                {"match": {"path": "/v1/batches", "endpoint": "/v1/embeddings"}, "status": 503},
                {"match": {"method": "DELETE", "path": "/v1/files/*"}, "status": 500},
            ]
        }
    )
    client = quiet_server.openai(max_retries=0)
    with pytest.raises(openai.InternalServerError):
        client.files.create(file=("in.jsonl", chat_batch_file(1)), purpose="batch")
    other = client.files.create(file=("notes.jsonl", b'{"a": 1}\n'), purpose="user_data")
    with pytest.raises(openai.InternalServerError):
        client.batches.create(input_file_id=other.id, endpoint="/v1/embeddings", completion_window="24h")
    with pytest.raises(openai.BadRequestError):  # passes the scenario, then fails on the file's purpose
        client.batches.create(input_file_id=other.id, endpoint="/v1/chat/completions", completion_window="24h")
    assert client.files.retrieve(other.id).id == other.id
    with pytest.raises(openai.InternalServerError):
        client.files.delete(other.id)
    assert [e["rule"] for e in quiet_server.requests.http()] == ["http[0]", None, "http[1]", None, None, "http[2]"]


def test_http_fraction_is_seeded(quiet_server):
    scenario = {"seed": 11, "http": [{"match": {"path": "/v1/files", "fraction": 0.5}, "status": 500}]}

    def pattern() -> list[bool]:
        quiet_server.use_scenario(scenario)  # counters start again
        client = quiet_server.openai(max_retries=0)
        seen = []
        for _ in range(16):
            try:
                client.files.list()
                seen.append(True)
            except openai.InternalServerError:
                seen.append(False)
        return seen

    first = pattern()
    assert 2 <= first.count(False) <= 14
    assert pattern() == first


def test_admin_api_is_never_faulted(batch_emulator):
    batch_emulator.use_scenario({"http": [{"match": {"path": "/**"}, "status": 500}]})
    assert batch_emulator.advance(1)["now"] > 0
    assert request(batch_emulator.url, "GET", "/_emulator/health").status == 200
    with pytest.raises(openai.InternalServerError):
        batch_emulator.openai(max_retries=0).models.list()
