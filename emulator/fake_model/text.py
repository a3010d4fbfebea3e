"""Deterministic pseudo-prose: short answers built from a fixed word list and a digest.

Each byte of the 64-byte content digest picks one three-word phrase, so answers cost a few microseconds.
One word taken from the last user message is worked into the text, so different prompts give
visibly different answers. Length is 8 to 41 words (plus the mention) unless asked otherwise.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from functools import lru_cache

from emulator.fake_model.digest import sub_digest
from emulator.fake_model.tokens import count_tokens, first_tokens

WORDS: tuple[str, ...] = tuple(
    """
    the a of and to in is it that for on with as was at by this from or be are an not have has which one
    all their there can more when will would about if so what up out some into than them then its only
    over also new other time two way may these first any where most after many well through back much
    before good just very even because same each both those while under never world system model answer
    value result question example detail moment reason pattern method signal record number source matter
    sample window bridge river garden harbor meadow lantern orchard pebble quarry ribbon saddle tunnel
    valley willow anchor beacon canyon dragon engine falcon glacier hammer island jungle kettle ladder
    marble nectar ocean pillar quartz rocket summit timber umbrella violet wagon yellow zephyr amber
    breeze cobalt dune ember fjord granite hollow ivory jasper sierra tundra upland vessel wharf basalt
    cedar delta echo fable gravel heron inlet juniper kiln lotus mesa nickel orbit prism quiet ridge
    spruce tide unity vapor walnut yarrow zenith calm bright steady gentle careful simple clear quick
    patient honest modest useful certain likely plain fair exact practical curious rapid subtle vivid
    distant nearby early late open close short long light heavy warm cool soft firm brief ready often
    rarely usually perhaps indeed still already together across along beyond within around between
    toward behind above below near since until although however therefore meanwhile besides otherwise
    consider notice suggest compare measure explain describe gather follow arrange balance capture
    deliver
    """.split()  # noqa: SIM905
)
assert len(WORDS) == 256, len(WORDS)

_PHRASE_WORDS = tuple((WORDS[k], WORDS[(k * 37 + 11) & 255], WORDS[(k * 101 + 59) & 255]) for k in range(256))
_PHRASES = tuple(" ".join(words) for words in _PHRASE_WORDS)
# Variant table: index flag * 256 + phrase, flag bit 1 = starts a sentence, bit 2 = ends one.
_VARIANTS: tuple[str, ...] = tuple(
    (p[:1].upper() + p[1:] if flag & 1 else p) + ("." if flag & 2 else "") for flag in range(4) for p in _PHRASES
)
_VARIANT_TOKENS: tuple[int, ...] = tuple(sum((len(w) + 3) // 4 for w in v.split()) for v in _VARIANTS)
# The variants, and their token counts, by flag: a digest byte indexes the table of its phrase's position.
_FLAG_PHRASES = tuple(_VARIANTS[flag * 256 : (flag + 1) * 256] for flag in range(4))
_FLAG_TOKENS = tuple(_VARIANT_TOKENS[flag * 256 : (flag + 1) * 256] for flag in range(4))
# A layout: the phrase table and the token table of each position, and the mid-sentence positions.
Layout = tuple[tuple[tuple[str, ...], ...], tuple[tuple[int, ...], ...], tuple[int, ...]]
PUNCTUATION = "\"'`.,;:!?()[]{}<>*_#"
_CONNECTORS = ("about", "regarding", "on", "concerning")
_CONNECTOR_TOKENS = tuple((len(c) + 3) // 4 for c in _CONNECTORS)
# Layouts of the default length, by (phrase count - 2) * 16 + layout variant, filled on first use.
_DEFAULT_LAYOUTS: list[Layout | None] = [None] * (12 * 16)


MENTION_WINDOW = 2000  # characters at the end of the user's text the mention is taken from


def mention_from(text: str, digest: bytes) -> str:
    """One word (3+ characters, starting with a letter) of the user's text chosen by the digest, or ""."""
    if not text:
        return ""
    return mention_among(text[-MENTION_WINDOW:].split(), digest)


def mention_among(words: list[str], digest: bytes) -> str:
    """`mention_from` given the words of the last `MENTION_WINDOW` characters of the user's text."""
    if not words:
        return ""
    first = digest[63] % len(words)
    for k in range(len(words)):
        word = words[(first + k) % len(words)].strip(PUNCTUATION)
        if len(word) >= 3 and word[0].isalpha():
            return word
    return ""


def prose(digest: bytes, mention: str = "", min_words: int = 8, max_words: int = 40) -> str:
    """Sentences of dictionary words picked by `digest`, with `mention` (one word, as `mention_from` picks it,
    or "") worked in after a connector."""
    return prose_counted(digest, mention, min_words, max_words)[0]


def prose_counted(digest: bytes, mention: str = "", min_words: int = 8, max_words: int = 40) -> tuple[str, int]:
    """`prose` plus its token count (as `tokens.count_tokens` would give, computed while building).

    Text is assembled from three-word phrases (one digest byte each) grouped into sentences of one
    to three phrases by a precomputed layout, so the work is a few table look-ups done in C.
    """
    parts, _, _, tokens, _ = _prose_parts(digest, mention, min_words, max_words)
    return " ".join(parts), tokens


