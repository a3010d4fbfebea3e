"""The validating phase through the server: every per-line error code of fixtures/inputs fails the batch two
virtual seconds after creation with the right errors, no result files and zero counts; limits and the model
list are configurable."""

from __future__ import annotations

import io
from pathlib import Path

import openai
import orjson
import pytest

from emulator.config import EmulatorConfig, Limits
from emulator.server import ThreadedEmulator
from tests.support.openapi import check_schema

INPUTS = Path(__file__).resolve().parents[2] / "fixtures" / "inputs"
CHAT = "/v1/chat/completions"
NOT_JSON = "This line is not parseable as valid JSON."
MISSING = "Missing required parameter: '{}'."
WRONG_URL = "The URL provided for this request does not match the batch endpoint."
NO_STREAM = "Chat Completions: Streaming is not supported in the Batch API."

# fixture file -> [(code, line, param, message)], as fixtures/inputs/README.md lists them (default server,
# which serves any model name).
FAILING = {
    "invalid_json_line.jsonl": [("invalid_json_line", 2, None, NOT_JSON)],
    "missing_custom_id.jsonl": [("missing_required_parameter", 2, "custom_id", MISSING.format("custom_id"))],
    "missing_method.jsonl": [("missing_required_parameter", 2, "method", MISSING.format("method"))],
    "missing_url.jsonl": [("missing_required_parameter", 2, "url", MISSING.format("url"))],
    "missing_body.jsonl": [("missing_required_parameter", 2, "body", MISSING.format("body"))],
    "invalid_url.jsonl": [("invalid_url", 2, "url", WRONG_URL)],
    "invalid_method.jsonl": [
        (
            "invalid_method",
            2,
            "method",
            "The method 'GET' is not supported for batch requests. Only 'POST' is supported.",
        )
    ],
    "invalid_custom_id.jsonl": [
        (
            "invalid_request",
            2,
            "custom_id",
            "Invalid type for 'custom_id': expected a string, but got an integer instead.",
        )
    ],
    "invalid_body.jsonl": [
        ("invalid_request", 2, "body", "Invalid type for 'body': expected an object, but got a string instead.")
    ],
    "duplicate_custom_id.jsonl": [
        (
            "duplicate_custom_id",
            3,
            None,
            "The custom_id 'task-1' for this request is a duplicate of another request. The custom_id parameter must "
            "be unique for each request in a batch.",
        )
    ],
    "mismatched_model.jsonl": [
        (
            "mismatched_model",
            3,
            None,
            "The model 'gpt-4.1-mini' for this request does not match the rest of the batch. Each batch must contain "
            "requests for a single model.",
        )
    ],
    "streaming_unsupported.jsonl": [("streaming_unsupported", 2, "body.stream", NO_STREAM)],
    "missing_model.jsonl": [("invalid_request", 2, "body.model", "Model parameter is required.")],
    "missing_messages.jsonl": [("invalid_request", 2, "body.messages", "Messages parameter is required.")],
    "interior_blank_line.jsonl": [("invalid_json_line", 2, None, NOT_JSON)],
    "several_errors.jsonl": [
        ("invalid_json_line", 2, None, NOT_JSON),
        ("missing_required_parameter", 4, "custom_id", MISSING.format("custom_id")),
        ("streaming_unsupported", 5, "body.stream", NO_STREAM),
        ("invalid_url", 7, "url", WRONG_URL),
    ],
}

PASSING = {
    "chat_completions.jsonl": (CHAT, 4),
    "completions.jsonl": ("/v1/completions", 3),
    "embeddings.jsonl": ("/v1/embeddings", 4),
    "responses.jsonl": ("/v1/responses", 3),
    "moderations.jsonl": ("/v1/moderations", 3),
    "images_generations.jsonl": ("/v1/images/generations", 3),
    "images_edits.jsonl": ("/v1/images/edits", 3),
    "videos.jsonl": ("/v1/videos", 3),
    "trailing_blank_lines.jsonl": (CHAT, 3),
    "sample_batch.jsonl": (CHAT, 12),
}


def _create(client, data: bytes, endpoint: str = CHAT):
    file = client.files.create(file=("input.jsonl", io.BytesIO(data)), purpose="batch")
    return client.batches.create(input_file_id=file.id, endpoint=endpoint, completion_window="24h")


