"""Checks of what a request's structured fields hold: chat messages' and responses items' content parts,
`/v1/responses` input items, moderation and embedding input lists, `tools` / `tool_choice`, and the
structured-output formats (a JSON schema too large for the fake model is refused here, see `schema_size`).
Only what the real API is known to insist on is checked; an item's type must be one the API knows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from emulator.engine.errors import InvalidRequest, invalid_type, invalid_value, missing_parameter
from emulator.fake_model.schema.size import size_problem
from emulator.fake_model.validation.fields import array_too_long, objects_in, quotable, require_fields, supported_values

# `input` item types of /v1/responses: those of the OpenAPI document (its beta agent items included) and of the
# SDK, sorted as the real API lists them.
RESPONSE_ITEM_TYPES: tuple[str, ...] = tuple(
    sorted(
        [
            "additional_tools",
            "agent_message",
            "apply_patch_call",
            "apply_patch_call_output",
            "code_interpreter_call",
            "compaction",
            "compaction_trigger",
            "computer_call",
            "computer_call_output",
            "configuration_update",
            "custom_tool_call",
            "custom_tool_call_output",
            "file_search_call",
            "function_call",
            "function_call_output",
            "image_generation_call",
            "item_reference",
            "local_shell_call",
            "local_shell_call_output",
            "mcp_approval_request",
            "mcp_approval_response",
            "mcp_call",
            "mcp_list_tools",
            "message",
            "multi_agent_call",
            "multi_agent_call_output",
            "program",
            "program_output",
            "reasoning",
            "shell_call",
            "shell_call_output",
            "tool_search_call",
            "tool_search_output",
            "web_search_call",
        ]
    )
)
# Fields an item of these types cannot do without (only those the real API is known to insist on).
RESPONSE_ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    "function_call": ("call_id", "name", "arguments"),
    "function_call_output": ("output",),
    "custom_tool_call": ("call_id", "name", "input"),
    "custom_tool_call_output": ("call_id", "output"),
    "item_reference": ("id",),
}
MAX_FUNCTIONS = 128
# Message roles and content part types in the order the real API lists them.
RESPONSE_ROLES = ("assistant", "system", "developer", "user")
_RESPONSE_PART_TYPES = (
    "input_text",
    "input_image",
    "input_audio",
    "output_text",
    "refusal",
    "input_file",
    "computer_screenshot",
    "summary_text",
    "encrypted_content",
)
_TEXT_PART_FIELDS = {"input_text": ("text",), "output_text": ("text",), "refusal": ("refusal",)}
# Chat content part types as the real API lists them; each but `audio` needs a field named after its type.
_CHAT_PART_TYPES = ("text", "image_url", "input_audio", "refusal", "audio", "file")


@dataclass(frozen=True)
class PartRules:
    """The content parts a message may hold: every part type the endpoint knows, the ones this message takes,
    and the fields each type cannot do without."""

    known: tuple[str, ...]
    allowed: tuple[str, ...]
    fields: Mapping[str, tuple[str, ...]]


CHAT_PARTS = PartRules(_CHAT_PART_TYPES, _CHAT_PART_TYPES, {t: (t,) for t in _CHAT_PART_TYPES if t != "audio"})
RESPONSE_INPUT_PARTS = PartRules(
    _RESPONSE_PART_TYPES,
    ("input_text", "input_image", "input_file", "scoped_content", "input_audio"),
    _TEXT_PART_FIELDS,
)
RESPONSE_ASSISTANT_PARTS = PartRules(_RESPONSE_PART_TYPES, ("output_text", "refusal"), _TEXT_PART_FIELDS)
MODERATION_PARTS = PartRules(
    ("image_url", "text"), ("image_url", "text"), {"image_url": ("image_url",), "text": ("text",)}
)


def check_parts(parts: Sequence[Any], path: str, rules: PartRules) -> None:
    """Each content part is an object of a known type that this message takes, with the fields it needs."""
    for where, part in objects_in(parts, path, "an object"):
        check_part(part, where, rules)


def check_part(part: Mapping[str, Any], where: str, rules: PartRules) -> None:
    """An unknown part type is reported at the part's `type`; a known one this message does not take, at the part."""
    kind = part.get("type")
    if kind is None:
        raise missing_parameter(f"{where}.type")
    if kind not in rules.known:
        raise invalid_value(f"{where}.type", supported_values(quotable(kind), rules.known))
    if kind not in rules.allowed:
        raise invalid_value(where, supported_values(kind, rules.allowed))
    require_fields(part, where, rules.fields.get(kind, ()))


