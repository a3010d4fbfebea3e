"""`POST /v1/chat/completions`: a `chat.completion` object honouring n, budgets, stop, formats, tools, logprobs.

The deprecated `functions` / `function_call` pair is honoured when no `tools` are given: it plans like tools
(one call at most, `function_call` "none", "auto" or `{"name"}`) and answers with `message.function_call` and
`finish_reason: "function_call"`, as the API did before tools.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import orjson

from emulator.engine.errors import InvalidRequest
from emulator.fake_model.answer import compose, reasoning_budget
from emulator.fake_model.catalogue import context_window, is_reasoning_model
from emulator.fake_model.context import Call
from emulator.fake_model.digest import sub_digest
from emulator.fake_model.logprobs import token_logprobs
from emulator.fake_model.result import ModelResult, TokenUsage
from emulator.fake_model.schema.instance import json_schema_of
from emulator.fake_model.text import mention_from
from emulator.fake_model.tokens import content_text, count_message_tokens, count_tokens, token_pieces
from emulator.fake_model.tools import function_tools, plan_calls

FINISH_REASONS = frozenset({"stop", "length", "tool_calls", "content_filter", "function_call"})


@lru_cache(maxsize=256)
def system_fingerprint(model: str) -> str:
    """A stable `fp_…` per model name."""
    from emulator.engine.ids import derived_hex

    return "fp_" + derived_hex("fingerprint", model, n=10)


def context_length_error(model: str, window: int, tokens: int, param: str) -> InvalidRequest:
    return InvalidRequest(
        f"This model's maximum context length is {window} tokens. However, your messages resulted in {tokens} "
        "tokens. Please reduce the length of the messages.",
        param=param,
        code="context_length_exceeded",
    )


def text_format_of(response_format: Any) -> str | Mapping[str, Any]:
    """ "text", "json_object" or the JSON schema asked for."""
    if isinstance(response_format, Mapping):
        kind = response_format.get("type")
        if kind == "json_object":
            return "json_object"
        schema = json_schema_of(response_format)
        if schema is not None:
            return schema
    return "text"


def last_user_text(messages: list[Any]) -> tuple[str, bool]:
    """The text of the last user message, and whether the conversation ends with a tool result."""
    last = messages[-1] if messages else None
    after_tool = isinstance(last, Mapping) and last.get("role") in ("tool", "function")
    for message in reversed(messages):
        if (type(message) is dict or isinstance(message, Mapping)) and message.get("role") == "user":
            return content_text(message.get("content")), after_tool
    return "", after_tool


def chat_usage(prompt: int, completion: int, reasoning: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def legacy_functions(body: Mapping[str, Any]) -> list[Any] | None:
    """The deprecated `functions` of a request that gives no `tools`, or None."""
    functions = body.get("functions")
    if body.get("tools") or not isinstance(functions, list) or not functions:
        return None
    return functions


def _tool_choice_of(function_call: Any) -> Any:
    """`function_call` ("none", "auto", `{"name"}`) in the `tool_choice` form."""
    if isinstance(function_call, Mapping):
        return {"type": "function", "function": {"name": function_call.get("name")}}
    return function_call


def answer_chat(call: Call) -> ModelResult:
    body = call.body
    messages: list[Any] = body["messages"]
    model = call.model
    legacy = legacy_functions(body)
    tools = body.get("tools") if legacy is None else [{"type": "function", "function": f} for f in legacy]
    prompt_tokens = count_message_tokens(messages)
    if tools:
        prompt_tokens += count_tokens(orjson.dumps(legacy if legacy is not None else tools).decode())
    window = context_window(model)
    if prompt_tokens > window:
        raise context_length_error(model, window, prompt_tokens, "messages")
    user_text, after_tool = last_user_text(messages)
    digest = call.digest
    mention = mention_from(user_text, digest)
    functions = function_tools(tools, nested=True)
    text_format = text_format_of(body.get("response_format"))
    budget = body.get("max_completion_tokens") or body.get("max_tokens")
    reasoning_model = is_reasoning_model(model)
    parallel = legacy is None and body.get("parallel_tool_calls") is not False
    tool_choice = body.get("tool_choice") if legacy is None else _tool_choice_of(body.get("function_call"))
    want_logprobs = body.get("logprobs") is True
    top = int(body.get("top_logprobs") or 0)
    choices: list[dict[str, Any]] = []
    completion_tokens = 0
    reasoning_total = 0
    for index in range(int(body.get("n") or 1)):
        d = digest if index == 0 else sub_digest(digest, index)
        calls = plan_calls(
            functions, tool_choice, parallel=parallel, after_tool_result=after_tool, digest=d, nested=True
        )
        answer = compose(
            d,
            mention=mention,
            text_format=text_format,
            calls=calls,
            budget=budget,
            stop=body.get("stop"),
            reasoning=reasoning_budget(d, body.get("reasoning_effort")) if reasoning_model else 0,
            shape=call.shape,
            finish_reasons=FINISH_REASONS,
        )
        message: dict[str, Any] = {
            "role": "assistant",
            "content": answer.content,
            "refusal": answer.refusal,
            "annotations": [],
        }
        finish = answer.finish
        if answer.calls and legacy is not None:
            name, arguments = answer.calls[0]
            message["function_call"] = {"name": name, "arguments": arguments}
            finish = "function_call"
        elif answer.calls:
            message["tool_calls"] = [
                {
                    "id": "call_" + call.ids.hex(f"call.{index}.{k}", 24),
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }
                for k, (name, arguments) in enumerate(answer.calls)
            ]
        logprobs = None
        if want_logprobs:
            pieces = token_pieces(answer.content) if answer.content else []
            logprobs = {"content": token_logprobs(pieces, d, top), "refusal": None}
        choices.append({"index": index, "message": message, "logprobs": logprobs, "finish_reason": finish})
        completion_tokens += answer.output_tokens + answer.reasoning_tokens
        reasoning_total += answer.reasoning_tokens
    body_out = {
        "id": "chatcmpl-" + call.ids.hex("chatcmpl", 29),
        "object": "chat.completion",
        "created": call.created,
        "model": model,
        "choices": choices,
        "usage": chat_usage(prompt_tokens, completion_tokens, reasoning_total),
        "service_tier": "default",
        "system_fingerprint": system_fingerprint(model),
    }
    return ModelResult(200, body_out, TokenUsage(prompt_tokens, 0, completion_tokens, reasoning_total))
