"""Validation and resumable reading of Batch API input files, checked against the fixtures in fixtures/inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from emulator.batches.input import LineError, validate_batch_input
from emulator.batches.request_lines import RequestLine, iter_request_lines
from emulator.config import Limits
from emulator.fake_model.catalogue import DEFAULT_MODELS

INPUTS = Path(__file__).resolve().parents[2] / "fixtures" / "inputs"
CHAT = "/v1/chat/completions"
LIMITS = Limits()


def known(model: str) -> bool:
    return model in DEFAULT_MODELS


def validate(name: str, endpoint: str = CHAT, limits: Limits = LIMITS) -> Any:
    return validate_batch_input(INPUTS / name, endpoint, limits, known_model=known)


def request(custom_id: str, content: str = "hi", *, url: str = CHAT, **body: Any) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": url,
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}], **body},
    }


def write_jsonl(path: Path, lines: list[Any], ending: bytes = b"\n") -> Path:
    path.write_bytes(b"".join((line if isinstance(line, bytes) else orjson.dumps(line)) + ending for line in lines))
    return path


MISSING = "Missing required parameter: '{}'."
DUPLICATE = (
    "The custom_id 'task-1' for this request is a duplicate of another request. "
    "The custom_id parameter must be unique for each request in a batch."
)
MISMATCHED = (
    "The model 'gpt-4.1-mini' for this request does not match the rest of the batch. "
    "Each batch must contain requests for a single model."
)
NOT_JSON = "This line is not parseable as valid JSON."
BAD_URL = "The URL provided for this request does not match the batch endpoint."
BAD_METHOD = "The method 'GET' is not supported for batch requests. Only 'POST' is supported."
BAD_CUSTOM_ID = "Invalid type for 'custom_id': expected a string, but got an integer instead."

# fixture -> the errors it must produce, as (code, line, param, message)
ERROR_FIXTURES: dict[str, list[tuple[str, int | None, str | None, str]]] = {
    "invalid_json_line.jsonl": [("invalid_json_line", 2, None, NOT_JSON)],
    "missing_custom_id.jsonl": [("missing_required_parameter", 2, "custom_id", MISSING.format("custom_id"))],
    "missing_method.jsonl": [("missing_required_parameter", 2, "method", MISSING.format("method"))],
    "missing_url.jsonl": [("missing_required_parameter", 2, "url", MISSING.format("url"))],
    "missing_body.jsonl": [("missing_required_parameter", 2, "body", MISSING.format("body"))],
    "invalid_url.jsonl": [("invalid_url", 2, "url", BAD_URL)],
    "invalid_method.jsonl": [("invalid_method", 2, "method", BAD_METHOD)],
    "invalid_custom_id.jsonl": [("invalid_request", 2, "custom_id", BAD_CUSTOM_ID)],
    "invalid_body.jsonl": [
        ("invalid_request", 2, "body", "Invalid type for 'body': expected an object, but got a string instead.")
    ],
    "duplicate_custom_id.jsonl": [("duplicate_custom_id", 3, None, DUPLICATE)],
    "mismatched_model.jsonl": [("mismatched_model", 3, None, MISMATCHED)],
    "streaming_unsupported.jsonl": [
        ("streaming_unsupported", 2, "body.stream", "Chat Completions: Streaming is not supported in the Batch API.")
    ],
    "missing_model.jsonl": [("invalid_request", 2, "body.model", "Model parameter is required.")],
    "missing_messages.jsonl": [("invalid_request", 2, "body.messages", "Messages parameter is required.")],
    "model_not_found.jsonl": [
        ("model_not_found", 2, "body.model", "The provided model 'gpt-2' is not supported by the Batch API.")
    ],
    "empty_file.jsonl": [
        ("empty_file", None, None, "The batch input file is empty. Please provide a file with at least one request.")
    ],
    "interior_blank_line.jsonl": [("invalid_json_line", 2, None, NOT_JSON)],
    "several_errors.jsonl": [
        ("invalid_json_line", 2, None, NOT_JSON),
        ("missing_required_parameter", 4, "custom_id", MISSING.format("custom_id")),
        ("streaming_unsupported", 5, "body.stream", "Chat Completions: Streaming is not supported in the Batch API."),
        ("invalid_url", 7, "url", BAD_URL),
    ],
}

VALID_FIXTURES = {
    "chat_completions.jsonl": ("/v1/chat/completions", "gpt-4o-mini", 4),
    "completions.jsonl": ("/v1/completions", "gpt-3.5-turbo-instruct", 3),
    "embeddings.jsonl": ("/v1/embeddings", "text-embedding-3-small", 4),
    "responses.jsonl": ("/v1/responses", "gpt-4.1-mini", 3),
    "moderations.jsonl": ("/v1/moderations", "omni-moderation-latest", 3),
    "images_generations.jsonl": ("/v1/images/generations", "gpt-image-1", 3),
    "images_edits.jsonl": ("/v1/images/edits", "gpt-image-1", 3),
    "videos.jsonl": ("/v1/videos", "sora-2", 3),
    "sample_batch.jsonl": (CHAT, "gpt-4o-mini", 12),
    "trailing_blank_lines.jsonl": (CHAT, "gpt-4o-mini", 3),
}


@pytest.mark.parametrize("name", sorted(ERROR_FIXTURES))
def test_error_fixture_reports_exactly_its_errors(name: str) -> None:
    report = validate(name)
    assert [(e.code, e.line, e.param, e.message) for e in report.errors] == ERROR_FIXTURES[name]


@pytest.mark.parametrize("name", sorted(VALID_FIXTURES))
def test_valid_fixture_passes_with_its_model_and_count(name: str) -> None:
    endpoint, model, count = VALID_FIXTURES[name]
    report = validate(name, endpoint)
    assert report.errors == []
    assert (report.model, report.total_requests) == (model, count)
    assert report.input_bytes == (INPUTS / name).stat().st_size


def test_every_fixture_file_is_covered_by_a_test() -> None:
    on_disk = {path.name for path in INPUTS.glob("*.jsonl")}
    assert on_disk == set(ERROR_FIXTURES) | set(VALID_FIXTURES)


def test_embedding_inputs_are_counted_per_string_and_per_token_array() -> None:
    # one string, a list of three strings, one token array, one string
    assert validate("embeddings.jsonl", "/v1/embeddings").embedding_inputs == 6


@pytest.mark.parametrize(
    ("endpoint", "label"),
    [
        ("/v1/completions", "Completions"),
        ("/v1/embeddings", "Embeddings"),
        ("/v1/responses", "Responses"),
        ("/v1/moderations", "Moderations"),
    ],
)
def test_streaming_message_names_the_endpoint(tmp_path: Path, endpoint: str, label: str) -> None:
    line = {"custom_id": "a", "method": "POST", "url": endpoint, "body": {"model": "m", "input": "x", "prompt": "x"}}
    line["body"]["stream"] = True
    report = validate_batch_input(write_jsonl(tmp_path / "in.jsonl", [line]), endpoint, LIMITS)
    assert [e.message for e in report.errors] == [f"{label}: Streaming is not supported in the Batch API."]


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [
        ("/v1/embeddings", "input"),
        ("/v1/moderations", "input"),
        ("/v1/responses", "input"),
        ("/v1/completions", "prompt"),
        ("/v1/images/generations", "prompt"),
        ("/v1/videos", "prompt"),
    ],
)
def test_each_endpoint_requires_its_input(tmp_path: Path, endpoint: str, field: str) -> None:
    line = {"custom_id": "a", "method": "POST", "url": endpoint, "body": {"model": "m"}}
    report = validate_batch_input(write_jsonl(tmp_path / "in.jsonl", [line]), endpoint, LIMITS)
    assert [(e.code, e.param, e.message) for e in report.errors] == [
        ("invalid_request", f"body.{field}", f"{field.capitalize()} parameter is required.")
    ]


def test_responses_accept_a_stored_prompt_instead_of_input(tmp_path: Path) -> None:
    body = {"model": "gpt-4.1-mini", "prompt": {"id": "pmpt_abc", "variables": {"city": "Oslo"}}}
    line = {"custom_id": "a", "method": "POST", "url": "/v1/responses", "body": body}
    assert validate_batch_input(write_jsonl(tmp_path / "in.jsonl", [line]), "/v1/responses", LIMITS).errors == []


def test_problems_on_one_line_are_each_reported(tmp_path: Path) -> None:
    line = {"method": "PUT", "url": "/v1/chat/completions", "body": {"stream": True}}
    report = validate_batch_input(write_jsonl(tmp_path / "in.jsonl", [line]), CHAT, LIMITS)
    assert [(e.code, e.param, e.line) for e in report.errors] == [
        ("missing_required_parameter", "custom_id", 1),
        ("invalid_method", "method", 1),
        ("invalid_request", "body.model", 1),
        ("streaming_unsupported", "body.stream", 1),
        ("invalid_request", "body.messages", 1),
    ]


def test_json_that_is_not_an_object_is_an_invalid_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [request("a"), b'["a", "b"]', b'"text"', b"42"])
    report = validate_batch_input(path, CHAT, LIMITS)
    assert [(e.code, e.line) for e in report.errors] == [("invalid_json_line", n) for n in (2, 3, 4)]
    assert report.total_requests == 4


def test_every_line_with_an_unknown_model_is_reported(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [request("a", model="gpt-2"), request("b", model="gpt-2")])
    report = validate_batch_input(path, CHAT, LIMITS, known_model=known)
    assert [(e.code, e.line) for e in report.errors] == [("model_not_found", 1), ("model_not_found", 2)]
    assert report.model == "gpt-2"


def test_model_is_not_checked_without_a_predicate(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [request("a", model="my-local-model")])
    report = validate_batch_input(path, CHAT, LIMITS)
    assert (report.errors, report.model) == ([], "my-local-model")


def test_a_duplicate_is_reported_on_every_repeat(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [request("x"), request("y"), request("x"), request("x")])
    report = validate_batch_input(path, CHAT, LIMITS)
    assert [(e.code, e.line) for e in report.errors] == [("duplicate_custom_id", 3), ("duplicate_custom_id", 4)]


def test_ids_that_share_a_digest_are_not_duplicates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("emulator.batches.input._DIGEST_MASK", 0)  # every id gets the same digest
    path = write_jsonl(tmp_path / "in.jsonl", [request(name) for name in ("a", "b", "a", "c", "b", "d")])
    report = validate_batch_input(path, CHAT, LIMITS)
    assert [(e.code, e.line) for e in report.errors] == [("duplicate_custom_id", 3), ("duplicate_custom_id", 5)]
    assert "'a'" in report.errors[0].message and "'b'" in report.errors[1].message


# Blank-line policy: trailing whitespace-only lines are ignored; any other blank line is invalid JSON.


def test_trailing_blank_lines_are_ignored_and_not_counted(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(orjson.dumps(request("a")) + b"\n" + orjson.dumps(request("b")) + b"\n\n \t\n\r\n")
    report = validate_batch_input(path, CHAT, LIMITS)
    assert (report.errors, report.total_requests) == ([], 2)


def test_last_line_without_newline_is_read(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(orjson.dumps(request("a")) + b"\n" + orjson.dumps(request("b")))
    assert validate_batch_input(path, CHAT, LIMITS).total_requests == 2
    assert [r.custom_id for _, r in iter_request_lines(path)] == ["a", "b"]


def test_leading_and_interior_blank_lines_are_each_invalid(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [b"", request("a"), b"  ", b"", request("b"), b""])
    report = validate_batch_input(path, CHAT, LIMITS)
    assert [(e.code, e.line) for e in report.errors] == [("invalid_json_line", n) for n in (1, 3, 4)]
    assert report.total_requests == 2


def test_crlf_line_endings_are_accepted(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [request("a"), request("b")], ending=b"\r\n")
    assert validate_batch_input(path, CHAT, LIMITS).errors == []


def test_file_of_only_blank_lines_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n\n")
    assert [e.code for e in validate_batch_input(path, CHAT, LIMITS).errors] == ["empty_file"]


# Limits


def test_too_many_requests_is_a_file_level_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [request(f"r{i}") for i in range(4)])
    report = validate_batch_input(path, CHAT, Limits(batch_max_requests=3))
    assert report.errors == [
        LineError(
            "too_many_requests",
            "The batch input file has 4 requests, more than the 3 maximum per batch. "
            "Please try again with a smaller batch.",
            None,
            None,
        )
    ]
    assert validate_batch_input(path, CHAT, Limits(batch_max_requests=4)).errors == []


def test_file_level_errors_come_before_line_errors(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [request("a"), b"{", request("c"), request("d")])
    report = validate_batch_input(path, CHAT, Limits(batch_max_requests=3))
    assert [(e.code, e.line) for e in report.errors] == [("too_many_requests", None), ("invalid_json_line", 2)]


def test_oversized_file_is_rejected_with_the_real_message(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [b"not json", request("a"), request("b")])
    limit = path.stat().st_size - 1
    report = validate_batch_input(path, CHAT, Limits(batch_max_bytes=limit))
    assert report.errors == [
        LineError(
            "file_too_large",
            f"The batch input file is larger than the {limit} maximum for the gpt-4o-mini model. "
            "Please try again with a smaller batch.",
            None,
            None,
        )
    ]
    assert (report.input_bytes, report.model) == (limit + 1, "gpt-4o-mini")
    assert validate_batch_input(path, CHAT, Limits(batch_max_bytes=limit + 1)).errors[0].code == "invalid_json_line"


def test_embedding_input_limit_counts_inputs_not_lines(tmp_path: Path) -> None:
    def embed(custom_id: str, value: Any) -> dict[str, Any]:
        body = {"model": "text-embedding-3-small", "input": value}
        return {"custom_id": custom_id, "method": "POST", "url": "/v1/embeddings", "body": body}

    lines = [embed("a", ["x", "y", "z"]), embed("b", [[1, 2], [3, 4]]), embed("c", [5, 6, 7])]
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    assert validate_batch_input(path, "/v1/embeddings", Limits(batch_max_embedding_inputs=6)).embedding_inputs == 6
    report = validate_batch_input(path, "/v1/embeddings", Limits(batch_max_embedding_inputs=5))
    assert [(e.code, e.line) for e in report.errors] == [("too_many_embedding_inputs", None)]
    assert "6 embedding inputs" in report.errors[0].message and "5 maximum" in report.errors[0].message


def test_error_list_is_capped_but_counts_stay_exact(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [b"nope"] * 10 + [request("a")])
    report = validate_batch_input(path, CHAT, Limits(batch_max_requests=5), max_errors=3)
    assert [(e.code, e.line) for e in report.errors] == [
        ("too_many_requests", None),
        ("invalid_json_line", 1),
        ("invalid_json_line", 2),
        ("invalid_json_line", 3),
    ]
    assert report.total_requests == 11


def test_large_generated_file_validates(tmp_path: Path) -> None:
    lines = [request(f"request-{i:06d}", f"Question number {i}?", max_tokens=64) for i in range(50_000)]
    lines[31_337]["custom_id"] = "request-000007"
    report = validate_batch_input(write_jsonl(tmp_path / "big.jsonl", lines), CHAT, LIMITS, known_model=known)
    assert report.total_requests == 50_000
    assert [(e.code, e.line) for e in report.errors] == [("duplicate_custom_id", 31_338)]


# Resumable reading


def test_iteration_yields_every_request_with_its_line_and_end_offset() -> None:
    path = INPUTS / "sample_batch.jsonl"
    data = path.read_bytes()
    pairs = list(iter_request_lines(path))
    assert [r.line for _, r in pairs] == list(range(1, 13))
    assert [r.custom_id for _, r in pairs] == [f"sample-{i:02d}" for i in range(1, 13)]
    assert all(data[offset - 1 : offset] == b"\n" for offset, _ in pairs)
    assert pairs[-1][0] == len(data)
    assert pairs[3][1].body["tools"][0]["function"]["name"] == "get_weather"


@pytest.mark.parametrize("stop_after", [0, 1, 5, 11, 12])
def test_resuming_from_a_saved_cursor_matches_a_full_pass(stop_after: int) -> None:
    path = INPUTS / "sample_batch.jsonl"
    full = list(iter_request_lines(path))
    offset, line = (full[stop_after - 1][0], stop_after) if stop_after else (0, 0)
    assert list(iter_request_lines(path, offset, line)) == full[stop_after:]


def test_iteration_skips_trailing_blank_lines() -> None:
    requests = [r for _, r in iter_request_lines(INPUTS / "trailing_blank_lines.jsonl")]
    assert [r.custom_id for r in requests] == ["task-1", "task-2", "task-3"]


def test_iteration_refuses_a_line_that_is_not_a_request(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [request("a"), b"[1, 2]"])
    reader = iter_request_lines(path)
    assert next(reader)[1] == RequestLine(1, "a", request("a")["body"])
    with pytest.raises(ValueError, match="line 2"):
        next(reader)


def test_a_line_over_the_line_limit_is_counted_and_reported_once(tmp_path: Path) -> None:
    big = request("big")
    big["body"]["messages"] = [{"role": "user", "content": "x" * 1000}]
    path = write_jsonl(tmp_path / "in.jsonl", [request("a"), big, request("c")])
    report = validate_batch_input(path, CHAT, Limits(batch_max_line_bytes=500))
    assert [(e.code, e.line) for e in report.errors] == [("line_too_large", 2)]
    assert report.total_requests == 3
    assert validate_batch_input(path, CHAT, Limits()).errors == []
