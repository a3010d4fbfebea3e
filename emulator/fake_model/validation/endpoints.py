"""Request-body validation: turns a malformed body into the error the real API would send.

Each check raises an `emulator.engine.errors.EmulatorError` whose message, `param` and `code` follow the
real API's wording (`Missing required parameter: 'messages'.`, `Invalid 'n': integer below minimum
value. ...`, `Unrecognized request argument supplied: foo`, ...). Unknown parameters and the model are
checked first, then required fields with what they hold (chat messages and their content parts,
responses input items, moderation and embedding inputs), then optional fields in the body's own order,
so the same body always reports the same problem. Image options are checked against the values the
model takes (sizes, qualities, `n`) where the OpenAPI document names them for that model; a model it
does not describe keeps only the checks every model shares. A JSON schema (structured outputs,
function parameters) whose smallest instance is larger than the fake model writes is refused here
too, the way the real API refuses a schema it cannot use (see `schema_size`).

This module knows the endpoints: their fields and the order of their checks. The checks every body shares
live in `request_fields`, those of structured fields (content parts, input items, tools, formats) in
`request_items`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from emulator.engine.errors import InvalidRequest, NotFound, invalid_type, invalid_value, missing_parameter
from emulator.fake_model.validation.fields import (
    FieldCheck,
    array_too_long,
    check_bool,
    check_choice,
    check_fields,
    check_int,
    check_stop,
    choices,
    ints,
    non_empty_list,
    numbers,
    require_string,
    require_text,
    supported_values,
)
from emulator.fake_model.validation.images import EDIT_FIELDS, GENERATION_FIELDS
from emulator.fake_model.validation.items import (
    CHAT_PARTS,
    check_embedding_items,
    check_format,
    check_functions,
    check_input_items,
    check_moderation_items,
    check_parts,
    check_tools,
    invalid_embedding_input,
)

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
MAX_VIDEO_PROMPT_LENGTH = 32_000


def model_not_found(name: str) -> NotFound:
    return NotFound(
        f"The model '{name}' does not exist or you do not have access to it.", param=None, code="model_not_found"
    )


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
    CHECKS[endpoint].run(body)


# ---- per-endpoint checks ------------------------------------------------------------------------
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


def _functions(body: Mapping[str, Any], name: str) -> None:
    check_functions(body.get("functions"), body.get("function_call"))


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
    "temperature": numbers(0, 2),
    "top_p": numbers(0, 1),
    "presence_penalty": numbers(-2, 2),
    "frequency_penalty": numbers(-2, 2),
    "seed": ints(),
    "stream": check_bool,
}
_CHAT_FIELDS: dict[str, FieldCheck] = {
    **_SAMPLING,
    "n": ints(1, 128),
    "max_tokens": ints(1),
    "max_completion_tokens": ints(1),
    "logprobs": check_bool,
    "top_logprobs": _top_logprobs,
    "stop": _stop,
    "parallel_tool_calls": check_bool,
    "tools": _chat_tools,
    "tool_choice": _chat_tools,
    "functions": _functions,
    "function_call": _functions,
    "response_format": _response_format,
}
_COMPLETIONS_FIELDS: dict[str, FieldCheck] = {
    **_SAMPLING,
    "n": ints(1, 128),
    "max_tokens": ints(0),
    "logprobs": ints(0, 5),
    "echo": check_bool,
    "stop": _stop,
}
_RESPONSES_FIELDS: dict[str, FieldCheck] = {
    **_SAMPLING,
    "instructions": _instructions,
    "max_output_tokens": ints(16),
    "top_logprobs": ints(0, 20),
    "parallel_tool_calls": check_bool,
    "tools": _response_tools,
    "tool_choice": _response_tools,
    "text": _text_config,
}
_EMBEDDINGS_FIELDS: dict[str, FieldCheck] = {"encoding_format": choices("float", "base64"), "dimensions": ints(1)}


def _messages(body: Mapping[str, Any]) -> None:
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
        if type(content) is str:
            pass
        elif isinstance(content, list):
            check_parts(content, f"messages[{i}].content", CHAT_PARTS)
        elif content is not None and not isinstance(content, str):
            raise invalid_type(f"messages[{i}].content", "a string or an array", content)
        if role == "tool" and "tool_call_id" not in message:
            raise missing_parameter(f"messages[{i}].tool_call_id")


def _completion_prompt(body: Mapping[str, Any]) -> None:
    prompt = body.get("prompt")
    if prompt is None:
        raise missing_parameter("prompt")
    if not isinstance(prompt, str | list):
        raise invalid_type("prompt", "a string or an array", prompt)


def _embedding_input(body: Mapping[str, Any]) -> None:
    value = body.get("input")
    if value is None:
        raise missing_parameter("input")
    if value == "" or value == []:
        raise invalid_embedding_input()
    if not isinstance(value, str | list):
        raise invalid_type("input", "a string or an array", value)
    if isinstance(value, list):
        if len(value) > 2048:
            raise array_too_long("input", 2048, len(value))
        check_embedding_items(value)


def _moderation_input(body: Mapping[str, Any]) -> None:
    value = body.get("input")
    if value is None:
        raise missing_parameter("input")
    if not isinstance(value, str | list):
        raise invalid_type("input", "a string or an array", value)
    if isinstance(value, list):
        check_moderation_items(value, body.get("model"))


def _response_input(body: Mapping[str, Any]) -> None:
    value = body.get("input")
    if value is None and body.get("prompt") is None:
        raise missing_parameter("input")
    if value is not None and not isinstance(value, str | list):
        raise invalid_type("input", "a string or an array", value)
    if isinstance(value, list):
        check_input_items(value)


def _response_has_input(body: Mapping[str, Any]) -> None:
    """Checked after the optional fields: an empty input needs one of the other ways to give one."""
    if body.get("input") in ("", []) and all(body.get(name) is None for name in _INPUT_ALTERNATIVES):
        raise InvalidRequest(
            """One of "input" or "previous_response_id" or 'prompt' or 'conversation' must be provided.""",
            code="missing_required_parameter",
        )


def _image_prompt(body: Mapping[str, Any]) -> None:
    require_string(body, "prompt")


def _image_edit_rest(body: Mapping[str, Any]) -> None:
    if body.get("image") is None and body.get("images") is None:
        raise missing_parameter("image")
    check_fields(body, EDIT_FIELDS)


def _video_prompt(body: Mapping[str, Any]) -> None:
    require_text(body, "prompt", MAX_VIDEO_PROMPT_LENGTH)


def _video_rest(body: Mapping[str, Any]) -> None:
    seconds = body.get("seconds")
    if seconds is not None and str(seconds) not in VIDEO_SECONDS:
        raise invalid_value("seconds", supported_values(seconds, VIDEO_SECONDS))
    check_choice(body, "size", VIDEO_SIZES)


def _no_check(body: Mapping[str, Any]) -> None:
    return None


BodyCheck = Callable[[Mapping[str, Any]], None]


@dataclass(frozen=True, slots=True)
class EndpointChecks:
    """An endpoint's checks in their order: the per-line field (`line_field`, the one that differs between the
    lines of a batch), then the rest of the body, then what depends on both."""

    line_field: str
    line: BodyCheck
    rest: BodyCheck
    last: BodyCheck = _no_check

    def run(self, body: Mapping[str, Any]) -> None:
        self.line(body)
        self.rest(body)
        self.last(body)

    def run_line(self, body: Mapping[str, Any]) -> None:
        """The checks left for a body whose rest is known to pass (another body of the same form passed)."""
        self.line(body)
        self.last(body)


CHECKS: dict[str, EndpointChecks] = {
    CHAT: EndpointChecks("messages", _messages, lambda body: check_fields(body, _CHAT_FIELDS)),
    COMPLETIONS: EndpointChecks("prompt", _completion_prompt, lambda body: check_fields(body, _COMPLETIONS_FIELDS)),
    EMBEDDINGS: EndpointChecks("input", _embedding_input, lambda body: check_fields(body, _EMBEDDINGS_FIELDS)),
    MODERATIONS: EndpointChecks("input", _moderation_input, _no_check),
    RESPONSES: EndpointChecks(
        "input", _response_input, lambda body: check_fields(body, _RESPONSES_FIELDS), _response_has_input
    ),
    IMAGE_GENERATIONS: EndpointChecks("prompt", _image_prompt, lambda body: check_fields(body, GENERATION_FIELDS)),
    IMAGE_EDITS: EndpointChecks("prompt", _image_prompt, _image_edit_rest),
    VIDEOS: EndpointChecks("prompt", _video_prompt, _video_rest),
}
