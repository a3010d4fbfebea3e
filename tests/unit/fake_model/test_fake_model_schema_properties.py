"""Property tests: generated instances validate against generated JSON schemas and tool definitions."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import jsonschema
import pytest
from fake_model_support import CHAT, RESPONSES, chat_body, ok, validate_instance
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.fake_model import FakeModel
from emulator.fake_model.schema.instance import SchemaError, generate
from emulator.fake_model.schema.size import size_problem

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
# Patterns with the lengths of the strings they match: (pattern, shortest, longest or None for any length).
# A pattern that is not anchored at both ends matches strings of any length above its shortest.
SIZED_PATTERNS: list[tuple[str, int, int | None]] = [
    (r"^[A-Z]{2}-\d{3}$", 6, 6),
    (r"^[a-z]+(_[a-z]+)*$", 1, None),
    (r"^\d{4}-\d{2}$", 7, 7),
    (r"^(red|green|blue)$", 3, 5),
    (r"^v\d+\.\d+$", 4, None),
    (r"x[0-9a-f]{2,4}", 3, None),
    (r"^[a-z]+$", 1, None),
    (r"^[A-Za-z0-9_]{3,16}$", 3, 16),
    (r"\d+", 1, None),
    (r"^[a-z]{2,}", 2, None),
    (r"^(foo|bar)-\d{1,3}$", 5, 7),
    (r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", 6, None),
    (r"^#[0-9a-fA-F]{6}$", 7, 7),
    (r"^[A-Z][a-z]*( [A-Z][a-z]*)*$", 1, None),
    (r"^\+?[0-9]{7,15}$", 7, 16),
    (r"^(?!admin$)[a-z]{3,12}$", 3, 12),
]
# Formats with the lengths of the values the generator writes: (shortest, longest, can be made longer).
FORMAT_LENGTHS: dict[str, tuple[int, int, bool]] = {
    "date-time": (20, 20, True),
    "date": (10, 10, False),
    "time": (9, 9, True),
    "email": (21, 31, True),
    "uuid": (36, 36, False),
    "uri": (26, 33, True),
    "hostname": (16, 21, True),
    "ipv4": (7, 15, False),
    "ipv6": (15, 39, False),
}
PATTERNED_FORMATS = [
    {"format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
    {"format": "email", "pattern": r"@example\.com$", "minLength": 30},
    {"format": "uuid", "pattern": r"^[0-9a-f]{8}-[0-9a-f]{4}-4"},
    {"format": "date-time", "pattern": r"^20\d\d-", "minLength": 24, "maxLength": 40},
]


@st.composite
def sized_patterns(draw: st.DrawFn) -> dict[str, Any]:
    """A `pattern` with `minLength` and/or `maxLength` that some matching string satisfies."""
    pattern, shortest, longest = draw(st.sampled_from(SIZED_PATTERNS))
    length = draw(st.integers(shortest, longest if longest is not None else shortest + 60))
    schema: dict[str, Any] = {"type": "string", "pattern": pattern}
    bounds = draw(st.sampled_from(["min", "max", "both"]))
    if bounds in ("min", "both"):
        schema["minLength"] = max(0, length - draw(st.integers(0, 3)))
    if bounds in ("max", "both"):
        schema["maxLength"] = length + draw(st.integers(0, 5))
    return schema


@st.composite
def sized_formats(draw: st.DrawFn) -> dict[str, Any]:
    """A `format` with `minLength` and/or `maxLength` that some value of the format satisfies."""
    fmt = draw(st.sampled_from(sorted(FORMAT_LENGTHS)))
    shortest, longest, stretches = FORMAT_LENGTHS[fmt]
    low = draw(st.integers(0, 120 if stretches else shortest))
    schema: dict[str, Any] = {"type": "string", "format": fmt, "minLength": low}
    if draw(st.booleans()):
        schema["maxLength"] = max(low + 3, longest) + draw(st.integers(0, 5))
    return schema


@st.composite
def strings(draw: st.DrawFn) -> dict[str, Any]:
    choice = draw(st.integers(0, 7))
    if choice == 0:
        return {"type": "string", "format": draw(st.sampled_from(FORMATS))}
    if choice == 1:
        return {"type": "string", "pattern": draw(st.sampled_from(PATTERNS))}
    if choice == 2:
        return {"type": "string", "enum": draw(st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=4))}
    if choice == 3:
        return draw(sized_patterns())
    if choice == 4:
        return draw(sized_formats())
    if choice == 5:
        return {"type": "string", **draw(st.sampled_from(PATTERNED_FORMATS))}
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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        sized_patterns(), sized_formats(), st.sampled_from(PATTERNED_FORMATS).map(lambda s: {"type": "string", **s})
    ),
    st.integers(0, 2**32),
)
def test_patterns_and_formats_honour_length_bounds(schema: dict[str, Any], seed: int) -> None:
    validate_instance(generate(schema, random.Random(seed)), schema)


@st.composite
def objects_of_sized_strings(draw: st.DrawFn) -> dict[str, Any]:
    """An object whose properties are all required, length-bound pattern or format strings."""
    properties = draw(st.dictionaries(NAMES, st.one_of(sized_patterns(), sized_formats()), min_size=1, max_size=5))
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects_of_sized_strings(), st.integers(0, 99))
def test_required_length_bound_strings_are_all_answered_end_to_end(schema: dict[str, Any], seed: int) -> None:
    instance = generate(schema, random.Random(seed))
    validate_instance(instance, schema)
    assert set(instance) == set(schema["required"])
    model = FakeModel(seed=seed)
    chat = ok(
        model, CHAT, chat_body(response_format={"type": "json_schema", "json_schema": {"name": "s", "schema": schema}})
    )
    validate_instance(json.loads(chat["choices"][0]["message"]["content"]), schema)
    tools = [{"type": "function", "function": {"name": "record", "parameters": schema}}]
    called = ok(model, CHAT, chat_body(tools=tools, tool_choice="required"))
    validate_instance(json.loads(called["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]), schema)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(SCHEMAS, with_definitions(), objects_of_sized_strings()))
def test_ordinary_schemas_are_within_the_size_limits(schema: dict[str, Any]) -> None:
    assert size_problem(schema) is None


LOWERCASE_CODE = {"type": "string", "pattern": "^[a-z]+$", "minLength": 5}


def test_a_pattern_with_a_minimum_length_is_honoured_for_every_seed() -> None:
    """Regression: the pattern alone gave short strings, so 50 of 50 seeds failed and the answer became `{}`."""
    wrapped = {
        "type": "object",
        "properties": {"code": LOWERCASE_CODE, "count": {"type": "integer"}},
        "required": ["code", "count"],
        "additionalProperties": False,
    }
    response_format = {"type": "json_schema", "json_schema": {"name": "code", "schema": wrapped}}
    tools = [{"type": "function", "function": {"name": "record", "parameters": wrapped}}]
    for seed in range(50):
        validate_instance(generate(LOWERCASE_CODE, random.Random(seed)), LOWERCASE_CODE)
        model = FakeModel(seed=seed)
        content = json.loads(
            ok(model, CHAT, chat_body(response_format=response_format))["choices"][0]["message"]["content"]
        )
        validate_instance(content, wrapped)
        call = ok(model, CHAT, chat_body(tools=tools, tool_choice="required"))["choices"][0]["message"]["tool_calls"][0]
        validate_instance(json.loads(call["function"]["arguments"]), wrapped)


def test_an_unsatisfiable_string_still_answers_every_required_property() -> None:
    """A pattern that cannot meet its length bounds: the answer keeps the pattern and every required property."""
    impossible = {"type": "string", "pattern": "^[a-z]{3}$", "minLength": 5}
    schema = {
        "type": "object",
        "properties": {"code": impossible, "count": {"type": "integer", "minimum": 1, "maximum": 5}},
        "required": ["code", "count"],
    }
    with pytest.raises(SchemaError):
        generate(schema, random.Random(0))
    response_format = {"type": "json_schema", "json_schema": {"name": "code", "schema": schema}}
    for seed in range(10):
        body = ok(FakeModel(seed=seed), CHAT, chat_body(response_format=response_format))
        content = json.loads(body["choices"][0]["message"]["content"])
        assert set(content) == {"code", "count"}
        assert re.fullmatch("[a-z]{3}", content["code"])
        validate_instance(content["count"], schema["properties"]["count"])
