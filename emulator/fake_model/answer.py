"""The endpoint-independent core of a generated reply: text or tool calls, cut by stop and token budget.

Chat completions and responses both build on `compose`, then wrap its `Answer` in their own shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import orjson

from emulator.engine.errors import InvalidRequest
from emulator.fake_model.digest import rng_for, sub_digest
from emulator.fake_model.result import ResponseShape
from emulator.fake_model.schema.instance import SchemaTooLarge, instance_for
from emulator.fake_model.text import cut_at_stop, prose, prose_counted, prose_within
from emulator.fake_model.tokens import count_tokens, first_tokens
from emulator.fake_model.tools import FunctionSpec, arguments_for

_EFFORT_BASE = {"none": 0, "minimal": 8, "low": 32, "medium": 128, "high": 384, "xhigh": 768}


@dataclass(slots=True)
class Answer:
    """One generated reply before it is dressed as a chat choice or a responses output."""

    content: str | None
    refusal: str | None = None
    calls: list[tuple[str, str]] = field(default_factory=list)
    finish: str = "stop"
    output_tokens: int = 0
    reasoning_tokens: int = 0


def reasoning_budget(digest: bytes, effort: Any) -> int:
    """Hidden reasoning tokens of a reasoning model, larger for higher `reasoning_effort` (at least 1)."""
    base = _EFFORT_BASE.get(effort if isinstance(effort, str) else "medium", 128)
    return max(1, base + (digest[3] % 8) * base // 8)


def json_object_text(digest: bytes, mention: str) -> str:
    """A small JSON object for `response_format: json_object`."""
    return orjson.dumps({"answer": prose(digest, mention, 4, 16), "topic": mention or "general"}).decode()


def schema_text(digest: bytes, schema: Mapping[str, Any]) -> str:
    """Compact JSON of an instance of `schema` (a best-effort one if the schema cannot be satisfied exactly)."""
    try:
        value = instance_for(schema, partial(rng_for, sub_digest(digest, "schema")))
    except SchemaTooLarge as error:
        raise InvalidRequest(f"Invalid schema for response_format: {error}.") from None
    return orjson.dumps(value).decode()


def text_reply(
    digest: bytes, mention: str, text_format: str | Mapping[str, Any], budget: int | None, stop: Any
) -> tuple[str, int, str]:
    """A text reply (prose, a JSON object or a schema instance), cut at a stop sequence and to `budget` visible
    tokens: (text, its tokens, finish reason)."""
    tokens = -1
    if text_format == "text" and not stop and budget is not None and budget > 0:
        text, tokens, cut = prose_within(digest, mention, budget)
        return text, tokens, "length" if cut else "stop"
    if text_format == "text":
        text, tokens = prose_counted(digest, mention)
    elif text_format == "json_object":
        text = json_object_text(digest, mention)
    else:
        assert isinstance(text_format, Mapping)
        text = schema_text(digest, text_format)
    finish = "stop"
    if stop:
        text, stopped = cut_at_stop(text, stop)
        if stopped:
            tokens = -1
    if tokens < 0:
        tokens = count_tokens(text)
    if budget is not None and tokens > budget:
        # the first `budget` tokens of a longer text count exactly `budget` tokens
        text = first_tokens(text, budget) if budget > 0 else ""
        tokens = max(budget, 0)
        finish = "length"
    return text, tokens, finish


def compose(
    digest: bytes,
    *,
    mention: str,
    text_format: str | Mapping[str, Any],
    calls: Sequence[FunctionSpec],
    budget: int | None,
    stop: Any,
    reasoning: int,
    shape: ResponseShape,
    finish_reasons: frozenset[str],
) -> Answer:
    """Build the reply. `text_format` is "text", "json_object" or a JSON schema; `reasoning` is 0 for plain models."""
    if budget is not None and reasoning:
        reasoning = min(reasoning, budget // 2)
    visible_budget = None if budget is None else budget - reasoning
    if shape.refusal is not None:
        answer = Answer(None, refusal=shape.refusal, output_tokens=count_tokens(shape.refusal))
    elif calls:
        pairs = [(f.name, arguments_for(f, digest)) for f in calls]
        tokens = sum(count_tokens(name) + count_tokens(args) + 3 for name, args in pairs)
        answer = Answer(None, calls=pairs, finish="tool_calls", output_tokens=tokens)
    else:
        text, tokens, finish = text_reply(digest, mention, text_format, visible_budget, stop)
        answer = Answer(text, finish=finish, output_tokens=tokens)
    if shape.empty_content and answer.content is not None:
        answer.content = ""
        answer.output_tokens = 0
    if shape.finish_reason is not None and shape.finish_reason in finish_reasons:
        answer.finish = shape.finish_reason
    answer.reasoning_tokens = reasoning
    return answer