def check_tools(body: Mapping[str, Any], *, nested: bool) -> None:
    """`tools` and `tool_choice`; chat nests the function under `function`, responses does not."""
    tools = body.get("tools")
    names: set[str] = set()
    if tools is not None:
        if not isinstance(tools, list):
            raise invalid_type("tools", "an array", tools)
        for i, tool in enumerate(tools):
            if not isinstance(tool, Mapping):
                raise invalid_type(f"tools[{i}]", "an object", tool)
            if "type" not in tool:
                raise missing_parameter(f"tools[{i}].type")
            if tool["type"] != "function":
                continue
            holder = tool.get("function") if nested else tool
            prefix = f"tools[{i}].function" if nested else f"tools[{i}]"
            if not isinstance(holder, Mapping):
                raise missing_parameter(prefix)
            name = holder.get("name")
            if not isinstance(name, str):
                raise (
                    missing_parameter(f"{prefix}.name")
                    if name is None
                    else invalid_type(f"{prefix}.name", "a string", name)
                )
            names.add(name)
            parameters = holder.get("parameters")
            problem = size_problem(parameters) if isinstance(parameters, Mapping) else None
            if problem is not None:
                raise InvalidRequest(
                    f"Invalid schema for function '{name}': {problem}",
                    param=f"{prefix}.parameters",
                    code="invalid_function_parameters",
                )
    choice = body.get("tool_choice")
    if choice is None:
        return
    if isinstance(choice, str):
        if choice not in ("none", "auto", "required"):
            raise invalid_value("tool_choice", supported_values(choice, ("none", "auto", "required")))
        if choice == "required" and not tools:
            raise _tool_choice_without_tools()
        return
    if not isinstance(choice, Mapping):
        raise invalid_type("tool_choice", "a string or an object", choice)
    if not tools:
        raise _tool_choice_without_tools()
    if choice.get("type") == "function":
        holder = choice.get("function") if nested else choice
        name = holder.get("name") if isinstance(holder, Mapping) else None
        if name not in names:
            raise invalid_value(
                "tool_choice", f"Invalid value for 'tool_choice': function '{name}' is not among the given 'tools'."
            )


def check_functions(functions: Any, function_call: Any) -> None:
    """The deprecated `functions` (each an object with a `name`, at most 128) and `function_call` ("none",
    "auto" or `{"name"}` naming one of them)."""
    names: set[str] = set()
    if functions is not None:
        if not isinstance(functions, list):
            raise invalid_type("functions", "an array", functions)
        if len(functions) > MAX_FUNCTIONS:
            raise array_too_long("functions", MAX_FUNCTIONS, len(functions))
        for where, function in objects_in(functions, "functions", "an object"):
            name = function.get("name")
            if name is None:
                raise missing_parameter(f"{where}.name")
            if not isinstance(name, str):
                raise invalid_type(f"{where}.name", "a string", name)
            names.add(name)
    if function_call is None:
        return
    if isinstance(function_call, str):
        if function_call not in ("none", "auto"):
            raise invalid_value("function_call", supported_values(function_call, ("none", "auto")))
        return
    if not isinstance(function_call, Mapping):
        raise invalid_type("function_call", "a string or an object", function_call)
    name = function_call.get("name")
    if name not in names:
        raise invalid_value(
            "function_call", f"Invalid value for 'function_call': function '{name}' is not among the given 'functions'."
        )


def _tool_choice_without_tools() -> InvalidRequest:
    return invalid_value(
        "tool_choice", "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified."
    )


