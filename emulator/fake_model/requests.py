"""Request-body validation: turns a malformed body into the error the real API would send.

Each check raises an `emulator.errors.EmulatorError` whose message, `param` and `code` follow the
real API's wording (`Missing required parameter: 'messages'.`, `Invalid 'n': integer below minimum
value. ...`, `Unrecognized request argument supplied: foo`, ...). Unknown parameters and the model are
checked first, then required fields, then optional fields in the body's own order, so the same body
always reports the same problem. A JSON schema (structured outputs, function parameters) whose
smallest instance is larger than the fake model writes is refused here too, the way the real API
refuses a schema it cannot use (see `schema_size`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
# Chat and legacy completions reject strangers with the older wording and no param.
_LEGACY_WORDING = frozenset({CHAT, COMPLETIONS})
MESSAGE_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
VIDEO_SECONDS = ("4", "8", "12")
VIDEO_SIZES = ("720x1280", "1280x720", "1024x1792", "1792x1024")


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
        raise InvalidRequest(
            "Invalid 'stop': array too long. Expected an array with maximum length 4, "
            f"but got an array with length {len(stop)} instead.",
            param="stop",
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
_IMAGES_FIELDS: dict[str, FieldCheck] = {"n": _ints(1, 10), "response_format": _choices("url", "b64_json")}


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
        if content is not None and not isinstance(content, str | list):
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
        raise InvalidRequest(
            "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
            param="input",
            code="invalid_value",
        )
    if not isinstance(value, str | list):
        raise invalid_type("input", "a string or an array", value)
    if isinstance(value, list) and len(value) > 2048:
        raise InvalidRequest(
            f"Invalid 'input': array too long. Expected an array with maximum length 2048, but got an array with "
            f"length {len(value)} instead.",
            param="input",
            code="array_above_max_length",
        )
    _fields(body, _EMBEDDINGS_FIELDS)


def _moderations(body: Mapping[str, Any]) -> None:
    value = body.get("input")
    if value is None:
        raise missing_parameter("input")
    if not isinstance(value, str | list):
        raise invalid_type("input", "a string or an array", value)


def _responses(body: Mapping[str, Any]) -> None:
    value = body.get("input")
    if value is None and body.get("prompt") is None:
        raise missing_parameter("input")
    if value is not None and not isinstance(value, str | list):
        raise invalid_type("input", "a string or an array", value)
    _fields(body, _RESPONSES_FIELDS)


def _images(body: Mapping[str, Any]) -> None:
    require_string(body, "prompt")
    _fields(body, _IMAGES_FIELDS)


def _image_edits(body: Mapping[str, Any]) -> None:
    _images(body)
    if body.get("image") is None and body.get("images") is None:
        raise missing_parameter("image")


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
    IMAGE_GENERATIONS: _images,
    IMAGE_EDITS: _image_edits,
    VIDEOS: _videos,
}
