"""Error responses on dialect routes: Anthropic's `request_id` (body and `request-id` header, seeded),
scenario statuses without an `error` taking each dialect's own defaults, and bodies that are not JSON."""

from __future__ import annotations

import anthropic
import openai
import orjson
import pytest
from mistralai.client.errors import SDKError

from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator
from tests.dialects.helpers import ANTHROPIC_REQUEST_ID, anthropic_error, request_id_of
from tests.support import raw

BATCHES = "/anthropic/v1/messages/batches"
PARAMS = {"model": "claude-sonnet-4-5", "max_tokens": 16, "messages": [{"role": "user", "content": "Hi"}]}


def only_status(path, status, method="GET"):
    """A scenario answering `status` to `method path`, with no `error` of its own."""
    return {"http": [{"match": {"method": method, "path": path}, "status": status}]}


def journal_id(emulator, method, path):
    """The request id the journal holds for the last `method path` request."""
    return emulator.requests.matching(method, path)[-1]["request_id"]


# -- Anthropic: every error names its request ------------------------------------------------------


def test_a_validation_error_carries_the_request_id_of_its_header(batch_emulator, claude):
    with pytest.raises(anthropic.BadRequestError) as info:
        claude.messages.batches.create(requests=[{"custom_id": "has space", "params": PARAMS}])
    request_id = request_id_of(info.value)
    message = "requests.0.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'"
    assert info.value.body == anthropic_error("invalid_request_error", message, request_id)
    assert journal_id(batch_emulator, "POST", BATCHES) == request_id


def test_a_404_carries_the_request_id_of_its_header(batch_emulator, claude):
    with pytest.raises(anthropic.NotFoundError) as info:
        claude.messages.batches.retrieve("msgbatch_missing")
    request_id = request_id_of(info.value)
    assert info.value.body == anthropic_error("not_found_error", "message_batch msgbatch_missing not found", request_id)
    assert journal_id(batch_emulator, "GET", BATCHES + "/*") == request_id


def test_each_request_gets_its_own_id_and_successes_carry_one_too(batch_emulator, claude):
    batch = claude.messages.batches.create(requests=[{"custom_id": "a", "params": PARAMS}])
    assert ANTHROPIC_REQUEST_ID.fullmatch(batch._request_id)
    with pytest.raises(anthropic.NotFoundError) as first:
        claude.messages.batches.retrieve("msgbatch_missing")
    with pytest.raises(anthropic.NotFoundError) as second:
        claude.messages.batches.retrieve("msgbatch_missing")
    ids = [batch._request_id, request_id_of(first.value), request_id_of(second.value)]
    assert len(set(ids)) == 3
    assert [entry["request_id"] for entry in batch_emulator.requests.matching(path=BATCHES + "*")] == ids


def test_the_results_stream_names_its_request(batch_emulator, claude):
    batch = claude.messages.batches.create(requests=[{"custom_id": "a", "params": PARAMS}])
    batch_emulator.run_until_idle()
    path = f"{BATCHES}/{batch.id}/results"
    response = raw.request(batch_emulator.url, "GET", path, headers={"x-api-key": batch_emulator.api_key})
    assert response.status == 200
    assert response.headers["request-id"] == journal_id(batch_emulator, "GET", path)


def test_request_ids_replay_with_the_seed(batch_emulator, claude):
    def failing_ids():
        found = []
        for _ in range(2):
            with pytest.raises(anthropic.NotFoundError) as info:
                claude.messages.batches.retrieve("msgbatch_missing")
            found.append(request_id_of(info.value))
        return found

    first = failing_ids()
    batch_emulator.reset()
    assert failing_ids() == first
    batch_emulator.reset(seed=12345)
    assert set(failing_ids()).isdisjoint(first)


