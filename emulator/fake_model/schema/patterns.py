"""Produce a string matching a simple regular expression (for JSON Schema `pattern`).

Handles literals, character classes and ranges (also negated ones), `.`, `\\d \\w \\s` and their
negations, groups, alternation, anchors and greedy or lazy repeats (unbounded repeats stop after a
few rounds). Look-arounds produce nothing themselves (the final check decides whether the string
satisfies them); anything else (back-references, conditionals) makes the result None. Every produced
string is checked with `re.search`, the way JSON Schema validators apply `pattern`.

With `min_length` / `max_length` the string is built to a chosen length instead: the length is split
over the parts of the expression (repeats take as many rounds as the length needs), and an
expression that is not anchored at an end may be padded there, since `re.search` still finds it.
A parsed expression is cached, so a schema used by many requests is parsed once.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

try:  # the standard library's own regex parser (public as `sre_parse` before 3.11)
    import re._parser as _sre_parse  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - older interpreters
    import sre_parse as _sre_parse  # type: ignore[no-redef,unused-ignore]

_parser: Any = _sre_parse
_DIGITS = "0123456789"
_WORD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
_SPACE = " "
_PRINTABLE = _WORD + " -.,:;!?"
_CATEGORY = {
    "CATEGORY_DIGIT": _DIGITS,
    "CATEGORY_NOT_DIGIT": "abcdefghijklmnopqrstuvwxyz",
    "CATEGORY_WORD": _WORD,
    "CATEGORY_NOT_WORD": " -.,:;!?",
    "CATEGORY_SPACE": _SPACE,
    "CATEGORY_NOT_SPACE": _WORD,
}
_UNBOUNDED_EXTRA = 3
INFINITE = 1 << 62  # the width of an unbounded repeat
# Above this many characters a pattern's free-running form is too long; it is then built to its shortest length.
_NATURAL_LIMIT = 10_000
_LENGTH_SLACK = 8  # how far above the shortest allowed length a length-bound string may go
_MAX_LENGTHS_TRIED = 28
# A random split of a length may land in a gap (`(_x+)*` matches 0 or at least 2 characters): retry it.
_SPLITS_PER_LENGTH = 8

# Node kinds of the parsed form: (kind, min width, max width, natural max width, payload...).
_LIT, _CHARS, _AT, _SEQ, _ALT, _REP, _UNSUPPORTED = range(7)
_START_ANCHORS = frozenset({"AT_BEGINNING", "AT_BEGINNING_STRING"})
_END_ANCHORS = frozenset({"AT_END", "AT_END_STRING"})
_BOUNDARIES = frozenset({"AT_BOUNDARY", "AT_NON_BOUNDARY"})

Node = tuple[Any, ...]


class _Unsupported(Exception):
    pass


class _NoFit(Exception):
    """The expression has no string of the requested length along the path tried."""


@dataclass(frozen=True, slots=True)
class _Pattern:
    compiled: re.Pattern[str]
    root: Node
    anchors: frozenset[str]

    @property
    def min_width(self) -> int:
        return int(self.root[1])

    @property
    def max_width(self) -> int:
        return int(self.root[2])


def pattern_min_length(pattern: str) -> int:
    """The length of the shortest string this generator can build for `pattern` (0 when it is unsupported)."""
    parsed = _prepare(pattern)
    return parsed.min_width if parsed is not None else 0


def string_for_pattern(
    pattern: str, rng: random.Random, min_length: int = 0, max_length: int | None = None
) -> str | None:
    """A string that `re.search(pattern, s)` accepts (and within the lengths given), or None when the
    pattern is beyond this generator or no such string is found."""
    parsed = _prepare(pattern)
    if parsed is None:
        return None
    if min_length <= 0 and max_length is None and parsed.root[3] <= _NATURAL_LIMIT:
        try:
            text = _emit(parsed.root, rng)
        except (_Unsupported, RecursionError, IndexError):
            return None
        return text if parsed.compiled.search(text) else None
    return _sized(parsed, rng, max(min_length, 0), max_length)


# ---- parsing ------------------------------------------------------------------------------------
@lru_cache(maxsize=512)
def _prepare(pattern: str) -> _Pattern | None:
    try:
        compiled = re.compile(pattern)
        anchors: set[str] = set()
        root = _seq(list(_parser.parse(pattern)), anchors)
    except (re.error, _Unsupported, RecursionError, ValueError, IndexError, TypeError, OverflowError):
        return None
    return _Pattern(compiled, root, frozenset(anchors))


def _seq(items: list[Any], anchors: set[str]) -> Node:
    children = tuple(_node(op, arg, anchors) for op, arg in items)
    low = min(sum(c[1] for c in children), INFINITE)
    high = min(sum(c[2] for c in children), INFINITE)
    natural = min(sum(c[3] for c in children), INFINITE)
    return (_SEQ, low, high, natural, children)


def _node(op: Any, arg: Any, anchors: set[str]) -> Node:
    name = str(op)
    if name == "LITERAL":
        return (_LIT, 1, 1, 1, chr(arg))
    if name == "NOT_LITERAL":
        return (_CHARS, 1, 1, 1, "".join(c for c in _PRINTABLE if ord(c) != arg))
    if name == "ANY":
        return (_CHARS, 1, 1, 1, _WORD)
    if name == "IN":
        return (_CHARS, 1, 1, 1, _class_members(arg))
    if name == "CATEGORY":
        return (_CHARS, 1, 1, 1, _category(arg))
    if name == "AT":
        anchors.add(str(arg))
        return (_AT, 0, 0, 0, str(arg))
    if name in ("ASSERT", "ASSERT_NOT"):  # zero width: the `re.search` check judges the result
        return (_AT, 0, 0, 0, name)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, body = arg
        inner = _seq(list(body), anchors)
        top = INFINITE if high >= 0xFFFF else high
        natural_count = low + _UNBOUNDED_EXTRA if high >= 0xFFFF or high > low + 50 else high
        return (
            _REP,
            min(low * inner[1], INFINITE),
            min(top * inner[2], INFINITE) if inner[2] else 0,
            min(max(low, natural_count) * inner[3], INFINITE),
            low,
            top,
            natural_count,
            inner,
        )
    if name == "SUBPATTERN":
        return _seq(list(arg[-1]), anchors)
    if name == "ATOMIC_GROUP":
        return _seq(list(arg), anchors)
    if name == "BRANCH":
        branches = tuple(_seq(list(b), anchors) for b in arg[1])
        return (
            _ALT,
            min(b[1] for b in branches),
            max(b[2] for b in branches),
            max(b[3] for b in branches),
            branches,
        )
    return (_UNSUPPORTED, 0, INFINITE, 0, name)


def _category(arg: Any) -> str:
    members = _CATEGORY.get(str(arg))
    if members is None:
        raise _Unsupported(str(arg))
    return members


def _class_members(members: list[Any]) -> str:
    negate = False
    allowed: list[str] = []
    for op, arg in members:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            allowed.append(chr(arg))
        elif name == "RANGE":
            low, high = arg
            allowed.extend(chr(c) for c in range(low, min(high, low + 200) + 1))
        elif name == "CATEGORY":
            allowed.extend(_category(arg))
        else:
            raise _Unsupported(name)
    if negate:
        excluded = set(allowed)
        allowed = [c for c in _PRINTABLE if c not in excluded]
    return "".join(allowed)


# ---- free-running form: repeats run a few rounds ----------------------------------------------
def _emit(node: Node, rng: random.Random) -> str:
    kind = node[0]
    if kind == _LIT:
        return str(node[4])
    if kind == _CHARS:
        if not node[4]:
            raise _Unsupported("empty class")
        return str(rng.choice(node[4]))
    if kind == _AT:
        return ""
    if kind == _SEQ:
        return "".join(_emit(child, rng) for child in node[4])
    if kind == _ALT:
        return _emit(rng.choice(node[4]), rng)
    if kind == _REP:
        low, natural_count, body = node[4], node[6], node[7]
        count = rng.randint(low, max(low, natural_count))
        return "".join(_emit(body, rng) for _ in range(count))
    raise _Unsupported(str(node[4]))


# ---- length-bound form ----------------------------------------------------------------------------
def _sized(parsed: _Pattern, rng: random.Random, min_length: int, max_length: int | None) -> str | None:
    low, high = parsed.min_width, parsed.max_width
    ceiling = INFINITE if max_length is None else max_length
    pad_front = not parsed.anchors & _START_ANCHORS
    pad_back = not parsed.anchors & _END_ANCHORS
    if low > ceiling:
        return None
    shortest = max(min_length, low)
    lengths: list[int] = []
    if shortest <= min(high, ceiling):  # the expression alone can be long enough
        top = min(high, ceiling, shortest + _LENGTH_SLACK)
        lengths += [rng.randint(shortest, top) for _ in range(4)] + list(range(shortest, top + 1))
    if pad_front or pad_back:  # a shorter match, padded up to `min_length`
        top = min(high, ceiling, shortest)
        lengths += list(range(top, max(low, top - _LENGTH_SLACK) - 1, -1))
    boundary = bool(parsed.anchors & _BOUNDARIES)
    for length in dict.fromkeys(lengths[:_MAX_LENGTHS_TRIED]):
        text = _fill_any(parsed.root, length, rng)
        if text is None:
            continue
        missing = min_length - len(text)
        if missing > 0:
            if not (pad_front or pad_back) or len(text) + missing > ceiling:
                continue
            filler = " " * missing if boundary else "".join(rng.choices(_DIGITS[1:] + "abcdefgh", k=missing))
            text = text + filler if pad_back else filler + text
        if min_length <= len(text) <= ceiling and parsed.compiled.search(text):
            return text
    return None


def _fill_any(root: Node, n: int, rng: random.Random) -> str | None:
    """A string of exactly `n` characters from `root`, trying a few random splits; None when none fits."""
    for _ in range(_SPLITS_PER_LENGTH):
        try:
            return _fill(root, n, rng)
        except _NoFit:
            continue
        except (_Unsupported, RecursionError, IndexError):
            return None
    return None


def _fill(node: Node, n: int, rng: random.Random) -> str:
    """A string of exactly `n` characters from `node`, or _NoFit."""
    kind = node[0]
    if not node[1] <= n <= node[2]:
        raise _NoFit
    if kind == _LIT:
        return str(node[4])
    if kind == _CHARS:
        if not node[4]:
            raise _NoFit
        return str(rng.choice(node[4]))
    if kind == _AT:
        return ""
    if kind == _SEQ:
        children = node[4]
        shares = _split(n, [(c[1], c[2]) for c in children], rng)
        return "".join(_fill(child, share, rng) for child, share in zip(children, shares, strict=True))
    if kind == _ALT:
        fitting = [b for b in node[4] if b[1] <= n <= b[2]]
        if not fitting:
            raise _NoFit
        return _fill(rng.choice(fitting), n, rng)
    if kind == _REP:
        return _fill_repeat(node, n, rng)
    raise _NoFit


def _fill_repeat(node: Node, n: int, rng: random.Random) -> str:
    low, top, body = node[4], node[5], node[7]
    body_low, body_high = body[1], body[2]
    if n == 0:
        return ""  # zero rounds, or rounds that each match nothing
    if body_high == 0:
        raise _NoFit
    if body_low == body_high == 1 and body[0] == _SEQ and len(body[4]) == 1 and body[4][0][0] in (_LIT, _CHARS):
        single = body[4][0]  # one character per round: draw them all at once
        options = single[4]
        if not options:
            raise _NoFit
        return options * n if single[0] == _LIT else "".join(rng.choices(options, k=n))
    unit = max(body_low, 1)
    fewest = max(-(-n // body_high), low if body_low > 0 else 1)
    most = min(top, n // unit)
    if fewest > most:
        raise _NoFit
    rounds = rng.randint(fewest, min(most, fewest + 2))
    shares = _split(n, [(unit, body_high)] * rounds, rng)
    return "".join(_fill(body, share, rng) for share in shares)


def _split(n: int, bounds: list[tuple[int, int]], rng: random.Random) -> list[int]:
    """Shares of `n`, one per (low, high) bound, each within its bound."""
    rest = n - sum(low for low, _ in bounds)
    room = [high - low for low, high in bounds]
    if rest < 0 or rest > sum(room):
        raise _NoFit
    after = sum(room)
    shares: list[int] = []
    for (low, _), space in zip(bounds, room, strict=True):
        after -= space
        extra = rng.randint(max(0, rest - after), min(space, rest))
        shares.append(low + extra)
        rest -= extra
    return shares


def pattern_search(pattern: str, text: str) -> bool:
    """Whether `re.search(pattern, text)` finds a match (False for a pattern that does not compile)."""
    parsed = _prepare(pattern)
    return parsed is not None and parsed.compiled.search(text) is not None
