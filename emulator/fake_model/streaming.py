"""Streamed forms of finished answers: chat completion chunks, legacy completion chunks and responses' typed
events.

Both are cut from the non-streamed body, so the concatenated deltas equal what `respond` returns.
Text is streamed one token (as `tokens.token_pieces` cuts it) per chunk or delta event.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from emulator.fake_model.tokens import token_pieces

ARGUMENT_PIECE = 16


def pieces_of(text: str) -> list[str]:
    """Token pieces of `text` whose concatenation is exactly `text`."""
    pieces = token_pieces(text)
    joined = "".join(pieces)
    if joined != text:
        pieces.append(text[len(joined) :])
    return pieces


def _split(text: str, size: int = ARGUMENT_PIECE) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def chat_chunks(body: dict[str, Any], *, include_usage: bool) -> Iterator[dict[str, Any]]:
    """`chat.completion.chunk` dicts for a finished `chat.completion` body."""
    base = {
        "id": body["id"],
        "object": "chat.completion.chunk",
        "created": body["created"],
        "model": body["model"],
        "service_tier": body.get("service_tier"),
        "system_fingerprint": body.get("system_fingerprint"),
    }

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None, logprobs: Any = None) -> dict[str, Any]:
        out = dict(base)
        out["choices"] = [{"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish}]
        if include_usage:
            out["usage"] = None
        return out

    for choice in body["choices"]:
        index = choice["index"]
        message = choice["message"]
        tool_calls = message.get("tool_calls") or []
        function_call = message.get("function_call")
        calling = bool(tool_calls) or function_call is not None
        yield chunk(index, {"role": "assistant", "content": None if calling else "", "refusal": None})
        entries = (choice.get("logprobs") or {}).get("content") or []
        if message.get("content"):
            for i, piece in enumerate(pieces_of(message["content"])):
                lp = {"content": [entries[i]], "refusal": None} if i < len(entries) else None
                yield chunk(index, {"content": piece}, logprobs=lp)
        if message.get("refusal"):
            for piece in pieces_of(message["refusal"]):
                yield chunk(index, {"refusal": piece})
        for k, tool_call in enumerate(tool_calls):
            function = tool_call["function"]
            yield chunk(
                index,
                {
                    "tool_calls": [
                        {
                            "index": k,
                            "id": tool_call["id"],
                            "type": "function",
                            "function": {"name": function["name"], "arguments": ""},
                        }
                    ]
                },
            )
            for piece in _split(function["arguments"]):
                yield chunk(index, {"tool_calls": [{"index": k, "function": {"arguments": piece}}]})
        if function_call is not None:
            yield chunk(index, {"function_call": {"name": function_call["name"], "arguments": ""}})
            for piece in _split(function_call["arguments"]):
                yield chunk(index, {"function_call": {"arguments": piece}})
        yield chunk(index, {}, finish=choice["finish_reason"])
    if include_usage:
        final = dict(base)
        final["choices"] = []
        final["usage"] = body["usage"]
        yield final


def completion_chunks(body: Mapping[str, Any], *, include_usage: bool) -> Iterator[dict[str, Any]]:
    """`text_completion` chunks for a finished legacy completion: one token piece per chunk, then the finish."""
    base = {key: body[key] for key in ("id", "object", "created", "model", "system_fingerprint") if key in body}

    def chunk(choice: dict[str, Any]) -> dict[str, Any]:
        out = {**base, "choices": [choice]}
        if include_usage:
            out["usage"] = None
        return out

    for choice in body["choices"]:
        index = choice["index"]
        pieces = pieces_of(choice["text"])
        logprobs = choice.get("logprobs")
        aligned = isinstance(logprobs, Mapping) and len(logprobs.get("tokens") or ()) == len(pieces)
        for i, piece in enumerate(pieces):
            sliced = {key: value[i : i + 1] for key, value in logprobs.items()} if aligned and logprobs else None
            yield chunk({"text": piece, "index": index, "logprobs": sliced, "finish_reason": None})
        yield chunk({"text": "", "index": index, "logprobs": None, "finish_reason": choice["finish_reason"]})
    if include_usage:
        yield {**base, "choices": [], "usage": body.get("usage")}


def response_events(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """`response.*` event dicts for a finished `response` body, numbered by `sequence_number`."""
    sequence = 0

    def event(kind: str, **fields: Any) -> dict[str, Any]:
        nonlocal sequence
        out = {"type": kind, "sequence_number": sequence, **fields}
        sequence += 1
        return out

    start = dict(body)
    start.update(status="in_progress", output=[], usage=None, completed_at=None, incomplete_details=None)
    yield event("response.created", response=start)
    yield event("response.in_progress", response=start)
    for index, item in enumerate(body["output"]):
        kind = item["type"]
        if kind == "message":
            yield event(
                "response.output_item.added", output_index=index, item={**item, "status": "in_progress", "content": []}
            )
            for c, part in enumerate(item["content"]):
                yield from _content_events(event, item["id"], index, c, part)
        elif kind == "function_call":
            added = {**item, "status": "in_progress", "arguments": ""}
            yield event("response.output_item.added", output_index=index, item=added)
            for piece in _split(item["arguments"]):
                yield event(
                    "response.function_call_arguments.delta", item_id=item["id"], output_index=index, delta=piece
                )
            yield event(
                "response.function_call_arguments.done",
                item_id=item["id"],
                output_index=index,
                name=item["name"],
                arguments=item["arguments"],
            )
        else:
            yield event("response.output_item.added", output_index=index, item=item)
        yield event("response.output_item.done", output_index=index, item=item)
    final = "response.incomplete" if body.get("status") == "incomplete" else "response.completed"
    yield event(final, response=body)


def _content_events(event: Any, item_id: str, index: int, c: int, part: dict[str, Any]) -> Iterator[dict[str, Any]]:
    where = {"item_id": item_id, "output_index": index, "content_index": c}
    if part["type"] == "refusal":
        yield event("response.content_part.added", part={"type": "refusal", "refusal": ""}, **where)
        for piece in pieces_of(part["refusal"]):
            yield event("response.refusal.delta", delta=piece, **where)
        yield event("response.refusal.done", refusal=part["refusal"], **where)
    else:
        empty = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        yield event("response.content_part.added", part=empty, **where)
        entries = [
            {
                "token": e["token"],
                "logprob": e["logprob"],
                "top_logprobs": [{"token": t["token"], "logprob": t["logprob"]} for t in e["top_logprobs"]],
            }
            for e in part.get("logprobs") or []
        ]
        for i, piece in enumerate(pieces_of(part["text"]) if part["text"] else []):
            yield event("response.output_text.delta", delta=piece, logprobs=entries[i : i + 1], **where)
        yield event("response.output_text.done", text=part["text"], logprobs=entries, **where)
    yield event("response.content_part.done", part=part, **where)
