"""POST /v1/batches: every synchronous check returns the real API's 400/404 with status, type, code, param and
message, no batch is created, and every error body matches the OpenAPI "ErrorResponse" schema."""

from __future__ import annotations

import io
from typing import get_args, get_type_hints

import openai
import pytest
from openai.types.batch_create_params import BatchCreateParams

from emulator.batches.endpoints import BATCH_ENDPOINTS
from tests.conftest import chat_batch_file, parse_jsonl
from tests.support import raw
from tests.support.openapi import check_schema

ENDPOINTS = [
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
]


_DROP = object()


@pytest.fixture
def input_file(upload_batch_file):
    return upload_batch_file(chat_batch_file(2))


def _body(file_id, **overrides):
    body = {"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"}
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not _DROP}


def _post(client, body):
    """Send a create body as-is through the SDK's low-level request method (no client-side checks)."""
    return client.post("/batches", body=body, cast_to=openai.types.Batch)


def _rejected(client, body, *, status=400, code, param, message=None):
    """Assert the create is refused with the given error; return the error object. No batch may exist after."""
    error_class = openai.BadRequestError if status == 400 else openai.NotFoundError
    with pytest.raises(error_class) as info:
        _post(client, body)
    envelope = info.value.response.json()
    check_schema(envelope, "ErrorResponse")
    error = envelope["error"]
    assert info.value.status_code == status
    assert error["type"] == "invalid_request_error"
    assert (error["code"], error["param"]) == (code, param)
    if message is not None:
        assert error["message"] == message
    assert client.batches.list().data == []
    return error


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_endpoint_of_the_enum_is_accepted(client, input_file, endpoint):
    batch = client.batches.create(input_file_id=input_file.id, endpoint=endpoint, completion_window="24h")
    assert batch.endpoint == endpoint
    assert batch.status == "validating"


def test_the_endpoint_enum_is_the_sdks():
    assert sorted(BATCH_ENDPOINTS) == sorted(ENDPOINTS)
    assert sorted(ENDPOINTS) == sorted(get_args(get_type_hints(BatchCreateParams)["endpoint"]))


@pytest.mark.parametrize("endpoint", ["/v1/x", "/v1/audio/speech", "v1/chat/completions", "/v1/chat/completions/"])
def test_unknown_endpoint_lists_the_supported_values(client, input_file, endpoint):
    error = _rejected(client, _body(input_file.id, endpoint=endpoint), code="invalid_value", param="endpoint")
    assert error["message"].startswith(f"Invalid value: '{endpoint}'. Supported values are: ")
    for supported in ENDPOINTS:
        assert f"'{supported}'" in error["message"]


@pytest.mark.parametrize("window", ["1h", "48h", "", "24"])
def test_only_a_24h_completion_window_is_accepted(client, input_file, window):
    error = _rejected(
        client, _body(input_file.id, completion_window=window), code="invalid_value", param="completion_window"
    )
    assert f"'{window}'" in error["message"] and "'24h'" in error["message"]


def test_seventeen_metadata_pairs_are_too_many(client, input_file):
    meta = {f"k{i}": "v" for i in range(17)}
    _rejected(
        client,
        _body(input_file.id, metadata=meta),
        code="object_above_max_properties",
        param="metadata",
        message="Invalid 'metadata': too many properties. Expected an object with at most 16 properties, "
        "but got an object with 17 properties instead.",
    )


def test_sixteen_metadata_pairs_at_the_size_limits_are_accepted(client, input_file):
    meta = {f"{i:02d}" + "k" * 62: "v" * 512 for i in range(16)}
    batch = client.batches.create(
        input_file_id=input_file.id, endpoint="/v1/chat/completions", completion_window="24h", metadata=meta
    )
    assert batch.metadata == meta


def test_metadata_key_of_65_characters_is_rejected(client, input_file):
    key = "k" * 65
    _rejected(
        client,
        _body(input_file.id, metadata={key: "v"}),
        code="string_above_max_length",
        param=f"metadata.{key}",
        message=f"Invalid property name in 'metadata': '{key}' is too long. Expected a string with maximum "
        "length 64, but got a string with length 65 instead.",
    )


