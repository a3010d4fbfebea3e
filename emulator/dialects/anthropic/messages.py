"""Anthropic Messages params as a chat completions request for the fake model, and its chat answer as a
Messages `message`.

- `system`, text blocks and `stop_sequences` map onto chat messages and `stop`; image and document blocks
  count only through their text.
- Client tools (`name`, `description`, `input_schema`) become function tools; `tool_choice` `auto`, `any`,
  `tool` (by name) and `none` become `auto`, `required`, a named function and `none`;
  `disable_parallel_tool_use` turns parallel calls off. Server tools (those with a versioned `type` such as
  `web_search_20250305`) are left out: the fake model runs no server tools.
- History keeps its structure: an assistant turn's `tool_use` blocks become its `tool_calls`, and a user turn's
  `tool_result` blocks become `tool` messages after the turn's text, so a conversation that ends with tool
  results gets a text answer, as in the chat API.
- The answer's tool calls come back as `tool_use` blocks (`toolu_…` ids, `input` parsed from the arguments,
  valid against the tool's `input_schema`) with `stop_reason: "tool_use"`.
- `thinking` (`enabled` with `budget_tokens`, or `adaptive`) gives a `thinking` block before the answer: its
  length (64 to 255 tokens, within the budget) is chosen from the params when the request is mapped and kept
  in the chat request's `metadata` (`thinking_tokens`); the answer's `max_tokens` is what remains, and
  `output_tokens` counts both.
- The `message` has every field Anthropic's OpenAPI document requires: text blocks carry `citations: null`,
  tool_use blocks a `direct` caller, `stop_details` is null (a refusal's details, category and explanation
  unknown, for `stop_reason: "refusal"`), `container` is null (no container tools run) and `usage` has the
  cache breakdown (zeros), `output_tokens_details` (the thinking tokens, null without thinking), no server
  tool use, the `batch` service tier and `inference_geo: "not_available"`.
- A stop by one of `stop_sequences` reports `stop_reason: "stop_sequence"` and the sequence; the caller finds
  which one (it can ask the fake model for the uncut text) and passes it to `message`.

`request_problem` says why Anthropic would refuse params while processing (they become `errored` results).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import orjson

from emulator.engine.ids import derived_hex
from emulator.fake_model.digest import sub_digest
from emulator.fake_model.text import prose
from emulator.fake_model.tokens import count_tokens, first_tokens

STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "content_filter": "refusal"}
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
CLIENT_TOOL_TYPES = (None, "custom")
CHOICE_TYPES = ("auto", "any", "tool", "none")
THINKING_TYPES = ("enabled", "disabled", "adaptive")
MIN_THINKING_BUDGET = 1024
DIRECT_CALLER = {"type": "direct"}  # a tool_use block's `caller` when the model itself called the tool
REFUSAL_DETAILS = {"type": "refusal", "category": None, "explanation": None}  # `stop_details` of a refusal
INFERENCE_GEO = "not_available"  # what the real API reports in a batch result's `usage.inference_geo`
THINKING_TOKENS = "thinking_tokens"  # the chat request's metadata key that carries the thinking length


def text_of(content: Any) -> str:
    """Message, system or tool-result content as plain text: a string, or the text of its text blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(b.get("text", "")) for b in content if isinstance(b, dict) and b.get("type") == "text")
    return ""


def request_problem(params: dict[str, Any]) -> str | None:
    """Why Anthropic would reject these params while processing, or None."""
    if params.get("stream") is True:
        return "stream: Streaming is not supported in the Message Batches API."
    if not isinstance(params.get("model"), str) or not params["model"]:
        return "model: Field required"
    tokens = params.get("max_tokens")
    if isinstance(tokens, bool) or not isinstance(tokens, int):
        return "max_tokens: Field required"
    if tokens < 1:
        return "max_tokens: Input should be greater than or equal to 1"
    messages = params.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            return f"messages.{index}.role: Input should be 'user' or 'assistant'"
    return _tools_problem(params.get("tools"), params.get("tool_choice")) or _thinking_problem(params)


