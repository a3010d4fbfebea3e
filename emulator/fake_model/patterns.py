"""Produce a string matching a simple regular expression (for JSON Schema `pattern`).

Handles literals, character classes and ranges (also negated ones), `.`, `\\d \\w \\s` and their
negations, groups, alternation, anchors and greedy or lazy repeats (unbounded repeats stop after a
few rounds). Anything else (look-arounds, back-references) makes the result None. Every produced
string is checked with `re.search`, the way JSON Schema validators apply `pattern`.
"""

from __future__ import annotations

import random
import re
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


class _Unsupported(Exception):
    pass


def string_for_pattern(pattern: str, rng: random.Random) -> str | None:
    """A string that `re.search(pattern, s)` accepts, or None when the pattern is beyond this generator."""
    try:
        compiled = re.compile(pattern)
        tree = _parser.parse(pattern)
        text = _emit(list(tree), rng)
    except (re.error, _Unsupported, RecursionError, ValueError, IndexError, TypeError):
        return None
    return text if compiled.search(text) else None


def _emit(items: list[Any], rng: random.Random) -> str:
    out: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append(rng.choice([c for c in _PRINTABLE if ord(c) != arg]))
        elif name == "ANY":
            out.append(rng.choice(_WORD))
        elif name == "IN":
            out.append(_from_class(arg, rng))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, body = arg
            high = low + _UNBOUNDED_EXTRA if high >= 0xFFFF or high > low + 50 else high
            count = rng.randint(low, max(low, high))
            out.extend(_emit(list(body), rng) for _ in range(count))
        elif name == "SUBPATTERN":
            out.append(_emit(list(arg[-1]), rng))
        elif name == "ATOMIC_GROUP":
            out.append(_emit(list(arg), rng))
        elif name == "BRANCH":
            out.append(_emit(list(rng.choice(arg[1])), rng))
        elif name == "AT":
            continue
        elif name == "CATEGORY":
            out.append(rng.choice(_CATEGORY[str(arg)]))
        else:
            raise _Unsupported(name)
    return "".join(out)


def _from_class(members: list[Any], rng: random.Random) -> str:
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
            allowed.extend(_CATEGORY[str(arg)])
        else:
            raise _Unsupported(name)
    if negate:
        excluded = set(allowed)
        allowed = [c for c in _PRINTABLE if c not in excluded]
    if not allowed:
        raise _Unsupported("empty class")
    return rng.choice(allowed)
