"""Request-body validation: turns a malformed body into the error the real API would send.

Each check raises an `emulator.errors.EmulatorError` whose message, `param` and `code` follow the
real API's wording (`Missing required parameter: 'messages'.`, `Invalid 'n': integer below minimum
value. ...`, `Unrecognized request argument supplied: foo`, ...). Unknown parameters and the model are
checked first, then required fields with what they hold (chat messages and their content parts,
responses input items, moderation and embedding inputs), then optional fields in the body's own order,
so the same body always reports the same problem. Image options are checked against the values the
model takes (sizes, qualities, `n`) where the OpenAPI document names them for that model; a model it
does not describe keeps only the checks every model shares. A JSON schema (structured outputs,
function parameters) whose smallest instance is larger than the fake model writes is refused here
too, the way the real API refuses a schema it cannot use (see `schema_size`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from emulator.errors import InvalidRequest, NotFound, invalid_type, invalid_value, missing_parameter
from emulator.fake_model.schema_size import size_problem

CHAT = "/v1/chat/completions"
COMPLETIONS = "/v1/completions"
EMBEDDINGS = "/v1/embeddings"
RESPONSES = "/v1/responses"
MODERATIONS = "/v1/moderations"
IMAGE_GENERATIONS = "/v1/images/generations"
IMAGE_EDITS = "/v1/images/edits"
VIDEOS = "/v1/videos"


def _words(text: str) -> list[str]:
    return text.split()


_COMMON_TEXT = {"model", "stream", "stream_options", "temperature", "top_p", "user", "seed"}
ALLOWED: dict[str, frozenset[str]] = {
    CHAT: frozenset(
        _COMMON_TEXT
        | set(
            _words(
                """
                audio frequency_penalty function_call functions logit_bias logprobs max_completion_tokens
                max_tokens messages metadata modalities moderation n parallel_tool_calls prediction
                presence_penalty prompt_cache_key prompt_cache_options prompt_cache_retention reasoning_effort
                response_format safety_identifier service_tier stop store tool_choice tools top_logprobs
                verbosity web_search_options
                """
            )
        )
    ),
    COMPLETIONS: frozenset(
        _COMMON_TEXT
        | set(
            _words(
                """
                best_of echo frequency_penalty logit_bias logprobs max_tokens n presence_penalty prompt stop
                suffix
                """
            )
        )
    ),
    EMBEDDINGS: frozenset({"dimensions", "encoding_format", "input", "model", "user"}),
    MODERATIONS: frozenset({"input", "model"}),
    RESPONSES: frozenset(
        _COMMON_TEXT
        | set(
            _words(
                """
                access_programs background background_options context_management conversation image include
                input instructions max_output_tokens max_tool_calls metadata moderation parallel_tool_calls
                previous_response_id prompt prompt_cache_key prompt_cache_options prompt_cache_retention
                reasoning safety_identifier service_tier store text tool_choice tools top_logprobs truncation
                """
            )
        )
    ),
    IMAGE_GENERATIONS: frozenset(
        _words(
            """
            background complexity frame_count frame_duration_ms model moderation n output_compression
            output_format partial_images prompt quality response_format safety_identifier size stream style
            svg user
            """
        )
    ),
    IMAGE_EDITS: frozenset(
        _words(
            """
            background complexity frame_count frame_duration_ms image images input_fidelity markup mask
            model n output_compression output_format partial_images prompt quality response_format
            safety_identifier size stream svg user
            """
        )
    ),
    VIDEOS: frozenset({"input_reference", "model", "prompt", "seconds", "size"}),
}
# Besides `input`, what gives /v1/responses something to answer.
_INPUT_ALTERNATIVES = ("previous_response_id", "prompt", "conversation")
# Chat and legacy completions reject strangers with the older wording and no param.
_LEGACY_WORDING = frozenset({CHAT, COMPLETIONS})
MESSAGE_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
VIDEO_SECONDS = ("4", "8", "12")
VIDEO_SIZES = ("720x1280", "1280x720", "1024x1792", "1792x1024")

# `input` item types of /v1/responses: those of the OpenAPI document (its beta agent items included) and of the
# SDK, sorted as the real API lists them.
RESPONSE_ITEM_TYPES: tuple[str, ...] = tuple(
    sorted(
        _words(
            """
            additional_tools agent_message apply_patch_call apply_patch_call_output code_interpreter_call compaction
            compaction_trigger computer_call computer_call_output configuration_update custom_tool_call
            custom_tool_call_output file_search_call function_call function_call_output image_generation_call
            item_reference local_shell_call local_shell_call_output mcp_approval_request mcp_approval_response mcp_call
            mcp_list_tools message multi_agent_call multi_agent_call_output program program_output reasoning shell_call
            shell_call_output tool_search_call tool_search_output web_search_call
            """
        )
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

# Image options. The sizes a model takes where the OpenAPI document lists them (gpt-image-2 takes any WIDTHxHEIGHT
# within limits not checked here, so it has no entry), and, for a body that names no model, every size the
# endpoint's enum lists.
_GPT_IMAGE_SIZES = ("1024x1024", "1024x1536", "1536x1024", "auto")
IMAGE_SIZES: dict[str, tuple[str, ...]] = {
    "dall-e-2": ("256x256", "512x512", "1024x1024"),
    "dall-e-3": ("1024x1024", "1024x1792", "1792x1024"),
    **dict.fromkeys(("gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5"), _GPT_IMAGE_SIZES),
}
GENERATION_SIZES = ("auto", "1024x1024", "1536x1024", "1024x1536", "256x256", "512x512", "1792x1024", "1024x1792")
EDIT_SIZES = ("256x256", "512x512", "1024x1024", "1536x1024", "1024x1536", "auto")
GPT_IMAGE_MODELS = frozenset(
    {"gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2", "gpt-image-2-2026-04-21"}
)
GPT_IMAGE_QUALITIES = ("low", "medium", "high", "auto")
GENERATION_QUALITIES = ("standard", "hd", "low", "medium", "high", "auto")
EDIT_QUALITIES = ("standard", "low", "medium", "high", "auto")
MAX_EDIT_IMAGES = 16


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


def model_not_found(name: str) -> NotFound:
    return NotFound(
        f"The model '{name}' does not exist or you do not have access to it.", param=None, code="model_not_found"
    )


def supported_values(value: Any, options: Sequence[str]) -> str:
    quoted = [f"'{o}'" for o in options]
    listed = ", ".join(quoted[:-1]) + (", and " if len(quoted) > 2 else " and ") + quoted[-1]
    return f"Invalid value: '{value}'. Supported values are: {listed}."


def validate(endpoint: str, body: Any, knows_model: Callable[[str], bool]) -> None:
    """Raise the real API's error for the first problem in `body`, or return None when it is acceptable."""
    if type(body) is not dict and not isinstance(body, Mapping):
        raise InvalidRequest(
            "We could not parse the JSON body of your request. The body must be a JSON object.", code="invalid_json"
        )
    allowed = ALLOWED.get(endpoint)
    if allowed is None:
        raise InvalidRequest(f"Invalid URL (POST {endpoint})", code="unknown_url")
    strangers = body.keys() - allowed
    if strangers:
        name = min(strangers)
        if endpoint in _LEGACY_WORDING:
            raise InvalidRequest(f"Unrecognized request argument supplied: {name}")
        raise InvalidRequest(f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter")
    model = body.get("model")
    if model is None:
        if endpoint in (CHAT, COMPLETIONS, EMBEDDINGS, RESPONSES):
            raise missing_parameter("model")
    elif not isinstance(model, str):
        raise invalid_type("model", "a string", model)
    elif not knows_model(model):
        raise model_not_found(model)
    _CHECKS[endpoint](body)


# ---- shared field checks ------------------------------------------------------------------------
def check_int(body: Mapping[str, Any], name: str, low: int | None = None, high: int | None = None) -> None:
    value = body.get(name)
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid_type(name, "an integer", value)
    if low is not None and value < low:
        raise InvalidRequest(
            f"Invalid '{name}': integer below minimum value. Expected a value >= {low}, but got {value} instead.",
            param=name,
            code="integer_below_min_value",
        )
    if high is not None and value > high:
        raise InvalidRequest(
            f"Invalid '{name}': integer above maximum value. Expected a value <= {high}, but got {value} instead.",
            param=name,
            code="integer_above_max_value",
        )


def check_number(body: Mapping[str, Any], name: str, low: float, high: float) -> None:
    value = body.get(name)
    if value is None:
        return
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise invalid_type(name, "a number", value)
    if value < low:
        raise InvalidRequest(
            f"Invalid '{name}': decimal below minimum value. Expected a value >= {low:g}, but got {value:g} instead.",
            param=name,
            code="decimal_below_min_value",
        )
    if value > high:
        raise InvalidRequest(
            f"Invalid '{name}': decimal above maximum value. Expected a value <= {high:g}, but got {value:g} instead.",
            param=name,
            code="decimal_above_max_value",
        )


def check_bool(body: Mapping[str, Any], name: str) -> None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise invalid_type(name, "a boolean", value)


def check_choice(body: Mapping[str, Any], name: str, options: Sequence[str]) -> None:
    value = body.get(name)
    if value is not None and value not in options:
        raise invalid_value(name, supported_values(value, options))


def require_string(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise missing_parameter(name)
    if not isinstance(value, str):
        raise invalid_type(name, "a string", value)
    return value


def check_stop(body: Mapping[str, Any]) -> None:
    stop = body.get("stop")
    if stop is None or isinstance(stop, str):
        return
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise invalid_type("stop", "a string or an array of strings", stop)
    if len(stop) > 4:
        raise array_too_long("stop", 4, len(stop))


def array_too_long(name: str, limit: int, length: int) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid '{name}': array too long. Expected an array with maximum length {limit}, "
        f"but got an array with length {length} instead.",
        param=name,
        code="array_above_max_length",
    )


def non_empty_list(body: Mapping[str, Any], name: str) -> list[Any]:
    value = body.get(name)
    if value is None:
        raise missing_parameter(name)
    if not isinstance(value, list):
        raise invalid_type(name, "an array", value)
    if not value:
        raise InvalidRequest(
            f"Invalid '{name}': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            param=name,
            code="empty_array",
        )
    return value


def require_fields(value: Mapping[str, Any], path: str, names: Iterable[str]) -> None:
    """`Missing required parameter` for the first of `names` that `value` (found at `path`) lacks."""
    for name in names:
        if value.get(name) is None:
            raise missing_parameter(f"{path}.{name}")


def quotable(value: Any) -> str:
    """How an enum error quotes a value: a string as it is, anything else as empty."""
    return value if isinstance(value, str) else ""


def objects_in(items: Sequence[Any], path: str, expected: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each of the list `items` (found at `path`) with its own path, once it is known to be an object."""
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            raise invalid_type(where, expected, item)
        yield where, item


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


# ---- what the required fields hold ---------------------------------------------------------------
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
        raise _invalid_embedding_input()


def _is_token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _invalid_embedding_input() -> InvalidRequest:
    return InvalidRequest(
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        param="input",
        code="invalid_value",
    )


# ---- per-endpoint checks ------------------------------------------------------------------------
FieldCheck = Callable[[Mapping[str, Any], str], None]


def _ints(low: int | None = None, high: int | None = None) -> FieldCheck:
    return lambda body, name: check_int(body, name, low, high)


def _numbers(low: float, high: float) -> FieldCheck:
    return lambda body, name: check_number(body, name, low, high)


def _choices(*options: str) -> FieldCheck:
    return lambda body, name: check_choice(body, name, options)


def _stop(body: Mapping[str, Any], name: str) -> None:
    check_stop(body)


def _top_logprobs(body: Mapping[str, Any], name: str) -> None:
    check_int(body, name, 0, 20)
    if body.get(name) is not None and body.get("logprobs") is not True:
        raise invalid_value(
            name, "Invalid value for 'top_logprobs': 'logprobs' must be true when 'top_logprobs' is set."
        )


def _chat_tools(body: Mapping[str, Any], name: str) -> None:
    if name == "tool_choice" and "tools" in body:
        return  # checked together with `tools`
    check_tools(body, nested=True)


def _response_tools(body: Mapping[str, Any], name: str) -> None:
    if name == "tool_choice" and "tools" in body:
        return
    check_tools(body, nested=False)


def _response_format(body: Mapping[str, Any], name: str) -> None:
    check_format(body.get(name), name, nested=True)


def _text_config(body: Mapping[str, Any], name: str) -> None:
    text = body.get(name)
    if text is None:
        return
    if not isinstance(text, Mapping):
        raise invalid_type(name, "an object", text)
    check_format(text.get("format"), "text.format", nested=False)


def _image_sizes(without_model: Sequence[str]) -> FieldCheck:
    """`size`: one the model takes where the document lists them, one the endpoint lists when no model is named."""

    def check(body: Mapping[str, Any], name: str) -> None:
        model = body.get("model")
        options = without_model if model is None else IMAGE_SIZES.get(model)
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise invalid_type(name, "a string", value)
        if options is not None:
            check_choice(body, name, options)

    return check


def _image_qualities(options: Sequence[str]) -> FieldCheck:
    """`quality`: one the endpoint lists, narrowed to the GPT image qualities for a GPT image model."""
    return lambda body, name: check_choice(
        body, name, GPT_IMAGE_QUALITIES if body.get("model") in GPT_IMAGE_MODELS else options
    )


def _image_count(body: Mapping[str, Any], name: str) -> None:
    check_int(body, name, 1, 10)
    if body.get("model") == "dall-e-3" and body.get(name) not in (None, 1):
        raise InvalidRequest("You must provide n=1 for this model.")


def _image_references(body: Mapping[str, Any], name: str) -> None:
    if body.get(name) is None:
        return
    references = non_empty_list(body, name)
    if len(references) > MAX_EDIT_IMAGES:
        raise array_too_long(name, MAX_EDIT_IMAGES, len(references))
    for _path, _reference in objects_in(references, name, "an object"):
        pass  # each reference is an object


def _instructions(body: Mapping[str, Any], name: str) -> None:
    value = body.get(name)
    if value is not None and not isinstance(value, str | list):
        raise invalid_type(name, "a string", value)


_SAMPLING: dict[str, FieldCheck] = {
    "temperature": _numbers(0, 2),
    "top_p": _numbers(0, 1),
    "presence_penalty": _numbers(-2, 2),
    "frequency_penalty": _numbers(-2, 2),
    "seed": _ints(),
    "stream": check_bool,
}
_CHAT_FIELDS: dict[str, FieldCheck] = {
    **_SAMPLING,
    "n": _ints(1, 128),
    "max_tokens": _ints(1),
    "max_completion_tokens": _ints(1),
    "logprobs": check_bool,
    "top_logprobs": _top_logprobs,
    "stop": _stop,
    "parallel_tool_calls": check_bool,
    "tools": _chat_tools,
    "tool_choice": _chat_tools,
    "response_format": _response_format,
}
_COMPLETIONS_FIELDS: dict[str, FieldCheck] = {
    **_SAMPLING,
    "n": _ints(1, 128),
    "max_tokens": _ints(0),
    "logprobs": _ints(0, 5),
    "echo": check_bool,
    "stop": _stop,
}
_RESPONSES_FIELDS: dict[str, FieldCheck] = {
    **_SAMPLING,
    "instructions": _instructions,
    "max_output_tokens": _ints(16),
    "top_logprobs": _ints(0, 20),
    "parallel_tool_calls": check_bool,
    "tools": _response_tools,
    "tool_choice": _response_tools,
    "text": _text_config,
}
_EMBEDDINGS_FIELDS: dict[str, FieldCheck] = {"encoding_format": _choices("float", "base64"), "dimensions": _ints(1)}
_IMAGE_FIELDS: dict[str, FieldCheck] = {
    "n": _image_count,
    "response_format": _choices("url", "b64_json"),
    "output_format": _choices("png", "jpeg", "webp"),
    "output_compression": _ints(0, 100),
    "background": _choices("transparent", "opaque", "auto"),
    "moderation": _choices("low", "auto"),
    "partial_images": _ints(0, 3),
    "stream": check_bool,
}
_IMAGE_GENERATION_FIELDS: dict[str, FieldCheck] = {
    **_IMAGE_FIELDS,
    "size": _image_sizes(GENERATION_SIZES),
    "quality": _image_qualities(GENERATION_QUALITIES),
    "style": _choices("vivid", "natural"),
}
_IMAGE_EDIT_FIELDS: dict[str, FieldCheck] = {
    **_IMAGE_FIELDS,
    "size": _image_sizes(EDIT_SIZES),
    "quality": _image_qualities(EDIT_QUALITIES),
    "input_fidelity": _choices("high", "low"),
    "images": _image_references,
}


def _fields(body: Mapping[str, Any], table: Mapping[str, FieldCheck]) -> None:
    """Run the check of every optional field present, in the body's order."""
    for key in body:
        check = table.get(key)
        if check is not None:
            check(body, key)


def _chat(body: Mapping[str, Any]) -> None:
    messages = non_empty_list(body, "messages")
    for i, message in enumerate(messages):
        if type(message) is not dict and not isinstance(message, Mapping):
            raise invalid_type(f"messages[{i}]", "an object", message)
        role = message.get("role")
        if role is None:
            raise missing_parameter(f"messages[{i}].role")
        if role not in MESSAGE_ROLES:
            raise invalid_value(f"messages[{i}].role", supported_values(role, MESSAGE_ROLES))
        if "content" not in message and role != "assistant":
            raise missing_parameter(f"messages[{i}].content")
        content = message.get("content")
        if isinstance(content, list):
            check_parts(content, f"messages[{i}].content", CHAT_PARTS)
        elif content is not None and not isinstance(content, str):
            raise invalid_type(f"messages[{i}].content", "a string or an array", content)
        if role == "tool" and "tool_call_id" not in message:
            raise missing_parameter(f"messages[{i}].tool_call_id")
    _fields(body, _CHAT_FIELDS)


def _completions(body: Mapping[str, Any]) -> None:
    prompt = body.get("prompt")
    if prompt is None:
        raise missing_parameter("prompt")
    if not isinstance(prompt, str | list):
        raise invalid_type("prompt", "a string or an array", prompt)
    _fields(body, _COMPLETIONS_FIELDS)


def _embeddings(body: Mapping[str, Any]) -> None:
    value = body.get("input")
    if value is None:
        raise missing_parameter("input")
    if value == "" or value == []:
        raise _invalid_embedding_input()
    if not isinstance(value, str | list):
        raise invalid_type("input", "a string or an array", value)
    if isinstance(value, list):
        if len(value) > 2048:
            raise array_too_long("input", 2048, len(value))
        check_embedding_items(value)
    _fields(body, _EMBEDDINGS_FIELDS)


def _moderations(body: Mapping[str, Any]) -> None:
    value = body.get("input")
    if value is None:
        raise missing_parameter("input")
    if not isinstance(value, str | list):
        raise invalid_type("input", "a string or an array", value)
    if isinstance(value, list):
        check_moderation_items(value, body.get("model"))


def _responses(body: Mapping[str, Any]) -> None:
    value = body.get("input")
    if value is None and body.get("prompt") is None:
        raise missing_parameter("input")
    if value is not None and not isinstance(value, str | list):
        raise invalid_type("input", "a string or an array", value)
    if isinstance(value, list):
        check_input_items(value)
    _fields(body, _RESPONSES_FIELDS)
    if value in ("", []) and all(body.get(name) is None for name in _INPUT_ALTERNATIVES):
        raise InvalidRequest(
            """One of "input" or "previous_response_id" or 'prompt' or 'conversation' must be provided.""",
            code="missing_required_parameter",
        )


def _image_generations(body: Mapping[str, Any]) -> None:
    require_string(body, "prompt")
    _fields(body, _IMAGE_GENERATION_FIELDS)


def _image_edits(body: Mapping[str, Any]) -> None:
    require_string(body, "prompt")
    if body.get("image") is None and body.get("images") is None:
        raise missing_parameter("image")
    _fields(body, _IMAGE_EDIT_FIELDS)


def _videos(body: Mapping[str, Any]) -> None:
    require_string(body, "prompt")
    seconds = body.get("seconds")
    if seconds is not None and str(seconds) not in VIDEO_SECONDS:
        raise invalid_value("seconds", supported_values(seconds, VIDEO_SECONDS))
    check_choice(body, "size", VIDEO_SIZES)


_CHECKS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    CHAT: _chat,
    COMPLETIONS: _completions,
    EMBEDDINGS: _embeddings,
    MODERATIONS: _moderations,
    RESPONSES: _responses,
    IMAGE_GENERATIONS: _image_generations,
    IMAGE_EDITS: _image_edits,
    VIDEOS: _videos,
}