def _thinking_problem(params: dict[str, Any]) -> str | None:
    thinking = params.get("thinking")
    if thinking is None:
        return None
    if not isinstance(thinking, dict) or thinking.get("type") not in THINKING_TYPES:
        return "thinking: Input tag does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'"
    if thinking["type"] == "disabled":
        return None
    if thinking["type"] == "enabled":
        budget = thinking.get("budget_tokens")
        if isinstance(budget, bool) or not isinstance(budget, int):
            return "thinking.enabled.budget_tokens: Field required"
        if budget < MIN_THINKING_BUDGET:
            return f"thinking.enabled.budget_tokens: Input should be greater than or equal to {MIN_THINKING_BUDGET}"
        if budget >= params["max_tokens"]:
            return "`max_tokens` must be greater than `thinking.budget_tokens`."
    choice = params.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("any", "tool"):
        return "Thinking may not be enabled when tool_choice forces tool use."
    temperature = params.get("temperature")
    if temperature is not None and temperature != 1:
        return "`temperature` may only be set to 1 when thinking is enabled."
    return None


def thinking_tokens(params: dict[str, Any]) -> int:
    """How long the thinking of these (checked) params is: 0 without thinking, else 64 to 255 tokens chosen
    from the params, within the budget and leaving at least one token of `max_tokens` for the answer."""
    thinking = params.get("thinking")
    if not isinstance(thinking, dict) or thinking.get("type") not in ("enabled", "adaptive"):
        return 0
    room = int(params["max_tokens"]) - 1
    budget = int(thinking["budget_tokens"]) if thinking["type"] == "enabled" else room
    pick = hashlib.blake2b(orjson.dumps(params, option=orjson.OPT_SORT_KEYS), digest_size=2).digest()
    return max(0, min(64 + pick[0] % 192, budget, room))


def _tools_problem(tools: Any, choice: Any) -> str | None:
    if tools is not None and not isinstance(tools, list):
        return "tools: Input should be a valid list"
    names: list[str] = []
    for index, tool in enumerate(tools or []):
        if not isinstance(tool, dict):
            return f"tools.{index}: Input should be a valid dictionary"
        if tool.get("type") not in CLIENT_TOOL_TYPES:
            continue
        name = tool.get("name")
        if not isinstance(name, str):
            return f"tools.{index}.custom.name: Field required"
        if not TOOL_NAME.match(name):
            return f"tools.{index}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'"
        schema = tool.get("input_schema")
        if not isinstance(schema, dict):
            return f"tools.{index}.custom.input_schema: Field required"
        if schema.get("type") != "object":
            return f"tools.{index}.custom.input_schema.type: Input should be 'object'"
        if name in names:
            return f"tools: Tool names must be unique. Duplicate name: '{name}'"
        names.append(name)
    if choice is None:
        return None
    if not isinstance(choice, dict) or choice.get("type") not in CHOICE_TYPES:
        return "tool_choice: Input tag does not match any of the expected tags: 'auto', 'any', 'tool', 'none'"
    if choice["type"] in ("any", "tool") and not tools:
        return "tool_choice: tool_choice may only be specified while providing tools."
    if choice["type"] == "tool" and choice.get("name") not in names:
        return f"tool_choice: Tool '{choice.get('name')}' not found in the provided tools."
    return None


def chat_body(params: dict[str, Any], model: str) -> dict[str, Any]:
    """The chat completions request that stands for a Messages request (checked by `request_problem`)."""
    messages: list[dict[str, Any]] = []
    system = text_of(params.get("system"))
    if system:
        messages.append({"role": "system", "content": system})
    for message in params["messages"]:
        messages.extend(_chat_messages(message))
    thinking = thinking_tokens(params)
    body: dict[str, Any] = {"model": model, "messages": messages, "max_tokens": params["max_tokens"] - thinking}
    if thinking:
        body["metadata"] = {THINKING_TOKENS: str(thinking)}
    for name in ("temperature", "top_p"):
        if isinstance(params.get(name), (int, float)) and not isinstance(params.get(name), bool):
            body[name] = params[name]
    stops = params.get("stop_sequences")
    if isinstance(stops, list) and stops:
        body["stop"] = [str(s) for s in stops[:4]]
    tools = [_function_tool(tool) for tool in params.get("tools") or [] if tool.get("type") in CLIENT_TOOL_TYPES]
    if tools:
        body["tools"] = tools
        choice = params.get("tool_choice") or {"type": "auto"}
        body["tool_choice"] = _chat_tool_choice(choice)
        if choice.get("disable_parallel_tool_use") is True:
            body["parallel_tool_calls"] = False
    return body