def _checked(client, batch_id: str) -> dict:
    body = client.batches.with_raw_response.retrieve(batch_id).http_response.json()
    check_schema(body, "Batch")
    return body


def _assert_failed(client, batch_id: str, expected: list[tuple]) -> dict:
    body = _checked(client, batch_id)
    assert body["status"] == "failed"
    assert body["failed_at"] == body["created_at"] + 2
    assert body["in_progress_at"] is None and body["completed_at"] is None
    assert body["errors"]["object"] == "list"
    got = [(e["code"], e["line"], e["param"], e["message"]) for e in body["errors"]["data"]]
    assert got == expected
    assert body["output_file_id"] is None and body["error_file_id"] is None
    assert body["request_counts"] == {"total": 0, "completed": 0, "failed": 0}
    assert [f.purpose for f in client.files.list()] == ["batch"]
    return body


@pytest.mark.parametrize("name", list(FAILING))
def test_fixture_fails_validation_with_its_errors(client, batch_emulator, name):
    batch = _create(client, (INPUTS / name).read_bytes())
    batch_emulator.advance(1.999)
    assert client.batches.retrieve(batch.id).status == "validating"
    batch_emulator.advance(0.001)
    _assert_failed(client, batch.id, FAILING[name])
    batch_emulator.run_until_idle()
    assert client.batches.retrieve(batch.id).status == "failed"


def test_empty_file_fails_with_a_file_level_error(client, batch_emulator):
    batch = _create(client, b"")
    batch_emulator.advance(2)
    message = "The batch input file is empty. Please provide a file with at least one request."
    _assert_failed(client, batch.id, [("empty_file", None, None, message)])


def test_default_server_reports_an_unknown_model_as_a_mismatch(client, batch_emulator):
    batch = _create(client, (INPUTS / "model_not_found.jsonl").read_bytes())
    batch_emulator.advance(2)
    message = (
        "The model 'gpt-2' for this request does not match the rest of the batch. Each batch must contain "
        "requests for a single model."
    )
    _assert_failed(client, batch.id, [("mismatched_model", 2, None, message)])


@pytest.mark.parametrize("name", list(PASSING))
def test_valid_fixture_goes_in_progress_with_its_total(client, batch_emulator, name):
    endpoint, total = PASSING[name]
    batch = _create(client, (INPUTS / name).read_bytes(), endpoint)
    batch_emulator.advance(2)
    body = _checked(client, batch.id)
    assert body["status"] == "in_progress"
    assert body["in_progress_at"] == body["created_at"] + 2
    assert body["errors"] is None
    assert body["request_counts"]["total"] == total
    batch_emulator.run_until_idle()
    done = _checked(client, batch.id)
    assert done["status"] == "completed"
    assert done["request_counts"] == {"total": total, "completed": total, "failed": 0}


def test_every_bad_line_is_reported_not_just_the_first(client, batch_emulator):
    good = orjson.loads((INPUTS / "chat_completions.jsonl").read_bytes().splitlines()[0])
    lines = [good] + [{**good, "custom_id": f"s{i}", "body": {**good["body"], "stream": True}} for i in range(5)]
    batch = _create(client, b"".join(orjson.dumps(line) + b"\n" for line in lines))
    batch_emulator.advance(2)
    expected = [("streaming_unsupported", n, "body.stream", NO_STREAM) for n in range(2, 7)]
    _assert_failed(client, batch.id, expected)


# -- servers with their own configuration ------------------------------------------------------------------


class _Server:
    def __init__(self, config: EmulatorConfig) -> None:
        self.emulator = ThreadedEmulator(config).start()
        self.client = openai.OpenAI(
            base_url=self.emulator.base_url, api_key="sk-test", max_retries=0, _strict_response_validation=True
        )

    def advance(self, seconds: float) -> None:
        self.emulator.call(lambda: self.emulator.backend.advance(seconds))

    def close(self) -> None:
        self.client.close()
        self.emulator.stop()


@pytest.fixture
def configured():
    servers: list[_Server] = []

    def start(**config) -> _Server:
        server = _Server(EmulatorConfig(port=0, clock="manual", start_time=1_767_225_600, **config))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def _tiny(n: int, endpoint: str = CHAT, **body) -> bytes:
    body = body or {"model": "m", "messages": []}
    return b"".join(
        orjson.dumps({"custom_id": f"r{i}", "method": "POST", "url": endpoint, "body": body}) + b"\n" for i in range(n)
    )