def test_other_dialects_keep_a_random_x_request_id_and_no_request_id_header(batch_emulator):
    auth = {"Authorization": f"Bearer {batch_emulator.api_key}"}
    for path in ("/mistral/v1/batch/jobz", "/groq/openai/v1/nowhere", "/v1/nowhere"):
        response = raw.request(batch_emulator.url, "GET", path, headers=auth)
        assert response.status == 404 and "request-id" not in response.headers
        assert response.headers["x-request-id"].startswith("req_")
        assert "request_id" not in response.json()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (BATCHES, {"request-id"}),
        ("/mistral/v1/batch/jobs", {"x-request-id"}),
        ("/groq/openai/v1/batches", {"x-request-id", "openai-version", "openai-processing-ms"}),
        ("/v1/batches", {"x-request-id", "openai-version", "openai-processing-ms"}),
    ],
)
def test_only_openai_and_its_compatible_dialects_send_openai_headers(batch_emulator, path, expected):
    auth = {"Authorization": f"Bearer {batch_emulator.api_key}", "x-api-key": batch_emulator.api_key}
    naming = {"request-id", "x-request-id", "openai-version", "openai-processing-ms"}
    for status_path in (path, path + "/nowhere-" + "x" * 8):  # a success and an error
        response = raw.request(batch_emulator.url, "GET", status_path, headers=auth)
        assert response.status in (200, 404)
        assert naming & {name.lower() for name in response.headers} == expected, (status_path, response.status)


# -- Anthropic: scripted statuses without an `error` ------------------------------------------------


@pytest.mark.parametrize(
    ("status", "raised", "kind", "message"),
    [
        (400, anthropic.BadRequestError, "invalid_request_error", "Bad Request"),
        (429, anthropic.RateLimitError, "rate_limit_error", "Number of requests has exceeded your rate limit."),
        (500, anthropic.InternalServerError, "api_error", "Internal server error"),
        (503, anthropic.InternalServerError, "api_error", "Service Unavailable"),
        (504, anthropic.InternalServerError, "timeout_error", "Gateway Timeout"),
        (529, anthropic.OverloadedError, "overloaded_error", "Overloaded"),
    ],
)
def test_a_bare_scripted_status_takes_anthropics_defaults(batch_emulator, claude, status, raised, kind, message):
    batch_emulator.use_scenario(only_status(BATCHES, status))
    with pytest.raises(raised) as info:
        claude.messages.batches.list()
    assert info.value.status_code == status
    assert info.value.body == anthropic_error(kind, message, request_id_of(info.value))
    assert info.value.type == kind and info.value.api_message == message
    assert journal_id(batch_emulator, "GET", BATCHES) == info.value.request_id


def test_a_scripted_anthropic_type_is_kept_and_an_openai_one_is_not(batch_emulator, claude):
    rules = [
        {"match": {"path": BATCHES}, "status": 500, "error": {"type": "overloaded_error"}, "times": 1},
        {"match": {"path": BATCHES}, "status": 500, "error": {"type": "server_error", "code": "x"}},
    ]
    batch_emulator.use_scenario({"http": rules})
    with pytest.raises(anthropic.InternalServerError) as kept:
        claude.messages.batches.list()
    assert kept.value.body == anthropic_error("overloaded_error", "Internal server error", request_id_of(kept.value))
    with pytest.raises(anthropic.InternalServerError) as mapped:
        claude.messages.batches.list()
    assert mapped.value.body == anthropic_error("api_error", "Internal server error", request_id_of(mapped.value))


def test_a_scripted_malformed_body_still_names_its_request(batch_emulator):
    rule = {"match": {"path": BATCHES}, "status": 529, "fault": "malformed_json"}
    batch_emulator.use_scenario({"http": [rule]})
    response = raw.request(batch_emulator.url, "GET", BATCHES, headers={"x-api-key": batch_emulator.api_key})
    assert response.status == 529
    request_id = response.headers["request-id"]
    whole = orjson.dumps(anthropic_error("overloaded_error", "Overloaded", request_id))
    assert response.body == whole[:-2]


# -- Mistral and the OpenAI-compatible dialects: scripted statuses without an `error` ---------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (429, {"message": "Rate limit exceeded", "type": "rate_limited", "param": None, "code": "1300"}),
        (404, {"message": "Not Found", "type": "invalid_request_error", "param": None, "code": None}),
        (500, {"message": "Internal Server Error", "type": "internal_server_error", "param": None, "code": None}),
        (503, {"message": "Service Unavailable", "type": "internal_server_error", "param": None, "code": None}),
    ],
)
def test_a_bare_scripted_status_takes_mistrals_defaults(batch_emulator, mistral, status, expected):
    batch_emulator.use_scenario(only_status("/mistral/v1/batch/jobs", status))
    with pytest.raises(SDKError) as info:
        mistral.batch.jobs.list()
    assert info.value.status_code == status
    assert orjson.loads(info.value.body) == {"object": "error", **expected}
    assert "request-id" not in info.value.headers


