"""Schemas that demand an enormous instance are refused with a 400, quickly and without building anything."""

from __future__ import annotations

import json
import random
import time
from typing import Any

import pytest
from fake_model_support import CHAT, RESPONSES, chat_body, ok, validate_instance

from emulator.engine.errors import EmulatorError, InvalidRequest
from emulator.fake_model import FakeModel
from emulator.fake_model.answer import schema_text
from emulator.fake_model.schema.instance import SchemaTooLarge, generate
from emulator.fake_model.schema.size import MAX_CHARS, MAX_VALUES, size_problem
from emulator.fake_model.tools import FunctionSpec, arguments_for

MANY_TAGS = {"type": "array", "items": {"type": "string"}, "minItems": 100_000_000}
LONG_TEXT = {"type": "string", "minLength": 1_000_000_000}
TAGGED = {"type": "object", "properties": {"tags": MANY_TAGS}, "required": ["tags"], "additionalProperties": False}


def _cube(width: int) -> dict[str, Any]:
    inner: dict[str, Any] = {"type": "integer"}
    for _ in range(3):
        inner = {"type": "array", "items": inner, "minItems": width}
    return inner


def _fan_out(levels: int) -> dict[str, Any]:
    """Each definition requires two of the next: 2**levels leaves from a schema of `levels` definitions."""
    defs: dict[str, Any] = {f"d{levels}": {"type": "integer"}}
    for i in range(levels):
        ref = {"$ref": f"#/$defs/d{i + 1}"}
        defs[f"d{i}"] = {"type": "object", "properties": {"a": ref, "b": ref}, "required": ["a", "b"]}
    return {"$defs": defs, "$ref": "#/$defs/d0"}


HUGE: list[tuple[str, dict[str, Any], str]] = [
    ("minItems", MANY_TAGS, "In context=(), the smallest instance has 100000001 JSON values"),
    ("minLength", LONG_TEXT, "In context=(), the smallest instance is 1000000003 characters long"),
    ("a repeat in the pattern", {"type": "string", "pattern": "^a{1000000000}$"}, "In context=()"),
    ("nested repeats", {"type": "string", "pattern": "((ab){1000}){1000}"}, "characters long"),
    ("minProperties", {"type": "object", "minProperties": 1_000_000_000}, "1000000001 JSON values"),
    ("a property", TAGGED, "In context=('properties', 'tags'), the smallest instance has 100000001"),
    ("arrays of arrays", _cube(100), "In context=(), the smallest instance has 1010101 JSON values"),
    ("references fanning out", _fan_out(24), "JSON values"),
    ("a required branch", {"allOf": [{"type": "object"}, TAGGED]}, "('properties', 'tags')"),
    ("every branch", {"anyOf": [MANY_TAGS, LONG_TEXT]}, "In context=('anyOf', "),
    (
        "a definition",
        {
            "$defs": {"tags": MANY_TAGS},
            "type": "object",
            "properties": {"t": {"$ref": "#/$defs/tags"}},
            "required": ["t"],
        },
        "In context=('$defs', 'tags')",
    ),
]


@pytest.mark.parametrize(("name", "schema", "expected"), HUGE, ids=[case[0] for case in HUGE])
def test_the_size_check_names_the_part_that_is_too_large(name: str, schema: dict[str, Any], expected: str) -> None:
    started = time.perf_counter()
    problem = size_problem(schema)
    assert problem is not None and expected in problem, problem
    assert f"exceeds the limit of {MAX_VALUES}." in problem or f"exceeds the limit of {MAX_CHARS}." in problem
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    "schema",
    [
        MANY_TAGS,
        LONG_TEXT,
        TAGGED,
        {"type": "string", "pattern": "^a{1000000000}$"},
        {"type": "object", "minProperties": 10**9},
    ],
)
def test_the_generator_refuses_before_it_builds_anything(schema: dict[str, Any]) -> None:
    started = time.perf_counter()
    with pytest.raises(SchemaTooLarge):
        generate(schema, random.Random(0))
    assert time.perf_counter() - started < 0.5


