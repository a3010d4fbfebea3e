"""Property tests: generated instances validate against generated JSON schemas and tool definitions."""

from __future__ import annotations

import json
import random
from typing import Any

import jsonschema
import pytest
from fake_model_support import CHAT, RESPONSES, chat_body, ok, validate_instance
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.fake_model import FakeModel
from emulator.fake_model.json_schema import generate

NAMES = st.sampled_from(["id", "name", "count", "when", "tags", "owner", "score", "kind", "note", "link"])
FORMATS = ["date-time", "date", "time", "email", "uuid", "uri", "hostname", "ipv4", "ipv6"]
PATTERNS = [
    r"^[A-Z]{2}-\d{3}$",
    r"^[a-z]+(_[a-z]+)*$",
    r"^\d{4}-\d{2}$",
    r"^(red|green|blue)$",
    r"^v\d+\.\d+$",
    r"x[0-9a-f]{2,4}",
]


@st.composite
def strings(draw: st.DrawFn) -> dict[str, Any]:
    choice = draw(st.integers(0, 4))
    if choice == 0:
        return {"type": "string", "format": draw(st.sampled_from(FORMATS))}
    if choice == 1:
        return {"type": "string", "pattern": draw(st.sampled_from(PATTERNS))}
    if choice == 2:
        return {"type": "string", "enum": draw(st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=4))}
    low = draw(st.integers(0, 12))
    return {"type": "string", "minLength": low, "maxLength": low + draw(st.integers(0, 10))}


