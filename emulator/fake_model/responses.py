"""`POST /v1/responses`: a `response` object with reasoning, message or function-call output items.

`max_output_tokens` cuts the text and marks the response `incomplete` (reason `max_output_tokens`);
`text.format` json_object / json_schema shape the text; function tools follow the rules in `tools`;
`include: ["message.output_text.logprobs"]` adds logprobs. Reasoning models add a reasoning item
and report `output_tokens_details.reasoning_tokens`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.fake_model.answer import Answer, compose, reasoning_budget
from emulator.fake_model.catalogue import context_window, is_reasoning_model
from emulator.fake_model.chat import context_length_error, text_format_of
from emulator.fake_model.context import Call
from emulator.fake_model.logprobs import token_logprobs
from emulator.fake_model.result import ModelResult, TokenUsage
from emulator.fake_model.text import mention_from
from emulator.fake_model.tokens import MESSAGE_OVERHEAD, REPLY_PRIMING, content_text, count_tokens, token_pieces
from emulator.fake_model.tools import function_tools, plan_calls

FINISH_REASONS = frozenset({"stop", "length", "content_filter", "tool_calls"})
LOGPROBS_INCLUDE = "message.output_text.logprobs"


def read_input(body: Mapping[str, Any]) -> tuple[str, bool, int]:
    """(text of the last user message, whether the input ends with a tool result, prompt tokens)."""
    value = body.get("input")
    tokens = REPLY_PRIMING
    instructions = body.get("instructions")
    if isinstance(instructions, str):
        tokens += MESSAGE_OVERHEAD + count_tokens(instructions)
    if isinstance(value, str):
        return value, False, tokens + MESSAGE_OVERHEAD + count_tokens(value)
    user_text = ""
    after_tool = False
    for item in value or []:
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type", "message")
        after_tool = kind in ("function_call_output", "custom_tool_call_output")
        if kind == "message" or "role" in item:
            text = content_text(item.get("content"))
            if item.get("role") == "user":
                user_text = text
        elif kind == "function_call":
            text = f"{item.get('name', '')} {item.get('arguments', '')}"
        else:
            output = item.get("output")
            text = output if isinstance(output, str) else content_text(output)
        tokens += MESSAGE_OVERHEAD + count_tokens(text)
    return user_text, after_tool, tokens


def echo_tools(tools: Any) -> list[Any]:
    """The request's tools as the response object lists them (function tools get `strict` filled in)."""
    if not isinstance(tools, list):
        return []
    out: list[Any] = []
    for tool in tools:
        if isinstance(tool, Mapping) and tool.get("type") == "function":
            out.append(
                {
                    "type": "function",
                    "name": tool.get("name"),
                    "description": tool.get("description"),
                    "parameters": tool.get("parameters"),
                    "strict": tool.get("strict", True),
                }
            )
        else:
            out.append(tool)
    return out


def echo_text_config(text: Any) -> dict[str, Any]:
    config = text if isinstance(text, Mapping) else {}
    fmt = config.get("format")
    if not isinstance(fmt, Mapping) or fmt.get("type") not in ("json_object", "json_schema"):
        clean: dict[str, Any] = {"type": "text"}
    elif fmt["type"] == "json_object":
        clean = {"type": "json_object"}
    else:
        schema = fmt.get("schema")
        clean = {
            "type": "json_schema",
            "name": fmt.get("name"),
            "schema": schema if isinstance(schema, Mapping) else {},
            "strict": fmt.get("strict", True),
            "description": fmt.get("description"),
        }
    return {"format": clean, "verbosity": config.get("verbosity") or "medium"}


def output_items(call: Call, answer: Answer, logprobs_top: int | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if answer.reasoning_tokens:
        items.append({"id": "rs_" + call.ids.hex("rs", 48), "type": "reasoning", "summary": []})
    if answer.calls:
        for k, (name, arguments) in enumerate(answer.calls):
            items.append(
                {
                    "id": "fc_" + call.ids.hex(f"fc.{k}", 48),
                    "type": "function_call",
                    "status": "completed",
                    "call_id": "call_" + call.ids.hex(f"call.{k}", 24),
                    "name": name,
                    "arguments": arguments,
                }
            )
        return items
    if answer.refusal is not None:
        content: dict[str, Any] = {"type": "refusal", "refusal": answer.refusal}
    else:
        text = answer.content or ""
        content = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
        if logprobs_top is not None:
            content["logprobs"] = token_logprobs(token_pieces(text), call.digest, logprobs_top)
    items.append(
        {
            "id": "msg_" + call.ids.hex("msg", 48),
            "type": "message",
            "status": "incomplete" if answer.finish in ("length", "content_filter") else "completed",
            "role": "assistant",
            "content": [content],
        }
    )
    return items


def answer_responses(call: Call) -> ModelResult:
    body = call.body
    model = call.model
    user_text, after_tool, prompt_tokens = read_input(body)
    window = context_window(model)
    if prompt_tokens > window:
        raise context_length_error(model, window, prompt_tokens, "input")
    reasoning_model = is_reasoning_model(model)
    declared_reasoning = body.get("reasoning")
    reasoning_config: Mapping[str, Any] = declared_reasoning if isinstance(declared_reasoning, Mapping) else {}
    effort = reasoning_config.get("effort") or ("medium" if reasoning_model else None)
    declared_text = body.get("text")
    text_config: Mapping[str, Any] = declared_text if isinstance(declared_text, Mapping) else {}
    parallel = body.get("parallel_tool_calls") is not False
    calls = plan_calls(
        function_tools(body.get("tools"), nested=False),
        body.get("tool_choice"),
        parallel=parallel,
        after_tool_result=after_tool,
        digest=call.digest,
        nested=False,
    )
    answer = compose(
        call.digest,
        mention=mention_from(user_text, call.digest),
        text_format=text_format_of(text_config.get("format")),
        calls=calls,
        budget=body.get("max_output_tokens"),
        stop=None,
        reasoning=reasoning_budget(call.digest, effort) if reasoning_model else 0,
        shape=call.shape,
        finish_reasons=FINISH_REASONS,
    )
    include = body.get("include")
    wants_logprobs = isinstance(include, list) and LOGPROBS_INCLUDE in include
    logprobs_top = int(body.get("top_logprobs") or 0) if wants_logprobs else None
    incomplete = {"length": "max_output_tokens", "content_filter": "content_filter"}.get(answer.finish)
    output_tokens = answer.output_tokens + answer.reasoning_tokens
    out = {
        "id": "resp_" + call.ids.hex("resp", 48),
        "object": "response",
        "created_at": call.created,
        "status": "incomplete" if incomplete else "completed",
        "background": False,
        "completed_at": None if incomplete else call.created,
        "error": None,
        "incomplete_details": {"reason": incomplete} if incomplete else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "model": model,
        "output": output_items(call, answer, logprobs_top),
        "parallel_tool_calls": parallel,
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "reasoning": {"effort": effort, "summary": reasoning_config.get("summary")},
        "safety_identifier": body.get("safety_identifier"),
        "service_tier": "default",
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": echo_text_config(text_config),
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": echo_tools(body.get("tools")),
        "top_logprobs": body.get("top_logprobs") or 0,
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation") or "disabled",
        "usage": {
            "input_tokens": prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": answer.reasoning_tokens},
            "total_tokens": prompt_tokens + output_tokens,
        },
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }
    return ModelResult(200, out, TokenUsage(prompt_tokens, 0, output_tokens, answer.reasoning_tokens))
