"""Batch lines answered straight to JSON bytes.

A batch runner needs each answer as the bytes of its result line, not as a dict. `LineAnswer` carries the
status, the JSON of the body and the usage. Most lines of a chat batch are plain: a request form whose answer
is one text choice (no tools, formats, logprobs, n or reasoning) and a `messages` list of simple messages
(a role and a string content). For those the answer is filled into a template made once per request form:
the digests come from hash states already fed with the form's fixed JSON, and the body's JSON is assembled
around the few values that change (id, created, content, finish reason, usage). The bytes are exactly those
of `orjson.dumps` of the body `FakeModel.respond` gives; every other line is answered by `respond`.
"""

from __future__ import annotations

from binascii import hexlify
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any, NamedTuple

import orjson

from emulator.fake_model.answer import text_reply
from emulator.fake_model.chat import ChatPlan
from emulator.fake_model.digest import ID_DIGEST_SIZE, content_hasher, digest_suffix
from emulator.fake_model.request_forms import FormCache, RequestForm
from emulator.fake_model.result import TokenUsage
from emulator.fake_model.text import MENTION_WINDOW, PUNCTUATION, mention_among, prose_within
from emulator.fake_model.tokens import MESSAGE_OVERHEAD, REPLY_PRIMING, count_tokens
from emulator.fake_model.validation.endpoints import CHAT

# Roles a plain message may have (a tool or function message needs more than a role and a content).
_PLAIN_ROLES = frozenset({"system", "developer", "user", "assistant"})
_NO_BUDGET = 1 << 62
_SORTED = orjson.OPT_SORT_KEYS
_tuple_new = tuple.__new__
_ID_STATE = blake2b(digest_size=ID_DIGEST_SIZE)
# Token counts of message contents that repeat across lines (a system prompt, few-shot turns); filled by the
# first contents seen and never evicted, so a batch of unique questions costs one dict lookup a message.
_KNOWN_COUNTS: dict[str, int] = {}
_KNOWN_LIMIT = 256
_KNOWN_LENGTH = 512


class LineAnswer(NamedTuple):
    """An answer as a batch line needs it: the status, the body's JSON and the tokens used."""

    status_code: int
    body_json: bytes
    usage: TokenUsage


@dataclass(frozen=True, slots=True)
class PlainChatTemplate:
    """What every plain chat answer of one request form (and seed) shares."""

    seed: int
    content_state: Any  # BLAKE2b states fed with the form's JSON before the messages
    content_tail: bytes
    full_state: Any
    full_tail: bytes
    id_infix: bytes
    window: int
    budget: int | None
    cut_at: int  # the budget prose is cut to when there is no stop sequence (huge without a budget)
    stop: Any
    body_format: bytes  # the body's JSON with %-slots for id, created, content, finish reason and usage

    @classmethod
    def build(cls, form: RequestForm, plan: ChatPlan, seed: int) -> PlainChatTemplate:
        content_state = content_hasher()
        content_state.update(form.content[0])
        full_state = _ID_STATE.copy()
        full_state.update(form.full[0])
        model = orjson.dumps(plan.model).replace(b"%", b"%%")
        fingerprint = orjson.dumps(plan.fingerprint).replace(b"%", b"%%")
        body_format = (
            b'{"id":"chatcmpl-%b","object":"chat.completion","created":%d,"model":' + model + b',"choices":[{"index":0,'
            b'"message":{"role":"assistant","content":%b,"refusal":null,"annotations":[]},"logprobs":null,'
            b'"finish_reason":"%b"}],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,'
            b'"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":'
            b'{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},'
            b'"service_tier":"default","system_fingerprint":' + fingerprint + b"}"
        )
        return cls(
            seed=seed,
            content_state=content_state,
            content_tail=form.content[1] + digest_suffix(seed, CHAT),
            full_state=full_state,
            full_tail=form.full[1],
            id_infix=b"|%d|" % seed,
            window=plan.window,
            budget=plan.budget,
            cut_at=plan.budget if plan.budget is not None and plan.budget > 0 else _NO_BUDGET,
            stop=plan.stop,
            body_format=body_format,
        )


def plain_prompt(messages: list[Any]) -> tuple[int, list[str]] | None:
    """The prompt tokens of plain messages (each a role and a string content) and the words the mention is
    taken from (those of the end of the last user message), in one pass; None when any message is more than
    that (the general path validates and counts it)."""
    total = REPLY_PRIMING
    user: str | None = None
    user_words: list[str] = []
    known = _KNOWN_COUNTS
    for message in messages:
        if type(message) is not dict or len(message) != 2:
            return None
        role = message.get("role")
        content = message.get("content")
        if type(content) is not str or role not in _PLAIN_ROLES:
            return None
        if role == "user":  # its words give both its tokens and the mention
            user = content
            user_words = content.split()
            total += MESSAGE_OVERHEAD
            for word in user_words:  # `count_word_tokens`, inline
                total += (len(word) + 3) >> 2
            continue
        tokens = known.get(content)
        if tokens is None:
            tokens = count_tokens(content)
            if len(known) < _KNOWN_LIMIT and len(content) <= _KNOWN_LENGTH:
                known[content] = tokens
        total += MESSAGE_OVERHEAD + tokens
    if not messages:
        return None
    if user is not None and len(user) > MENTION_WINDOW:
        user_words = user[-MENTION_WINDOW:].split()
    return total, user_words


def plain_chat_line(
    forms: FormCache, seed: int, body: dict[str, Any], custom_id: str, created: int
) -> LineAnswer | None:
    """The answer to a plain chat line whose form was answered before, or None (then `respond` answers it)."""
    messages = body.get("messages")
    if type(messages) is not list:
        return None
    _, form = forms.lookup(CHAT, body, "messages")
    if form is None:
        return None
    template = form.line_template
    if template is None or template.seed != seed:
        plan = form.plan
        if not isinstance(plan, ChatPlan) or not plan.plain:
            return None
        template = form.line_template = PlainChatTemplate.build(form, plan, seed)
    prompt = plain_prompt(messages)
    if prompt is None or prompt[0] > template.window:
        return None
    prompt_tokens, user_words = prompt
    encoded = orjson.dumps(messages, option=_SORTED)  # plain messages: `canonical_json` without its fallbacks
    content = template.content_state.copy()
    content.update(encoded)
    content.update(template.content_tail)
    digest = content.digest()
    full = template.full_state.copy()
    full.update(encoded)
    full.update(template.full_tail)
    ids = _ID_STATE.copy()
    ids.update(b"%b%b%b\x1fchatcmpl" % (hexlify(full.digest()), template.id_infix, custom_id.encode()))
    mention = ""
    if user_words:  # `mention_among`, whose first look usually finds the word, inline
        mention = user_words[digest[63] % len(user_words)].strip(PUNCTUATION)
        if len(mention) < 3 or not mention[0].isalpha():
            mention = mention_among(user_words, digest)
    if template.stop:
        text, tokens, finish = text_reply(digest, mention, "text", template.budget, template.stop)
        cut = finish == "length"
    else:
        text, tokens, cut = prose_within(digest, mention, template.cut_at)
    body_json = template.body_format % (
        hexlify(ids.digest())[:29],
        created,
        orjson.dumps(text),
        b"length" if cut else b"stop",
        prompt_tokens,
        tokens,
        prompt_tokens + tokens,
    )
    # tuple.__new__ makes the named tuples without their generated constructors (a third of the cost)
    return _tuple_new(LineAnswer, (200, body_json, _tuple_new(TokenUsage, (prompt_tokens, 0, tokens, 0))))