def _chat_messages(message: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One Messages turn as chat messages: its text, then its tool calls or tool results."""
    role, content = message["role"], message.get("content")
    blocks = [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []
    if role == "assistant":
        calls = [_tool_call(b) for b in blocks if b.get("type") == "tool_use"]
        reply: dict[str, Any] = {"role": "assistant", "content": text_of(content)}
        if calls:
            reply["tool_calls"] = calls
        yield reply
        return
    results = [b for b in blocks if b.get("type") == "tool_result"]
    text = text_of(content)
    if text or not results:
        yield {"role": "user", "content": text}
    for result in results:
        yield {
            "role": "tool",
            "tool_call_id": str(result.get("tool_use_id", "")),
            "content": text_of(result.get("content")),
        }


def _tool_call(block: Mapping[str, Any]) -> dict[str, Any]:
    arguments = orjson.dumps(block.get("input") or {}).decode()
    return {
        "id": str(block.get("id", "")),
        "type": "function",
        "function": {"name": block.get("name"), "arguments": arguments},
    }


def _function_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    function: dict[str, Any] = {"name": tool["name"], "parameters": tool["input_schema"]}
    if isinstance(tool.get("description"), str):
        function["description"] = tool["description"]
    return {"type": "function", "function": function}


def _chat_tool_choice(choice: Mapping[str, Any]) -> Any:
    kind = choice.get("type")
    if kind == "tool":
        return {"type": "function", "function": {"name": choice["name"]}}
    return {"any": "required", "none": "none"}.get(str(kind), "auto")


def thinking_of(request: Mapping[str, Any] | None) -> int:
    """The thinking length a mapped chat request carries (0 for none)."""
    metadata = request.get("metadata") if request is not None else None
    value = metadata.get(THINKING_TOKENS) if isinstance(metadata, Mapping) else None
    return int(value) if isinstance(value, str) and value.isdigit() else 0


def thinking_block(seed: str, tokens: int) -> tuple[dict[str, Any], int]:
    """A `thinking` block of at most `tokens` tokens made from `seed`, and its token count."""
    digest = hashlib.blake2b(seed.encode(), digest_size=64).digest()
    parts: list[str] = []
    round_ = 0
    while count_tokens(" ".join(parts)) <= tokens:
        parts.append(prose(sub_digest(digest, round_), min_words=30, max_words=60))
        round_ += 1
    text = first_tokens(" ".join(parts), tokens).rstrip()
    signature = base64.b64encode(hashlib.blake2b(text.encode(), digest_size=48).digest()).decode()
    return {"type": "thinking", "thinking": text, "signature": signature}, count_tokens(text)


def stop_sequence_hit(text: str, uncut: str, stops: Sequence[str]) -> str | None:
    """Which of `stops` cut `uncut` down to `text` (None when none did)."""
    for stop in stops:
        if stop and uncut.startswith(text + stop):
            return stop
    return None


def message(chat: dict[str, Any], model: str, *, thinking: int = 0, stop_sequence: str | None = None) -> dict[str, Any]:
    """A Messages API answer built from the fake model's chat completion, with `thinking` tokens of thinking
    before it and the `stop_sequence` that ended it, if any."""
    choice = (chat.get("choices") or [{}])[0]
    reply = choice.get("message") or {}
    content: list[dict[str, Any]] = []
    thought = 0
    if thinking:
        block, thought = thinking_block(str(chat.get("id", "")), thinking)
        content.append(block)
    text = reply.get("content") or reply.get("refusal")
    if text:
        content.append({"type": "text", "text": text, "citations": None})
    for call in reply.get("tool_calls") or []:
        function = call.get("function") or {}
        try:
            arguments = orjson.loads(function.get("arguments") or "{}")
        except orjson.JSONDecodeError:
            arguments = {}
        content.append(
            {
                "type": "tool_use",
                "id": "toolu_" + str(call.get("id", ""))[-24:],
                "name": function.get("name"),
                "input": arguments,
                "caller": dict(DIRECT_CALLER),
            }
        )
    usage = chat.get("usage") or {}
    stop_reason = (
        "stop_sequence" if stop_sequence is not None else STOP_REASONS.get(str(choice.get("finish_reason")), "end_turn")
    )
    return {
        "id": "msg_" + derived_hex(str(chat.get("id", "")), n=24),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        "stop_details": dict(REFUSAL_DETAILS) if stop_reason == "refusal" else None,
        "usage": {
            "input_tokens": int(usage.get("prompt_tokens", 0)),
            "output_tokens": int(usage.get("completion_tokens", 0)) + thought,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "output_tokens_details": {"thinking_tokens": thought} if thinking else None,
            "server_tool_use": None,
            "service_tier": "batch",
            "inference_geo": INFERENCE_GEO,
        },
        "container": None,
    }