def prose_within(digest: bytes, mention: str, budget: int) -> tuple[str, int, bool]:
    """Default-length prose cut to its first `budget` (>= 1) tokens: (text, tokens, whether it was cut). The
    same text as `tokens.first_tokens` of the whole prose, found phrase by phrase from the phrases' known
    token counts, so only the phrase the budget ends in is cut word by word."""
    layout = _DEFAULT_LAYOUTS[(digest[0] % 12) << 4 | digest[2] >> 4]
    if layout is not None and layout[2] and mention:  # the usual case: `_prose_parts` inline
        phrase_tables, token_tables, middles = layout
        source = digest[1 : len(phrase_tables) + 1]
        which = digest[2] & 3
        tokens = sum(map(operator.getitem, token_tables, source)) + _CONNECTOR_TOKENS[which] + ((len(mention) + 3) >> 2)
        parts = list(map(operator.getitem, phrase_tables, source))
        mentioned = middles[digest[1] % len(middles)]
        parts.insert(mentioned, _CONNECTORS[which] + " " + mention)
    else:
        parts, token_tables, source, tokens, mentioned = _prose_parts(digest, mention, 8, 40)
    if tokens <= budget:
        return " ".join(parts), tokens, False
    sizes = tuple(map(operator.getitem, token_tables, source))
    left = budget
    for k, part in enumerate(parts):
        size = count_tokens(part) if k == mentioned else sizes[k if mentioned < 0 or k < mentioned else k - 1]
        if size >= left:
            head = " ".join(parts[:k])
            cut = first_tokens(part, left) if size > left else part
            return (f"{head} {cut}" if head else cut), budget, True
        left -= size
    raise AssertionError("the phrases hold fewer tokens than counted")  # pragma: no cover


def _prose_parts(
    digest: bytes, mention: str, min_words: int, max_words: int
) -> tuple[list[str], tuple[tuple[int, ...], ...], bytes, int, int]:
    """The phrases of `prose` (with the mention's phrase, if any); the token tables and digest bytes of the
    dictionary phrases (their token counts, when needed); the token count of the whole; and where the
    mention's phrase is (-1 when none)."""
    if min_words == 8 and max_words == 40:  # the default range, 2 to 13 phrases: a layout from the table
        key = (digest[0] % 12) << 4 | digest[2] >> 4
        layout = _DEFAULT_LAYOUTS[key]
        if layout is None:
            layout = _DEFAULT_LAYOUTS[key] = _layout(2 + digest[0] % 12, digest[2] >> 4)
        phrase_tables, token_tables, middles = layout
        source = digest[1 : len(phrase_tables) + 1]
    else:
        low = max(1, min_words // 3)
        high = max(low, max_words // 3)
        count = low + digest[0] % (high - low + 1)
        source = digest[1:]
        while len(source) < count:
            source += sub_digest(source[-64:], len(source))
        phrase_tables, token_tables, middles = _layout(count, digest[2] >> 4)
        source = source[:count]
    parts = list(map(operator.getitem, phrase_tables, source))
    tokens = sum(map(operator.getitem, token_tables, source))
    mentioned = -1
    if mention:
        which = digest[2] & 3
        connector = _CONNECTORS[which]
        tokens += _CONNECTOR_TOKENS[which] + ((len(mention) + 3) >> 2)  # one word: no split needed
        if middles:
            mentioned = middles[digest[1] % len(middles)]
            parts.insert(mentioned, f"{connector} {mention}")
        else:
            mentioned = len(parts)
            parts.append(f"{connector[:1].upper()}{connector[1:]} {mention}.")
            tokens += 1 if len(mention) % 4 == 0 else 0
    return parts, token_tables, source, tokens, mentioned


@lru_cache(maxsize=4096)
def _layout(count: int, variant: int) -> Layout:
    """The tables of `count` phrases grouped into sentences (a flag per position marks sentence starts and ends)
    and the mid-sentence positions."""
    flags: list[int] = []
    middles: list[int] = []
    state = variant * 7 + count
    position = 0
    while position < count:
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        length = min(1 + (state >> 16) % 3, count - position)
        for i in range(length):
            flags.append((1 if i == 0 else 0) | (2 if i == length - 1 else 0))
            if i > 0:
                middles.append(position + i)
        position += length
    return tuple(_FLAG_PHRASES[f] for f in flags), tuple(_FLAG_TOKENS[f] for f in flags), tuple(middles)


def cut_at_stop(text: str, stop: str | Sequence[str] | None) -> tuple[str, bool]:
    """Cut `text` before the earliest stop sequence; the flag says whether one was found."""
    if not stop:
        return text, False
    sequences = (stop,) if isinstance(stop, str) else stop
    cut = -1
    for sequence in sequences:
        if sequence:
            at = text.find(sequence)
            if at != -1 and (cut == -1 or at < cut):
                cut = at
    if cut == -1:
        return text, False
    return text[:cut], True