def test_a_scripted_mistral_message_keeps_mistrals_other_defaults(batch_emulator, mistral):
    rule = {"match": {"path": "/mistral/v1/batch/jobs"}, "status": 429, "error": {"message": "Slow down."}}
    batch_emulator.use_scenario({"http": [rule]})
    with pytest.raises(SDKError) as info:
        mistral.batch.jobs.list()
    body = {"object": "error", "message": "Slow down.", "type": "rate_limited", "param": None, "code": "1300"}
    assert orjson.loads(info.value.body) == body


def test_a_bare_scripted_401_on_mistral_is_the_gateways(batch_emulator, mistral):
    batch_emulator.use_scenario(only_status("/mistral/v1/batch/jobs", 401))
    with pytest.raises(SDKError) as info:
        mistral.batch.jobs.list()
    assert info.value.status_code == 401 and orjson.loads(info.value.body) == {"detail": "Unauthorized"}


def test_a_bare_scripted_status_keeps_openais_defaults_on_compatible_dialects(batch_emulator):
    batch_emulator.use_scenario(only_status("/groq/openai/v1/batches", 429))
    groq = batch_emulator.openai(base_url=batch_emulator.url + "/groq/openai/v1", max_retries=0)
    with pytest.raises(openai.RateLimitError) as info:
        groq.batches.list()
    assert info.value.status_code == 429
    assert info.value.body == {
        "message": "Rate limit reached for requests. Please try again in 1ms.",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
    assert "request-id" not in info.value.response.headers


# -- bodies that are not JSON ----------------------------------------------------------------------

BROKEN = b'{"requests": ['
PARSER_SAYS = "unexpected end of data: line 1 column 15 (char 14)"


def test_a_body_that_is_not_json_is_anthropics_400(batch_emulator):
    headers = {"x-api-key": batch_emulator.api_key, "content-type": "application/json"}
    response = raw.request(batch_emulator.url, "POST", BATCHES, BROKEN, headers)
    assert response.status == 400
    message = f"The request body is not valid JSON: {PARSER_SAYS}"
    assert response.json() == anthropic_error("invalid_request_error", message, response.headers["request-id"])


def test_a_body_that_is_not_json_is_mistrals_400(batch_emulator):
    headers = {"Authorization": f"Bearer {batch_emulator.api_key}", "content-type": "application/json"}
    response = raw.request(batch_emulator.url, "POST", "/mistral/v1/batch/jobs", BROKEN, headers)
    assert response.status == 400
    assert response.json() == {
        "object": "error",
        "message": f"The request body is not valid JSON: {PARSER_SAYS}",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_a_body_that_is_not_json_keeps_openais_wording_on_compatible_dialects(batch_emulator):
    headers = {"Authorization": f"Bearer {batch_emulator.api_key}", "content-type": "application/json"}
    response = raw.request(batch_emulator.url, "POST", "/groq/openai/v1/batches", BROKEN, headers)
    assert response.status == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and "The OpenAI API expects a JSON payload" in error["message"]


# -- the root mount --------------------------------------------------------------------------------


def test_anthropic_at_the_root_names_its_requests_and_openai_next_to_it_does_not():
    config = EmulatorConfig(port=0, clock="manual", dialect="anthropic")
    with ThreadedEmulator(config) as server:
        claude = anthropic.Anthropic(api_key="k", base_url=server.url, max_retries=0)
        with pytest.raises(anthropic.NotFoundError) as info:
            claude.messages.batches.retrieve("msgbatch_missing")
        claude.close()
        message = "message_batch msgbatch_missing not found"
        assert info.value.body == anthropic_error("not_found_error", message, request_id_of(info.value))
        openai_side = raw.request(server.url, "GET", "/v1/files/file-missing", headers={"Authorization": "Bearer k"})
        assert openai_side.status == 404 and "request-id" not in openai_side.headers
        assert "request_id" not in openai_side.json()