def test_a_huge_branch_beside_a_small_one_is_not_refused_and_never_taken() -> None:
    schema = {
        "type": "object",
        "properties": {
            "maybe": {"anyOf": [MANY_TAGS, {"type": "null"}]},
            "either": {"type": ["array", "null"], "items": {"type": "string"}, "minItems": 10**9},
            "list": {"type": "array", "items": {"anyOf": [LONG_TEXT, {"type": "integer"}]}},
        },
        "required": ["maybe", "either", "list"],
    }
    assert size_problem(schema) is None
    started = time.perf_counter()
    for seed in range(30):
        instance = generate(schema, random.Random(seed))
        validate_instance(instance, schema)
        assert instance["maybe"] is None and instance["either"] is None
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "items": {"type": "integer"}, "minItems": MAX_VALUES - 10},
        {"type": "string", "minLength": MAX_CHARS - 100},
        {"type": "string", "pattern": "^[a-f0-9]+$", "minLength": MAX_CHARS // 2},
        {"type": "array", "items": {"type": "string", "minLength": 20}, "minItems": 10_000},
    ],
    ids=["items", "string", "pattern", "strings"],
)
def test_a_large_instance_within_the_limits_is_written(schema: dict[str, Any]) -> None:
    assert size_problem(schema) is None
    validate_instance(generate(schema, random.Random(7)), schema)


def test_numbers_with_a_fine_step_over_a_wide_range_are_quick() -> None:
    schema = {"type": "number", "minimum": 0, "maximum": 1e12, "multipleOf": 0.5}
    started = time.perf_counter()
    for seed in range(20):
        validate_instance(generate(schema, random.Random(seed)), schema)
    assert time.perf_counter() - started < 0.5


def _format(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "big", "schema": schema}}


REFUSED: list[tuple[str, str, dict[str, Any], str, str | None, str]] = [
    (
        "chat response_format",
        CHAT,
        chat_body(response_format=_format(TAGGED)),
        "response_format",
        None,
        "response_format 'big'",
    ),
    (
        "responses text.format",
        RESPONSES,
        {
            "model": "gpt-4o-mini",
            "input": "x",
            "text": {"format": {"type": "json_schema", "name": "big", "schema": LONG_TEXT}},
        },
        "text.format.schema",
        "invalid_json_schema",
        "response_format 'big'",
    ),
    (
        "chat tool",
        CHAT,
        chat_body(tools=[{"type": "function", "function": {"name": "tag", "parameters": TAGGED}}]),
        "tools[0].function.parameters",
        "invalid_function_parameters",
        "function 'tag'",
    ),
    (
        "responses tool",
        RESPONSES,
        {
            "model": "gpt-4o-mini",
            "input": "x",
            "tools": [
                {"type": "function", "name": "small", "parameters": {"type": "object"}},
                {"type": "function", "name": "tag", "parameters": TAGGED},
            ],
        },
        "tools[1].parameters",
        "invalid_function_parameters",
        "function 'tag'",
    ),
]


@pytest.mark.parametrize(("name", "endpoint", "body", "param", "code", "subject"), REFUSED, ids=[c[0] for c in REFUSED])
def test_a_request_with_such_a_schema_gets_a_400(
    name: str, endpoint: str, body: dict[str, Any], param: str, code: str | None, subject: str
) -> None:
    model = FakeModel()
    started = time.perf_counter()
    result = model.respond(endpoint, body)
    assert time.perf_counter() - started < 0.5
    assert result.status_code == 400
    error = result.body["error"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", param, code)
    assert error["message"].startswith(f"Invalid schema for {subject}: In context=")
    with pytest.raises(EmulatorError) as info:  # a streamed request is refused before its first event
        model.stream_events(endpoint, {**body, "stream": True})
    assert info.value.param == param
    small = ok(model, CHAT, chat_body(response_format=_format({"type": "object", "properties": {}})))
    assert json.loads(small["choices"][0]["message"]["content"]) == {}


def test_an_instance_that_outgrows_the_limits_while_written_is_a_400_too() -> None:
    """The size check runs first, so this is a backstop: the writers refuse rather than build too much."""
    digest = bytes(64)
    with pytest.raises(InvalidRequest, match=r"^Invalid schema for response_format: an instance of the schema"):
        schema_text(digest, TAGGED)
    with pytest.raises(InvalidRequest) as info:
        arguments_for(FunctionSpec("tag", TAGGED), digest)
    assert info.value.code == "invalid_function_parameters"
    assert info.value.message.startswith("Invalid schema for function 'tag': ")
