"""Every inference endpoint inside a batch, through the real SDK: each output line parses as that endpoint's
SDK type and OpenAPI schema, and holds the same answer the synchronous endpoint gives for the same body."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from tests.conftest import jsonl, parse_jsonl
from tests.e2e.inference_cases import CASES, IGNORE_VIDEO_DEPRECATION, check_answer, content_of, finished_answer

pytestmark = pytest.mark.filterwarnings(IGNORE_VIDEO_DEPRECATION)


def run_batch(client: Any, batch_emulator: Any, endpoint: str, bodies: list[dict[str, Any]]) -> tuple[Any, dict, dict]:
    """Upload one line per body, run the batch to the end; the batch and its output and error lines by custom_id."""
    lines = [{"custom_id": f"line-{i}", "method": "POST", "url": endpoint, "body": b} for i, b in enumerate(bodies)]
    file = client.files.create(file=("input.jsonl", jsonl(lines)), purpose="batch")
    batch = client.batches.create(input_file_id=file.id, endpoint=endpoint, completion_window="24h")
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)

    def read(file_id: str | None) -> dict[str, Any]:
        if file_id is None:
            return {}
        return {line["custom_id"]: line for line in parse_jsonl(client.files.content(file_id).content)}

    return done, read(done.output_file_id), read(done.error_file_id)


@pytest.mark.parametrize("name", list(CASES))
def test_batch_lines_parse_as_the_endpoint_answer_and_match_the_synchronous_one(client, batch_emulator, name):
    case = CASES[name]
    done, output, errors = run_batch(client, batch_emulator, case.endpoint, [case.body, case.body])
    assert done.status == "completed", done.errors
    assert done.request_counts.completed == 2 and not errors
    synchronous = finished_answer(client, batch_emulator, case)
    for custom_id in ("line-0", "line-1"):
        response = output[custom_id]["response"]
        assert response["status_code"] == 200
        check_answer(response["body"], case.sdk_type, case.schema)
        assert content_of(response["body"]) == content_of(synchronous)
    if "id" in synchronous:  # ids follow the custom_id, so two lines with one body still get their own ids
        assert output["line-0"]["response"]["body"]["id"] != output["line-1"]["response"]["body"]["id"]


def test_a_malformed_line_body_lands_in_the_error_file_with_the_synchronous_error(client, batch_emulator):
    good = CASES["chat"].body
    bad = {**good, "n": 500}
    done, output, errors = run_batch(client, batch_emulator, "/v1/chat/completions", [good, bad])
    assert done.status == "completed"
    assert done.request_counts.model_dump() == {"total": 2, "completed": 1, "failed": 1}
    assert list(output) == ["line-0"] and list(errors) == ["line-1"]
    line = errors["line-1"]
    assert line["response"]["status_code"] == 400
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(**bad)
    assert line["response"]["body"] == info.value.response.json()
    assert line["response"]["body"]["error"]["param"] == "n"
    assert line["response"]["body"]["error"]["code"] == "integer_above_max_value"


def test_a_line_whose_schema_demands_a_huge_instance_lands_in_the_error_file(client, batch_emulator):
    good = {**CASES["chat"].body, "n": 1}
    huge = {"type": "array", "items": {"type": "string"}, "minItems": 100_000_000}
    bad = {**good, "response_format": {"type": "json_schema", "json_schema": {"name": "tags", "schema": huge}}}
    done, output, errors = run_batch(client, batch_emulator, "/v1/chat/completions", [good, bad])
    assert done.status == "completed"
    assert done.request_counts.model_dump() == {"total": 2, "completed": 1, "failed": 1}
    assert list(output) == ["line-0"] and list(errors) == ["line-1"]
    response = errors["line-1"]["response"]
    assert response["status_code"] == 400
    error = response["body"]["error"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", "response_format", None)
    assert error["message"].startswith("Invalid schema for response_format 'tags': In context=()")
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(**bad)
    assert response["body"] == info.value.response.json()


def test_a_batch_of_embeddings_keeps_the_float_vectors_of_each_line(client, batch_emulator):
    bodies = [{"model": "text-embedding-3-large", "input": text, "encoding_format": "float"} for text in ("a", "b")]
    done, output, _ = run_batch(client, batch_emulator, "/v1/embeddings", bodies)
    vectors = [output[f"line-{i}"]["response"]["body"]["data"][0]["embedding"] for i in range(2)]
    assert [len(v) for v in vectors] == [3072, 3072]
    assert vectors[0] != vectors[1]
    assert done.usage.input_tokens == sum(
        output[f"line-{i}"]["response"]["body"]["usage"]["prompt_tokens"] for i in (0, 1)
    )


def test_a_streaming_line_fails_validation_while_the_same_body_streams_synchronously(client, batch_emulator):
    body = {**CASES["responses"].body, "stream": True}
    done, output, _ = run_batch(client, batch_emulator, "/v1/responses", [body])
    assert done.status == "failed" and not output
    error = done.errors.data[0]
    assert (error.code, error.param, error.line) == ("streaming_unsupported", "body.stream", 1)
    events = list(client.responses.create(**body))
    assert events[-1].type == "response.completed"