@st.composite
def integers(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer"}
    low = draw(st.integers(-1000, 1000))
    step = draw(st.sampled_from([None, 1, 2, 5, 7, 10]))
    width = draw(st.integers(2 + (step or 0) * 2, 500))
    if draw(st.booleans()):
        schema["minimum" if draw(st.booleans()) else "exclusiveMinimum"] = low
    if draw(st.booleans()):
        schema["maximum" if draw(st.booleans()) else "exclusiveMaximum"] = low + width
    if step:
        schema["multipleOf"] = step
    return schema


@st.composite
def numbers(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(st.floats(-1e4, 1e4, allow_nan=False))
    width = draw(st.floats(0.5, 1e3))
    schema: dict[str, Any] = {"type": "number", "minimum": low, "maximum": low + width}
    if draw(st.booleans()):
        schema["exclusiveMinimum"] = schema.pop("minimum")
    return schema


SCALARS = st.one_of(
    strings(),
    integers(),
    numbers(),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.sampled_from([{"type": ["string", "null"]}, {"type": ["integer", "null"], "minimum": 3}, {"const": "fixed"}]),
    st.lists(st.one_of(st.integers(-5, 5), st.text(max_size=4), st.none()), min_size=1, max_size=4).map(
        lambda values: {"enum": values}
    ),
)
DISJOINT_ONE_OF = st.sampled_from(
    [
        {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        {"oneOf": [{"type": "boolean"}, {"type": "null"}, {"type": "string", "format": "uuid"}]},
        {
            "oneOf": [
                {"type": "object", "properties": {"kind": {"const": "a"}}, "required": ["kind"]},
                {
                    "type": "object",
                    "properties": {"kind": {"const": "b"}, "n": {"type": "integer"}},
                    "required": ["kind"],
                },
            ]
        },
    ]
)


def objects_of(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def objects(draw: st.DrawFn) -> dict[str, Any]:
        properties = draw(st.dictionaries(NAMES, children, max_size=4))
        required = [name for name in properties if draw(st.booleans())]
        schema: dict[str, Any] = {"type": "object", "properties": properties, "required": required}
        if draw(st.booleans()):
            schema["additionalProperties"] = False
        return schema

    return objects()


def containers(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def arrays(draw: st.DrawFn) -> dict[str, Any]:
        low = draw(st.integers(0, 3))
        schema: dict[str, Any] = {"type": "array", "items": draw(children), "minItems": low}
        if draw(st.booleans()):
            schema["maxItems"] = low + draw(st.integers(0, 3))
        return schema

    any_of = st.lists(children, min_size=1, max_size=3).map(lambda branches: {"anyOf": branches})
    return st.one_of(objects_of(children), arrays(), any_of, DISJOINT_ONE_OF)


SCHEMAS = st.recursive(SCALARS, containers, max_leaves=12)


@st.composite
def with_definitions(draw: st.DrawFn) -> dict[str, Any]:
    """A root object whose properties use `$ref`s into `$defs`, sometimes nullable."""
    shared = draw(SCHEMAS)
    root: dict[str, Any] = {
        "type": "object",
        "$defs": {"shared": shared},
        "properties": {
            "first": {"$ref": "#/$defs/shared"},
            "many": {"type": "array", "items": {"$ref": "#/$defs/shared"}},
        },
        "required": ["first", "many"],
        "additionalProperties": False,
    }
    if draw(st.booleans()):
        root["properties"]["maybe"] = {"anyOf": [{"$ref": "#/$defs/shared"}, {"type": "null"}]}
        root["required"].append("maybe")
    return root


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SCHEMAS, st.integers(0, 2**32))
def test_instances_validate_against_generated_schemas(schema: dict[str, Any], seed: int) -> None:
    validate_instance(generate(schema, random.Random(seed)), schema)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(with_definitions(), st.integers(0, 2**32))
def test_instances_validate_through_refs(schema: dict[str, Any], seed: int) -> None:
    validate_instance(generate(schema, random.Random(seed)), schema)


TREE = {
    "type": "object",
    "$defs": {
        "node": {
            "type": "object",
            "properties": {
                "label": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 3},
                "parent": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]},
            },
            "required": ["label", "children", "parent"],
            "additionalProperties": False,
        }
    },
    "properties": {"root": {"$ref": "#/$defs/node"}},
    "required": ["root"],
}


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


def test_recursive_schemas_stay_finite_and_valid() -> None:
    for seed in range(40):
        instance = generate(TREE, random.Random(seed))
        validate_instance(instance, TREE)
        assert depth(instance) < 40


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(objects_of(SCHEMAS), min_size=1, max_size=4), st.integers(0, 99))
def test_tool_call_arguments_validate_against_parameters(parameter_sets: list[dict[str, Any]], seed: int) -> None:
    tools = [
        {"type": "function", "function": {"name": f"tool_{i}", "parameters": params}}
        for i, params in enumerate(parameter_sets)
    ]
    body = ok(FakeModel(seed=seed), CHAT, chat_body(tools=tools, tool_choice="required"))
    calls = body["choices"][0]["message"]["tool_calls"]
    assert 1 <= len(calls) <= min(3, len(tools))
    for call in calls:
        index = int(call["function"]["name"].split("_")[1])
        validate_instance(json.loads(call["function"]["arguments"]), parameter_sets[index])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(with_definitions(), st.integers(0, 99))
def test_structured_outputs_validate_end_to_end(schema: dict[str, Any], seed: int) -> None:
    chat = ok(
        FakeModel(seed=seed),
        CHAT,
        chat_body(response_format={"type": "json_schema", "json_schema": {"name": "s", "schema": schema}}),
    )
    validate_instance(json.loads(chat["choices"][0]["message"]["content"]), schema)
    fmt = {"format": {"type": "json_schema", "name": "s", "schema": schema}}
    answer = ok(FakeModel(seed=seed), RESPONSES, {"model": "gpt-4.1", "input": "x", "text": fmt})
    validate_instance(json.loads(answer["output"][0]["content"][0]["text"]), schema)


def test_the_format_checker_used_here_rejects_bad_values() -> None:
    for fmt in FORMATS:
        with pytest.raises(jsonschema.ValidationError):
            validate_instance("not valid at all!", {"type": "string", "format": fmt})
