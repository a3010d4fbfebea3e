"""`POST /v1/moderations`: flags categories by keyword, so tests can ask for flagged or clean results.

A category is flagged when the input contains one of its trigger words (case-insensitive, whole
words) or the literal category name in brackets, e.g. "[hate/threatening]". Flagging a sub-category
("violence/graphic") flags its parent ("violence") too. Flagged categories score 0.9 and above, the
rest stay below 0.01; all scores are derived from the input text, never random.

| category | trigger words |
|---|---|
| harassment | harass, harassment, bully, bullying, insult, idiot |
| harassment/threatening | threaten, threatening, threat, stalk, stalking |
| hate | hate, hateful, bigot, bigotry, slur |
| hate/threatening | exterminate, genocide |
| illicit | illicit, smuggle, smuggling, counterfeit, launder, shoplift |
| illicit/violent | bomb, explosive, explosives, firearm, gun, weapon |
| self-harm | self-harm, suicide, suicidal |
| self-harm/intent | hopeless, worthless |
| self-harm/instructions | overdose |
| sexual | sexual, explicit, porn, nsfw |
| sexual/minors | underage |
| violence | violence, violent, kill, killing, attack, murder, assault |
| violence/graphic | gore, gory, bloody, mutilate, dismember |

A list input gives one result per string; a list of multimodal parts gives one result, and
categories that accept images list "image" among their applied input types when an image part is present.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from typing import Any

from emulator.fake_model.catalogue import DEFAULT_MODERATION_MODEL
from emulator.fake_model.context import Call
from emulator.fake_model.result import NO_USAGE, ModelResult, TokenUsage
from emulator.fake_model.tokens import count_tokens

TRIGGERS: dict[str, tuple[str, ...]] = {
    "harassment": ("harass", "harassment", "bully", "bullying", "insult", "idiot"),
    "harassment/threatening": ("threaten", "threatening", "threat", "stalk", "stalking"),
    "hate": ("hate", "hateful", "bigot", "bigotry", "slur"),
    "hate/threatening": ("exterminate", "genocide"),
    "illicit": ("illicit", "smuggle", "smuggling", "counterfeit", "launder", "shoplift"),
    "illicit/violent": ("bomb", "explosive", "explosives", "firearm", "gun", "weapon"),
    "self-harm": ("self-harm", "suicide", "suicidal"),
    "self-harm/intent": ("hopeless", "worthless"),
    "self-harm/instructions": ("overdose",),
    "sexual": ("sexual", "explicit", "porn", "nsfw"),
    "sexual/minors": ("underage",),
    "violence": ("violence", "violent", "kill", "killing", "attack", "murder", "assault"),
    "violence/graphic": ("gore", "gory", "bloody", "mutilate", "dismember"),
}
CATEGORIES: tuple[str, ...] = tuple(TRIGGERS)
IMAGE_CATEGORIES = frozenset(
    {"self-harm", "self-harm/intent", "self-harm/instructions", "sexual", "violence", "violence/graphic"}
)
_WORD_TO_CATEGORY = {word: category for category, words in TRIGGERS.items() for word in words}
_WORD_RE = re.compile(r"[a-z]+(?:-[a-z]+)?")
_TAG_RE = re.compile(r"\[([a-z/-]+)\]")
_NONE_FLAGGED = dict.fromkeys(CATEGORIES, False)


def flagged_categories(text: str) -> set[str]:
    """The categories `text` triggers (parents of flagged sub-categories included)."""
    lowered = text.lower()
    hits = {_WORD_TO_CATEGORY[w] for w in _WORD_RE.findall(lowered) if w in _WORD_TO_CATEGORY}
    hits.update(tag for tag in _TAG_RE.findall(lowered) if tag in TRIGGERS)
    hits.update(category.split("/")[0] for category in list(hits) if "/" in category)
    return hits


_FLAGGED_SCORES = tuple(round(0.9 + byte / 2600, 6) for byte in range(256))  # the score a digest byte gives
_CLEAN_SCORES = tuple(round((byte + 1) / 40000, 6) for byte in range(256))


def _scores(text: str, hits: set[str]) -> dict[str, float]:
    digest = hashlib.blake2b(text.encode(), digest_size=len(CATEGORIES)).digest()
    if not hits:
        return {category: _CLEAN_SCORES[byte] for category, byte in zip(CATEGORIES, digest, strict=True)}
    return {
        category: (_FLAGGED_SCORES if category in hits else _CLEAN_SCORES)[byte]
        for category, byte in zip(CATEGORIES, digest, strict=True)
    }


def result_for(text: str, has_image: bool) -> dict[str, Any]:
    hits = flagged_categories(text)
    if has_image:
        applied = {c: (["text", "image"] if c in IMAGE_CATEGORIES else ["text"]) for c in CATEGORIES}
    else:
        applied = {c: ["text"] for c in CATEGORIES}
    return {
        "flagged": bool(hits),
        "categories": {category: category in hits for category in CATEGORIES} if hits else dict(_NONE_FLAGGED),
        "category_scores": _scores(text, hits),
        "category_applied_input_types": applied,
    }


def texts_of(value: Any) -> Iterator[tuple[str, bool]]:
    """Each moderated unit as (text, has an image part), made as it is read."""
    if isinstance(value, str):
        return iter([(value, False)])
    if value and all(isinstance(part, Mapping) for part in value):
        texts = [str(p.get("text", "")) for p in value if p.get("type") == "text"]
        has_image = any(p.get("type") == "image_url" for p in value)
        return iter([(" ".join(texts), has_image)])
    return ((str(item), False) for item in value)


def answer_moderations(call: Call) -> ModelResult:
    model = call.body.get("model") or DEFAULT_MODERATION_MODEL
    out = {"id": "modr-" + call.ids.hex("modr", 32), "model": model}
    if call.lazy:  # results computed as they are read; the answer shows no usage, and a synchronous call reports none
        out["results"] = (result_for(text, image) for text, image in texts_of(call.body["input"]))
        return ModelResult(200, out, NO_USAGE)
    units = list(texts_of(call.body["input"]))
    out["results"] = [result_for(text, image) for text, image in units]
    return ModelResult(200, out, TokenUsage(sum(count_tokens(t) for t, _ in units), 0, 0, 0))
