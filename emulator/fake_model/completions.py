"""`POST /v1/completions` (legacy): a `text_completion` with one choice per prompt and per `n`.

Like the real endpoint, `max_tokens` defaults to 16, so longer answers end with `finish_reason: "length"`.
`echo` prepends the prompt, `suffix` is appended, `logprobs: k` adds the legacy logprobs block.
"""

from __future__ import annotations

from typing import Any

from emulator.fake_model.catalogue import context_window
from emulator.fake_model.chat import context_length_error, system_fingerprint
from emulator.fake_model.context import Call
from emulator.fake_model.digest import sub_digest
from emulator.fake_model.logprobs import token_logprobs
from emulator.fake_model.result import ModelResult, TokenUsage
from emulator.fake_model.text import cut_at_stop, mention_from, prose
from emulator.fake_model.tokens import count_tokens, token_pieces, truncate_to_tokens

DEFAULT_MAX_TOKENS = 16
FINISH_REASONS = frozenset({"stop", "length", "content_filter"})


def prompts_of(prompt: Any) -> list[tuple[str, int]]:
    """Each prompt as (text, token count); token arrays count their own length."""
    if isinstance(prompt, str):
        return [(prompt, count_tokens(prompt))]
    if isinstance(prompt, list) and prompt and all(isinstance(t, int) for t in prompt):
        return [(" ".join(map(str, prompt)), len(prompt))]
    out: list[tuple[str, int]] = []
    for item in prompt or [""]:
        if isinstance(item, list):
            out.append((" ".join(map(str, item)), len(item)))
        else:
            text = str(item)
            out.append((text, count_tokens(text)))
    return out


def legacy_logprobs(text: str, digest: bytes, top: int, offset: int) -> dict[str, Any]:
    entries = token_logprobs(token_pieces(text), digest, top)
    offsets: list[int] = []
    position = offset
    for entry in entries:
        offsets.append(position)
        position += len(entry["token"])
    return {
        "tokens": [e["token"] for e in entries],
        "token_logprobs": [e["logprob"] for e in entries],
        "top_logprobs": [{t["token"]: t["logprob"] for t in e["top_logprobs"]} for e in entries],
        "text_offset": offsets,
    }


def answer_completions(call: Call) -> ModelResult:
    body = call.body
    model = call.model
    prompts = prompts_of(body["prompt"])
    prompt_tokens = sum(tokens for _, tokens in prompts)
    window = context_window(model)
    if prompt_tokens > window:
        raise context_length_error(model, window, prompt_tokens, "prompt")
    max_tokens = body.get("max_tokens")
    budget = DEFAULT_MAX_TOKENS if max_tokens is None else int(max_tokens)
    n = int(body.get("n") or 1)
    echo = body.get("echo") is True
    declared_suffix = body.get("suffix")
    suffix = declared_suffix if isinstance(declared_suffix, str) else ""
    want_logprobs = body.get("logprobs")
    shape = call.shape
    choices: list[dict[str, Any]] = []
    completion_tokens = 0
    for p, (prompt_text, _) in enumerate(prompts):
        base = call.digest if p == 0 else sub_digest(call.digest, f"prompt{p}")
        mention = mention_from(prompt_text, base)
        for j in range(n):
            d = base if j == 0 else sub_digest(base, j)
            text = " " + prose(d, mention)
            finish = "stop"
            text, _stopped = cut_at_stop(text, body.get("stop"))
            text, cut = truncate_to_tokens(text, budget)
            if cut:
                finish = "length"
            if shape.empty_content:
                text = ""
            if shape.finish_reason in FINISH_REASONS:
                finish = shape.finish_reason
            completion_tokens += count_tokens(text)
            logprobs = None
            if isinstance(want_logprobs, int) and not isinstance(want_logprobs, bool):
                logprobs = legacy_logprobs(text, d, want_logprobs, len(prompt_text) if echo else 0)
            full = (prompt_text if echo else "") + text + suffix
            choices.append({"text": full, "index": len(choices), "logprobs": logprobs, "finish_reason": finish})
    out = {
        "id": "cmpl-" + call.ids.hex("cmpl", 29),
        "object": "text_completion",
        "created": call.created,
        "model": model,
        "choices": choices,
        "system_fingerprint": system_fingerprint(model),
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    return ModelResult(200, out, TokenUsage(prompt_tokens, 0, completion_tokens, 0))