def test_metadata_value_of_513_characters_is_rejected(client, input_file):
    _rejected(
        client,
        _body(input_file.id, metadata={"note": "x" * 513}),
        code="string_above_max_length",
        param="metadata.note",
        message="Invalid 'metadata.note': string too long. Expected a string with maximum length 512, "
        "but got a string with length 513 instead.",
    )


@pytest.mark.parametrize(
    ("value", "kind"), [(["a", "b"], "an array"), (3, "an integer"), ({"a": "b"}, "an object"), (True, "a boolean")]
)
def test_metadata_values_must_be_strings(client, input_file, value, kind):
    _rejected(
        client,
        _body(input_file.id, metadata={"tags": value}),
        code="invalid_type",
        param="metadata.tags",
        message=f"Invalid type for 'metadata.tags': expected a string, but got {kind} instead.",
    )


@pytest.mark.parametrize(
    ("seconds", "code"), [(3599, "integer_below_min_value"), (2_592_001, "integer_above_max_value")]
)
def test_output_expires_after_seconds_out_of_range(client, input_file, seconds, code):
    error = _rejected(
        client,
        _body(input_file.id, output_expires_after={"anchor": "created_at", "seconds": seconds}),
        code=code,
        param="output_expires_after.seconds",
    )
    assert str(seconds) in error["message"]


@pytest.mark.parametrize("seconds", [3600, 2_592_000])
def test_output_expires_after_bounds_are_accepted(client, input_file, seconds):
    batch = client.batches.create(
        input_file_id=input_file.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        output_expires_after={"anchor": "created_at", "seconds": seconds},
    )
    assert batch.status == "validating"


def test_output_expires_after_anchor_must_be_created_at(client, input_file):
    error = _rejected(
        client,
        _body(input_file.id, output_expires_after={"anchor": "completed_at", "seconds": 3600}),
        code="invalid_value",
        param="output_expires_after.anchor",
    )
    assert "'completed_at'" in error["message"] and "'created_at'" in error["message"]


@pytest.mark.parametrize("field", ["input_file_id", "endpoint", "completion_window"])
def test_each_missing_required_field_is_named(client, input_file, field):
    _rejected(
        client,
        _body(input_file.id, **{field: _DROP}),
        code="missing_required_parameter",
        param=field,
        message=f"Missing required parameter: '{field}'.",
    )


def test_null_required_field_counts_as_missing(client, input_file):
    _rejected(
        client,
        _body(input_file.id, endpoint=None),
        code="missing_required_parameter",
        param="endpoint",
        message="Missing required parameter: 'endpoint'.",
    )


def test_unknown_input_file_is_404_and_creates_no_batch(client):
    error = _rejected(
        client,
        _body("file-doesnotexist0000000000000"),
        status=404,
        code=None,
        param="id",
        message="No such File object: file-doesnotexist0000000000000",
    )
    assert error["type"] == "invalid_request_error"


def test_deleted_input_file_is_404_at_create(client, input_file):
    client.files.delete(input_file.id)
    _rejected(
        client,
        _body(input_file.id),
        status=404,
        code=None,
        param="id",
        message=f"No such File object: {input_file.id}",
    )


def test_input_file_with_another_purpose_is_rejected(client):
    file = client.files.create(file=("notes.jsonl", io.BytesIO(chat_batch_file(2))), purpose="user_data")
    error = _rejected(client, _body(file.id), code="invalid_file_purpose", param="input_file_id")
    assert file.id in error["message"] and "'batch'" in error["message"]


def test_an_unrecognized_argument_is_rejected(client, input_file):
    _rejected(
        client,
        _body(input_file.id, priority="high"),
        code="unknown_parameter",
        param="priority",
        message="Unrecognized request argument supplied: priority",
    )


@pytest.mark.parametrize(
    "payload", [b"{not json", b"[1, 2]", b'"a string"', b"42", b"null"], ids=["broken", "array", "str", "num", "null"]
)
def test_body_that_is_not_a_json_object_is_400(batch_emulator, client, payload):
    response = raw.request(
        batch_emulator.url,
        "POST",
        "/v1/batches",
        body=payload,
        headers={**raw.AUTH, "Content-Type": "application/json"},
    )
    assert response.status == 400
    envelope = response.json()
    check_schema(envelope, "ErrorResponse")
    assert envelope["error"]["type"] == "invalid_request_error"
    assert client.batches.list().data == []


