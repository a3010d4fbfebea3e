"""`POST /v1/chat/completions`: a `chat.completion` object honouring n, budgets, stop, formats, tools, logprobs.

The deprecated `functions` / `function_call` pair is honoured when no `tools` are given: it plans like tools
(one call at most, `function_call` "none", "auto" or `{"name"}`) and answers with `message.function_call` and
`finish_reason: "function_call"`, as the API did before tools.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

from emulator.engine.errors import InvalidRequest
from emulator.fake_model.answer import compose, reasoning_budget, text_reply
from emulator.fake_model.catalogue import context_window, is_reasoning_model
from emulator.fake_model.context import Call
from emulator.fake_model.digest import hex_of, sub_digest
from emulator.fake_model.logprobs import token_logprobs
from emulator.fake_model.result import ModelResult, TokenUsage
from emulator.fake_model.text import mention_from
from emulator.fake_model.tokens import content_text, count_message_tokens, count_tokens, token_pieces
from emulator.fake_model.tools import FunctionSpec, function_tools, plan_calls

FINISH_REASONS = frozenset({"stop", "length", "tool_calls", "content_filter", "function_call"})


@lru_cache(maxsize=256)
def system_fingerprint(model: str) -> str:
    """A stable `fp_…` per model name."""
    return "fp_" + hex_of(f"fingerprint\x1f{model}", 10)


def context_length_error(model: str, window: int, tokens: int, param: str) -> InvalidRequest:
    return InvalidRequest(
        f"This model's maximum context length is {window} tokens. However, your messages resulted in {tokens} "
        "tokens. Please reduce the length of the messages.",
        param=param,
        code="context_length_exceeded",
    )


def json_schema_of(response_format: Any) -> Mapping[str, Any] | None:
    """The schema inside a chat `response_format` or a responses `text.format` of type json_schema."""
    if not isinstance(response_format, Mapping) or response_format.get("type") != "json_schema":
        return None
    holder = response_format.get("json_schema", response_format)
    schema = holder.get("schema") if isinstance(holder, Mapping) else None
    return schema if isinstance(schema, Mapping) else {"type": "object"}


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
    after_tool = (type(last) is dict or isinstance(last, Mapping)) and last.get("role") in ("tool", "function")
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


@dataclass(frozen=True, slots=True)
class ChatPlan:
    """What a chat answer takes from everything in the body but `messages` (kept per request form)."""

    model: str
    legacy: bool  # the deprecated functions/function_call pair stands in for tools
    functions: list[FunctionSpec]
    tool_tokens: int
    window: int
    text_format: str | Mapping[str, Any]
    budget: int | None
    reasoning_model: bool
    reasoning_effort: Any
    parallel: bool
    tool_choice: Any
    want_logprobs: bool
    top: int
    n: int
    stop: Any
    fingerprint: str
    plain: bool  # one text choice, no tools, no logprobs, no reasoning: answered without the general loop


def chat_plan(body: Mapping[str, Any]) -> ChatPlan:
    model = str(body.get("model") or "")
    legacy = legacy_functions(body)
    tools = body.get("tools") if legacy is None else [{"type": "function", "function": f} for f in legacy]
    tool_tokens = count_tokens(orjson.dumps(legacy if legacy is not None else tools).decode()) if tools else 0
    functions = function_tools(tools, nested=True)
    text_format = text_format_of(body.get("response_format"))
    n = int(body.get("n") or 1)
    want_logprobs = body.get("logprobs") is True
    reasoning_model = is_reasoning_model(model)
    return ChatPlan(
        model=model,
        legacy=legacy is not None,
        functions=functions,
        tool_tokens=tool_tokens,
        window=context_window(model),
        text_format=text_format,
        budget=body.get("max_completion_tokens") or body.get("max_tokens"),
        reasoning_model=reasoning_model,
        reasoning_effort=body.get("reasoning_effort"),
        parallel=legacy is None and body.get("parallel_tool_calls") is not False,
        tool_choice=body.get("tool_choice") if legacy is None else _tool_choice_of(body.get("function_call")),
        want_logprobs=want_logprobs,
        top=int(body.get("top_logprobs") or 0),
        n=n,
        stop=body.get("stop"),
        fingerprint=system_fingerprint(model),
        plain=not functions and text_format == "text" and n == 1 and not want_logprobs and not reasoning_model,
    )


def plan_of(call: Call) -> ChatPlan:
    """The plan of the call's body, made once per request form."""
    form = call.form
    if form is None:
        return chat_plan(call.body)
    plan = form.plan
    if not isinstance(plan, ChatPlan):
        plan = form.plan = chat_plan(call.body)
    return plan


def answer_chat(call: Call) -> ModelResult:
    plan = plan_of(call)
    messages: list[Any] = call.body["messages"]
    model = plan.model
    prompt_tokens = count_message_tokens(messages) + plan.tool_tokens
    if prompt_tokens > plan.window:
        raise context_length_error(model, plan.window, prompt_tokens, "messages")
    user_text, after_tool = last_user_text(messages)
    digest = call.digest
    mention = mention_from(user_text, digest)
    shape = call.shape
    if plan.plain and shape.refusal is None and not shape.empty_content and shape.finish_reason is None:
        text, tokens, finish = text_reply(digest, mention, "text", plan.budget, plan.stop)
        reply: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None, "annotations": []}
        only = {"index": 0, "message": reply, "logprobs": None, "finish_reason": finish}
        return _completion(call, plan, [only], prompt_tokens, tokens, 0)
    choices: list[dict[str, Any]] = []
    completion_tokens = 0
    reasoning_total = 0
    for index in range(plan.n):
        d = digest if index == 0 else sub_digest(digest, index)
        calls = plan_calls(
            plan.functions,
            plan.tool_choice,
            parallel=plan.parallel,
            after_tool_result=after_tool,
            digest=d,
            nested=True,
        )
        answer = compose(
            d,
            mention=mention,
            text_format=plan.text_format,
            calls=calls,
            budget=plan.budget,
            stop=plan.stop,
            reasoning=reasoning_budget(d, plan.reasoning_effort) if plan.reasoning_model else 0,
            shape=shape,
            finish_reasons=FINISH_REASONS,
        )
        message: dict[str, Any] = {
            "role": "assistant",
            "content": answer.content,
            "refusal": answer.refusal,
            "annotations": [],
        }
        finish = answer.finish
        if answer.calls and plan.legacy:
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
        if plan.want_logprobs:
            pieces = token_pieces(answer.content) if answer.content else []
            logprobs = {"content": token_logprobs(pieces, d, plan.top), "refusal": None}
        choices.append({"index": index, "message": message, "logprobs": logprobs, "finish_reason": finish})
        completion_tokens += answer.output_tokens + answer.reasoning_tokens
        reasoning_total += answer.reasoning_tokens
    return _completion(call, plan, choices, prompt_tokens, completion_tokens, reasoning_total)


def _completion(
    call: Call, plan: ChatPlan, choices: list[dict[str, Any]], prompt: int, completion: int, reasoning: int
) -> ModelResult:
    """The `chat.completion` object around its choices, with its usage."""
    body_out = {
        "id": "chatcmpl-" + call.ids.hex("chatcmpl", 29),
        "object": "chat.completion",
        "created": call.created,
        "model": plan.model,
        "choices": choices,
        "usage": chat_usage(prompt, completion, reasoning),
        "service_tier": "default",
        "system_fingerprint": plan.fingerprint,
    }
    return ModelResult(200, body_out, TokenUsage(prompt, 0, completion, reasoning))
