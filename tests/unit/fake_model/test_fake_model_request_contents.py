"""What a body's fields hold gets the real API's 400s: /v1/responses input items and their content parts, chat
content parts, moderation and embedding inputs, and image options per model. Every valid variant still gets
an answer."""

from __future__ import annotations

from typing import Any

import pytest
from fake_model_support import IMAGE_EDITS, IMAGES, RESPONSES, ok

from emulator.fake_model import FakeModel
from emulator.fake_model.validation.items import RESPONSE_ITEM_TYPES
from tests.support.openapi import _document, check_schema, spec_path
from tests.support.request_cases import (
    ACCEPTED,
    INPUT_ITEMS,
    REJECTED,
    SIZE_CASES,
    UNTYPED_ITEMS,
    edit,
    generate,
    respond,
    responses_body,
)


@pytest.mark.parametrize(
    ("endpoint", "body", "param", "code", "message"), [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED]
)
def test_a_malformed_field_is_a_400_naming_it(
    endpoint: str, body: Any, param: str | None, code: str | None, message: str
) -> None:
    result = FakeModel().respond(endpoint, body)
    assert result.status_code == 400
    assert result.body == {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}


def test_an_unknown_item_type_lists_every_item_type() -> None:
    for bad in ({"type": "bogus_item"}, {"type": 7, "role": "user", "content": "x"}):
        error = FakeModel().respond(RESPONSES, respond(bad)).body["error"]
        assert (error["param"], error["code"]) == ("input[0]", "invalid_value")
        shown = bad["type"] if isinstance(bad["type"], str) else ""
        assert error["message"].startswith(
            f"Invalid value: '{shown}'. Supported values are: 'additional_tools', 'agent_message', 'apply_patch_call', "
        )
        assert error["message"].endswith(", 'tool_search_output', and 'web_search_call'.")
        assert all(f"'{kind}'" in error["message"] for kind in RESPONSE_ITEM_TYPES)


@pytest.mark.parametrize("kind", sorted(INPUT_ITEMS))
def test_every_input_item_type_is_accepted(kind: str) -> None:
    ok(FakeModel(), RESPONSES, responses_body(INPUT_ITEMS[kind]))


@pytest.mark.parametrize("name", list(UNTYPED_ITEMS))
def test_messages_and_references_without_a_type_are_accepted(name: str) -> None:
    ok(FakeModel(), RESPONSES, responses_body(UNTYPED_ITEMS[name]))


def test_the_accepted_item_types_are_those_with_an_example() -> None:
    assert set(INPUT_ITEMS) == set(RESPONSE_ITEM_TYPES)


def _input_item_types() -> dict[str, list[str]]:
    """Each `type` value under the document's InputItem, with the component schemas that declare it."""
    schemas = _document(str(spec_path()))["components"]["schemas"]
    found: dict[str, list[str]] = {}

    def visit(name: str) -> None:
        schema = schemas[name]
        for branch in schema.get("oneOf", ()):
            visit(branch["$ref"].rsplit("/", 1)[1])
        if "oneOf" in schema:
            return
        declared = schema["properties"]["type"]
        for option in [declared, *declared.get("anyOf", ())]:
            for value in option.get("enum", ()):
                found.setdefault(value, []).append(name)

    visit("InputItem")
    return found


def test_every_input_item_type_of_the_document_is_accepted_and_the_examples_follow_it() -> None:
    declared = _input_item_types()
    assert set(declared) <= set(RESPONSE_ITEM_TYPES)
    for kind, components in declared.items():
        problems = []
        for component in components:
            try:
                check_schema(INPUT_ITEMS[kind], component)
            except AssertionError as problem:
                problems.append(str(problem))
            else:
                break
        else:
            pytest.fail(f"the {kind} example fits none of {components}: {problems}")


@pytest.mark.parametrize(("endpoint", "body"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_valid_variants_are_answered(endpoint: str, body: dict[str, Any]) -> None:
    ok(FakeModel(), endpoint, body)


@pytest.mark.parametrize(("endpoint", "body"), [c[1:] for c in SIZE_CASES], ids=[c[0] for c in SIZE_CASES])
def test_every_size_a_model_takes_is_accepted(endpoint: str, body: dict[str, Any]) -> None:
    ok(FakeModel(), endpoint, body)


@pytest.mark.parametrize("quality", ["low", "medium", "high", "auto"])
@pytest.mark.parametrize("model", ["gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2"])
def test_every_gpt_image_quality_is_accepted(model: str, quality: str) -> None:
    ok(FakeModel(), IMAGES, generate(model=model, quality=quality))
    ok(FakeModel(), IMAGE_EDITS, edit(model=model, quality=quality))