SMALL = Limits(batch_max_requests=3, batch_max_bytes=500, batch_max_embedding_inputs=2)


def test_small_limits_fail_a_batch_with_too_many_requests(configured):
    server = configured(limits=SMALL)
    data = _tiny(4)
    assert len(data) <= 500
    batch = _create(server.client, data)
    server.advance(2)
    _assert_failed(
        server.client,
        batch.id,
        [
            (
                "too_many_requests",
                None,
                None,
                "The batch input file has 4 requests, more than the 3 maximum per batch. "
                "Please try again with a smaller batch.",
            )
        ],
    )


def test_small_limits_fail_a_file_over_the_size_limit(configured):
    server = configured(limits=SMALL)
    data = _tiny(1, model="m", messages=[{"role": "user", "content": "x" * 500}])
    assert len(data) > 500
    batch = _create(server.client, data)
    server.advance(2)
    _assert_failed(
        server.client,
        batch.id,
        [
            (
                "file_too_large",
                None,
                None,
                "The batch input file is larger than the 500 maximum for the m model. "
                "Please try again with a smaller batch.",
            )
        ],
    )


def test_small_limits_fail_too_many_embedding_inputs(configured):
    server = configured(limits=SMALL)
    batch = _create(server.client, _tiny(1, "/v1/embeddings", model="e", input=["a", "b", "c"]), "/v1/embeddings")
    server.advance(2)
    _assert_failed(
        server.client,
        batch.id,
        [
            (
                "too_many_embedding_inputs",
                None,
                None,
                "The batch has 3 embedding inputs, more than the 2 maximum per embeddings batch. "
                "Please try again with a smaller batch.",
            )
        ],
    )


def test_small_limits_accept_a_batch_exactly_at_every_limit(configured):
    server = configured(limits=SMALL)
    chat = _create(server.client, _tiny(3))
    embeddings = _create(server.client, _tiny(1, "/v1/embeddings", model="e", input=["a", "b"]), "/v1/embeddings")
    server.advance(2)
    assert server.client.batches.retrieve(chat.id).status == "in_progress"
    assert server.client.batches.retrieve(embeddings.id).status == "in_progress"


@pytest.mark.parametrize(("limit", "status"), [(5, "failed"), (6, "in_progress"), (10, "in_progress")])
def test_request_limit_is_configurable(configured, limit, status):
    server = configured(limits=Limits(batch_max_requests=limit))
    batch = _create(server.client, _tiny(6))
    server.advance(2)
    body = _checked(server.client, batch.id)
    assert body["status"] == status
    if status == "failed":
        assert [e["code"] for e in body["errors"]["data"]] == ["too_many_requests"]
    else:
        assert body["request_counts"]["total"] == 6


def test_strict_model_list_reports_model_not_found(configured):
    server = configured(models=("gpt-4o-mini",))
    batch = _create(server.client, (INPUTS / "model_not_found.jsonl").read_bytes())
    server.advance(2)
    _assert_failed(
        server.client,
        batch.id,
        [("model_not_found", 2, "body.model", "The provided model 'gpt-2' is not supported by the Batch API.")],
    )


def test_strict_model_list_accepts_its_models(configured):
    server = configured(models=("gpt-4o-mini",))
    batch = _create(server.client, (INPUTS / "chat_completions.jsonl").read_bytes())
    server.advance(2)
    assert server.client.batches.retrieve(batch.id).status == "in_progress"


def test_a_line_over_the_line_limit_fails_validation_without_being_parsed(configured):
    server = configured(limits=Limits(batch_max_line_bytes=300))
    small = _tiny(1)
    huge = orjson.dumps(
        {
            "custom_id": "big",
            "method": "POST",
            "url": CHAT,
            "body": {"model": "m", "messages": [{"role": "user", "content": "x" * 400}]},
        }
    )
    batch = _create(server.client, small + huge + b"\n" + _tiny(1).replace(b'"r0"', b'"r2"'))
    server.advance(2)
    message = f"This request line is {len(huge) + 1} bytes, more than the 300-byte maximum for one request."
    _assert_failed(server.client, batch.id, [("line_too_large", 2, None, message)])
    assert server.client.files.list().data  # the input file is kept; the server keeps serving