def check_format(value: Any, param: str, *, nested: bool) -> None:
    """A chat `response_format` (nested=True) or a responses `text.format` (nested=False)."""
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise invalid_type(param, "an object", value)
    kind = value.get("type")
    if kind is None:
        raise missing_parameter(f"{param}.type")
    if kind not in ("text", "json_object", "json_schema"):
        raise invalid_value(f"{param}.type", supported_values(kind, ("text", "json_object", "json_schema")))
    if kind != "json_schema":
        return
    holder = value.get("json_schema") if nested else value
    prefix = f"{param}.json_schema" if nested else param
    if not isinstance(holder, Mapping):
        raise missing_parameter(prefix)
    if not isinstance(holder.get("name"), str):
        raise missing_parameter(f"{prefix}.name")
    schema = holder.get("schema")
    if schema is not None and not isinstance(schema, Mapping):
        raise invalid_type(f"{prefix}.schema", "an object", schema)
    problem = size_problem(schema) if schema is not None else None
    if problem is not None:
        # chat reports the whole `response_format` with no code; responses names the schema itself
        raise InvalidRequest(
            f"Invalid schema for response_format '{holder['name']}': {problem}",
            param=param if nested else f"{param}.schema",
            code=None if nested else "invalid_json_schema",
        )


def check_input_items(items: Sequence[Any]) -> None:
    """Each /v1/responses `input` item is an object of a known type, and those whose structure is certain
    (messages, function and custom tool calls and their outputs, item references) have what they need.

    An item without a `type` is a message, or a reference when it has an `id` and no `role`.
    """
    for path, item in objects_in(items, "input", "an input item"):
        kind = item.get("type")
        if kind is None:
            kind = "item_reference" if "id" in item and "role" not in item else "message"
        if kind not in RESPONSE_ITEM_TYPES:
            raise invalid_value(path, supported_values(quotable(kind), RESPONSE_ITEM_TYPES))
        if kind == "message":
            check_message_item(item, path)
        require_fields(item, path, RESPONSE_ITEM_FIELDS.get(kind, ()))


def check_message_item(item: Mapping[str, Any], path: str) -> None:
    role = item.get("role")
    if role not in RESPONSE_ROLES:
        raise invalid_value(path, supported_values(quotable(role), RESPONSE_ROLES))
    content = item.get("content")
    if content is None:
        raise missing_parameter(f"{path}.content")
    if isinstance(content, list):
        check_parts(
            content, f"{path}.content", RESPONSE_ASSISTANT_PARTS if role == "assistant" else RESPONSE_INPUT_PARTS
        )
    elif not isinstance(content, str):
        raise invalid_type(f"{path}.content", "a string or an array", content)


def check_moderation_items(items: Sequence[Any], model: Any) -> None:
    """A moderation `input` list holds strings only, or (for a multimodal model) `text` and `image_url` objects
    only; the first item says which."""
    text_only = (isinstance(model, str) and model.startswith("text-moderation")) or not (
        items and isinstance(items[0], Mapping)
    )
    if text_only:
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise invalid_type(f"input[{i}]", "a string", item)
        return
    for where, item in objects_in(items, "input", "an object"):
        check_part(item, where, MODERATION_PARTS)
        image = item.get("image_url")
        if isinstance(image, Mapping):
            require_fields(image, f"{where}.image_url", ("url",))
        elif image is not None:
            raise invalid_type(f"{where}.image_url", "an object", image)


def check_embedding_items(items: Sequence[Any]) -> None:
    """An embeddings `input` list holds strings, or token ids, or non-empty lists of token ids: one kind only."""
    if all(isinstance(item, str) for item in items) or all(_is_token(item) for item in items):
        return
    if not all(isinstance(item, list) and item and all(_is_token(t) for t in item) for item in items):
        raise invalid_embedding_input()


def _is_token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def invalid_embedding_input() -> InvalidRequest:
    return InvalidRequest(
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        param="input",
        code="invalid_value",
    )
