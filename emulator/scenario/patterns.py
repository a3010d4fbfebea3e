"""The patterns scenario rules are written with, compiled once when a document is loaded: globs (`*`, `?`,
`[abc]`; `**` across path segments), user regexes behind the `regex:` prefix, and "FROM-TO" line ranges.
A bad pattern raises ValueError naming it, which the document model reports at its field.
"""

from __future__ import annotations

import re

REGEX_PREFIX = "regex:"
_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d*)\s*$")


def glob_regex(pattern: str, *, segments: bool = False) -> re.Pattern[str]:
    """Compile a glob (`*`, `?`, `[abc]`, `[!abc]`) to an anchored regex.

    With `segments=True` (paths) `*` and `?` stay inside one `/`-separated segment and `**` crosses them.
    Raises ValueError for an unclosed `[`.
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "*":
            if segments and pattern.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*" if segments else ".*")
        elif char == "?":
            out.append("[^/]" if segments else ".")
        elif char == "[":
            start = i + 1
            if start < n and pattern[start] == "!":
                start += 1
            end = pattern.find("]", start + 1 if start < n and pattern[start] == "]" else start)
            if end < 0:
                raise ValueError(f"invalid glob {pattern!r}: '[' at position {i} is never closed")
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("(?s:" + "".join(out) + r")\Z")


def is_glob(pattern: str) -> bool:
    return any(char in pattern for char in "*?[")


def user_regex(pattern: str) -> re.Pattern[str]:
    """Compile a user-written regex, turning re.error into a ValueError that names the pattern."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None


def custom_id_pattern(value: str) -> re.Pattern[str]:
    """The matcher for a `custom_id` field: a glob, or a regex after the `regex:` prefix."""
    if value.startswith(REGEX_PREFIX):
        return user_regex(value[len(REGEX_PREFIX) :])
    return glob_regex(value)


def line_range(value: str) -> tuple[int, int | None]:
    """(first, last) of a "FROM-TO" line range such as "3-7" or "3-"; last None means "to the end"."""
    found = _RANGE.match(value)
    if found is None:
        raise ValueError(f"invalid line range {value!r}: expected 'FROM-TO' such as '3-7'")
    first, last = int(found.group(1)), int(found.group(2)) if found.group(2) else None
    if first < 1:
        raise ValueError("line numbers start at 1")
    if last is not None and last < first:
        raise ValueError(f"invalid line range {value!r}: the end comes before the start")
    return first, last