def test_empty_body_reports_the_first_missing_field(batch_emulator, client):
    response = raw.request(batch_emulator.url, "POST", "/v1/batches", body=b"", headers=raw.AUTH)
    assert response.status == 400
    envelope = response.json()
    check_schema(envelope, "ErrorResponse")
    assert envelope["error"]["code"] == "missing_required_parameter"
    assert envelope["error"]["param"] == "input_file_id"


def test_deleting_the_input_file_while_validating_fails_the_batch(client, batch_emulator, input_file):
    batch = client.batches.create(input_file_id=input_file.id, endpoint="/v1/chat/completions", completion_window="24h")
    client.files.delete(input_file.id)
    assert client.batches.retrieve(batch.id).status == "validating"
    batch_emulator.advance(2)
    raw_batch = client.batches.with_raw_response.retrieve(batch.id)
    body = raw_batch.http_response.json()
    check_schema(body, "Batch")
    assert body["status"] == "failed"
    assert body["failed_at"] == body["created_at"] + 2
    [error] = body["errors"]["data"]
    assert error["code"] == "invalid_request"
    assert error["line"] is None
    assert input_file.id in error["message"]
    assert body["request_counts"] == {"total": 0, "completed": 0, "failed": 0}
    assert body["output_file_id"] is None and body["error_file_id"] is None


def _running_batch(client, batch_emulator, lines: int, rate: float = 1, **upload):
    data = chat_batch_file(lines)
    file = client.files.create(file=("in.jsonl", data), purpose="batch", **upload)
    batch_emulator.use_scenario({"name": "slow", "timing": {"requests_per_second": rate}})
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    batch_emulator.advance(5)  # validated, lines under way
    assert client.batches.retrieve(batch.id).status == "in_progress"
    return file, batch


def test_deleting_the_input_file_while_in_progress_lets_the_batch_finish(client, batch_emulator):
    file, batch = _running_batch(client, batch_emulator, 10)
    assert client.files.delete(file.id).deleted is True
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(file.id)

    assert client.batches.retrieve(batch.id).request_counts.completed >= 2
    assert [b.id for b in client.batches.list()] == [batch.id]
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed" and done.request_counts.completed == 10
    output = parse_jsonl(client.files.content(done.output_file_id).content)
    assert [line["custom_id"] for line in output] == [f"req-{n}" for n in range(10)]
    assert batch_emulator.handler_errors() == []


def test_an_input_file_expiring_mid_run_does_not_stop_the_batch(client, batch_emulator):
    _, batch = _running_batch(
        client, batch_emulator, 20, rate=1 / 300, expires_after={"anchor": "created_at", "seconds": 3600}
    )
    batch_emulator.advance(3600)
    assert [f.id for f in client.files.list(purpose="batch")] == []  # the input file is gone
    assert client.batches.retrieve(batch.id).status == "in_progress"
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed" and done.request_counts.completed == 20
    assert len(parse_jsonl(client.files.content(done.output_file_id).content)) == 20
    assert batch_emulator.handler_errors() == []


def test_a_batch_that_breaks_mid_run_fails_alone_and_the_server_keeps_serving(client, batch_emulator, monkeypatch):
    from emulator.batches.runner import LineRunner

    real_advance = LineRunner.advance_to

    def advance_to(self, at):
        if self.record["metadata"] and self.record["metadata"].get("break") == "yes":
            raise OSError("the disk went away")
        return real_advance(self, at)

    monkeypatch.setattr(LineRunner, "advance_to", advance_to)
    data = chat_batch_file(3)
    file = client.files.create(file=("in.jsonl", data), purpose="batch")
    broken = client.batches.create(
        input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h", metadata={"break": "yes"}
    )
    fine = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    batch_emulator.run_until_idle()

    failed = client.batches.retrieve(broken.id)
    assert failed.status == "failed" and failed.errors.data[0].code == "server_error"
    assert failed.failed_at is not None and failed.output_file_id is None
    assert client.batches.retrieve(fine.id).status == "completed"
    assert len(client.batches.list().data) == 2
    errors = batch_emulator.take_handler_errors()
    assert [(e["path"], "the disk went away" in e["error"]) for e in errors] == [(broken.id, True)]
