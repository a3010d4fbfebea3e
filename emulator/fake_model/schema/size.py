"""How large the smallest instance of a JSON schema is, and the largest one the fake model writes.

A schema may demand an instance of any size (`"minItems": 100000000`, `"minLength": 1000000000`, arrays
of arrays, `$ref` fan-out). No real model could write such an instance: the longest completion any
model of the catalogue produces is 128,000 tokens, about half a million characters. So the fake model
refuses, with a 400, a schema whose smallest instance has more than `MAX_VALUES` JSON values (array
items and property values, each counted with everything inside it) or more than `MAX_CHARS` characters
of JSON; the request validator runs `size_problem` before any instance is built. The estimate walks the
schema once (references are followed once each, recursion is cut), so it costs time in proportion to
the schema, never to the numbers written in it.

The counting is the generator's own: `values` is one per JSON value, `chars` one per value plus the
characters of every string and property name, so the generator can keep the same tally while it
writes and stop before it allocates anything too large.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from emulator.fake_model.schema.patterns import pattern_min_length

MAX_VALUES = 100_000
MAX_CHARS = 512_000
NON_NULL_TYPES = ("string", "integer", "number", "boolean", "object", "array")
# The shortest string each supported `format` produces.
FORMAT_LENGTHS = {
    "date-time": 20,
    "date": 10,
    "time": 9,
    "email": 21,
    "uuid": 36,
    "uri": 26,
    "url": 24,
    "hostname": 16,
    "ipv4": 7,
    "ipv6": 15,
}
WORD_LENGTH = 4  # the shortest word of a free-text string
_RECURSION_CUT = 64
_CACHED_SCHEMAS = 256
_CACHED_SCHEMA_BYTES = 64 * 1024
_PROBLEMS: dict[bytes, str | None] = {}

Size = tuple[int, int]  # (values, chars)
_ONE: Size = (1, 1)


def exceeds(size: Size) -> bool:
    return size[0] > MAX_VALUES or size[1] > MAX_CHARS


def weight(size: Size) -> int:
    """One number to compare sizes by: the larger share of either limit."""
    return max(size[0] * (MAX_CHARS // MAX_VALUES), size[1])


def size_problem(schema: Mapping[str, Any] | bool) -> str | None:
    """Why the smallest instance of `schema` is too large to write, or None when it fits.

    The text follows the real API's "In context=(...), ..." wording; the context is the path to the
    deepest part of the schema that is too large on its own. Answers for recent schemas are kept, as
    a batch or a client usually sends one schema many times.
    """
    try:
        raw = orjson.dumps(schema)
    except (TypeError, orjson.JSONEncodeError):
        return _size_problem(schema)
    if len(raw) > _CACHED_SCHEMA_BYTES:
        return _size_problem(schema)
    if raw in _PROBLEMS:
        return _PROBLEMS[raw]
    problem = _size_problem(schema)
    if len(_PROBLEMS) >= _CACHED_SCHEMAS:
        _PROBLEMS.clear()
    _PROBLEMS[raw] = problem
    return problem


def _size_problem(schema: Mapping[str, Any] | bool) -> str | None:
    sizer = Sizer(schema)
    total = sizer.size(schema, ())
    if not exceeds(total):
        return None
    path, (values, chars) = sizer.offender or ((), total)
    if values > MAX_VALUES:
        return (
            f"In context={path!r}, the smallest instance has {values} JSON values, "
            f"which exceeds the limit of {MAX_VALUES}."
        )
    return (
        f"In context={path!r}, the smallest instance is {chars} characters long, "
        f"which exceeds the limit of {MAX_CHARS}."
    )


def count(schema: Mapping[str, Any], key: str) -> int:
    """A non-negative count keyword (`minItems`, `minLength`, ...); 0 when absent or not a number."""
    value = schema.get(key)
    if type(value) is int:
        return value if value > 0 else 0
    if not isinstance(value, int | float) or isinstance(value, bool):
        return 0
    if isinstance(value, float):
        if not math.isfinite(value):
            return 0 if value < 0 else 1 << 62
        value = math.ceil(value)
    return max(int(value), 0)


def upper(schema: Mapping[str, Any], key: str) -> int | None:
    """An upper count keyword (`maxItems`, `maxLength`); None when absent or not a number."""
    value = schema.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return None if value > 0 else 0
        value = math.floor(value)
    return max(int(value), 0)


def required_names(schema: Mapping[str, Any]) -> list[str]:
    names = schema.get("required")
    return [str(name) for name in names] if isinstance(names, list) else []


def merge(base: Mapping[str, Any], extra: Any) -> dict[str, Any]:
    """`base` with the keywords of `extra`; `properties` and `required` are combined."""
    merged = dict(base)
    if not isinstance(extra, Mapping):
        return merged
    for key, value in extra.items():
        if key == "properties" and isinstance(merged.get(key), Mapping) and isinstance(value, Mapping):
            merged[key] = {**merged[key], **value}
        elif key == "required" and isinstance(merged.get(key), list) and isinstance(value, list):
            merged[key] = list(dict.fromkeys([*merged[key], *value]))
        else:
            merged[key] = value
    return merged


def resolve(root: Any, ref: str) -> Any:
    """The schema a local `$ref` points to, or None when it points nowhere."""
    if not ref.startswith("#"):
        return None
    node: Any = root
    for raw in ref[1:].split("/"):
        if not raw:
            continue
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def follow_refs(root: Any, schema: Any) -> Any:
    """`schema` with any chain of bare `{"$ref": ...}` wrappers followed (at most 32 links)."""
    for _ in range(32):
        if not (isinstance(schema, Mapping) and set(schema) == {"$ref"}):
            break
        target = resolve(root, str(schema["$ref"]))
        if target is None:
            break
        schema = target
    return schema


def declared_types(schema: Mapping[str, Any]) -> list[str]:
    """The types an instance of `schema` may take, before `nullable` is applied."""
    declared = schema.get("type")
    if isinstance(declared, list):
        return [str(t) for t in declared] or list(NON_NULL_TYPES)
    if isinstance(declared, str):
        return [declared]
    if "properties" in schema or "required" in schema or "additionalProperties" in schema:
        return ["object"]
    if "items" in schema or "prefixItems" in schema or "minItems" in schema:
        return ["array"]
    if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
        return ["number"]
    return ["string"]


def type_options(schema: Mapping[str, Any]) -> list[str]:
    options = declared_types(schema)
    if schema.get("nullable") is True and "null" not in options:
        options.append("null")
    return options


def string_length(schema: Mapping[str, Any]) -> int:
    """The shortest string the generator writes for a string schema."""
    shortest = count(schema, "minLength")
    pattern = schema.get("pattern")
    fmt = schema.get("format")
    if isinstance(pattern, str):
        return max(shortest, pattern_min_length(pattern))
    if isinstance(fmt, str) and fmt in FORMAT_LENGTHS:
        return max(shortest, FORMAT_LENGTHS[fmt])
    return shortest


def _literal(value: Any) -> Size:
    if isinstance(value, str):
        return (1, len(value) + 3)
    if isinstance(value, list | dict):
        return (1, len(str(value)))
    return (1, 2)


def _add(a: Size, b: Size) -> Size:
    return (a[0] + b[0], a[1] + b[1])


def _times(size: Size, k: int) -> Size:
    return (size[0] * k, size[1] * k)


class Sizer:
    """Smallest-instance sizes of the parts of one schema, each computed once."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.memo: dict[int, tuple[Any, Size]] = {}
        self.active: set[int] = set()
        self.offender: tuple[tuple[str, ...], Size] | None = None

    def size(self, schema: Any, path: tuple[str, ...], depth: int = 0) -> Size:
        if not isinstance(schema, Mapping):
            return (1, WORD_LENGTH + 3) if schema is True else _ONE
        key = id(schema)
        hit = self.memo.get(key)
        if hit is not None:
            return hit[1]
        if key in self.active or depth > _RECURSION_CUT:
            return _ONE  # recursion: the generator stops it (or finds no finite instance)
        self.active.add(key)
        try:
            result = self._size(schema, path, depth)
        finally:
            self.active.discard(key)
        if len(self.memo) > 20_000:
            self.memo.clear()
        self.memo[key] = (schema, result)  # keeping `schema` alive keeps its id unique
        if self.offender is None and exceeds(result):
            self.offender = (path, result)
        return result

    def least(self, options: Sequence[tuple[Any, tuple[str, ...]]], depth: int) -> tuple[int, Size]:
        """The index and size of the smallest option; a part too large inside a larger option is no offender."""
        saved = self.offender
        sizes = [self.size(option, path, depth + 1) for option, path in options]
        best = min(range(len(sizes)), key=lambda i: weight(sizes[i]))
        if not exceeds(sizes[best]):
            self.offender = saved
        return best, sizes[best]

    def _size(self, schema: Mapping[str, Any], path: tuple[str, ...], depth: int) -> Size:
        if not schema:
            return (1, WORD_LENGTH + 3)
        if "$ref" in schema:
            ref = str(schema["$ref"])
            target = resolve(self.root, ref)
            if target is None:
                return _ONE
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            ref_path = tuple(part for part in ref[1:].split("/") if part)
            return self.size(merge(target, rest) if rest else target, ref_path, depth + 1)
        if "const" in schema:
            return _literal(schema["const"])
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return min((_literal(v) for v in enum), key=weight)
        all_of = schema.get("allOf")
        if isinstance(all_of, list):
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in all_of:
                merged = merge(merged, self.deref(part))
            return self.size(merged, path, depth + 1)
        for key in ("anyOf", "oneOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                rest = {k: v for k, v in schema.items() if k != key}
                options = [
                    (merge(rest, self.deref(branch)) if rest else branch, (*path, key, str(i)))
                    for i, branch in enumerate(branches)
                ]
                return self.least(options, depth)[1]
        kinds = type_options(schema)
        if len(kinds) == 1:
            return self.size_as(schema, kinds[0], path, depth)
        saved = self.offender
        sizes = [self.size_as(schema, kind, path, depth) for kind in kinds]
        smallest = min(sizes, key=weight)
        if not exceeds(smallest):
            self.offender = saved
        return smallest

    def deref(self, schema: Any) -> Any:
        return follow_refs(self.root, schema)

    def size_as(self, schema: Mapping[str, Any], kind: str, path: tuple[str, ...], depth: int) -> Size:
        """The smallest instance of `schema` taken as type `kind`."""
        if kind in ("null", "boolean", "integer", "number"):
            return (1, 2)
        if kind == "string":
            return (1, string_length(schema) + 3)
        if kind == "array":
            return self._array(schema, path, depth)
        return self._object(schema, path, depth)

    def _array(self, schema: Mapping[str, Any], path: tuple[str, ...], depth: int) -> Size:
        declared = schema.get("prefixItems")
        prefix: list[Any] = declared if isinstance(declared, list) else []
        items = schema.get("items", {})
        if isinstance(items, list):
            prefix, items = items, schema.get("additionalItems", {})
        low = count(schema, "minItems")
        total: Size = (1, 2 + low)
        for i in range(min(low, len(prefix))):
            total = _add(total, self.size(prefix[i], (*path, "prefixItems", str(i)), depth + 1))
        rest = low - min(low, len(prefix))
        if rest and items is not False:
            total = _add(total, _times(self.size(items, (*path, "items"), depth + 1), rest))
        return total

    def _object(self, schema: Mapping[str, Any], path: tuple[str, ...], depth: int) -> Size:
        declared = schema.get("properties")
        properties: Mapping[str, Any] = declared if isinstance(declared, Mapping) else {}
        required = dict.fromkeys(required_names(schema))
        total: Size = (1, 2)
        for name in required:
            sub = self.size(properties.get(name, {}), (*path, "properties", name), depth + 1)
            total = _add(total, (sub[0], sub[1] + len(name) + 4))
        missing = count(schema, "minProperties") - len(required)
        for name, sub_schema in properties.items():
            if missing <= 0:
                break
            if name not in required:
                sub = self.size(sub_schema, (*path, "properties", name), depth + 1)
                total = _add(total, (sub[0], sub[1] + len(name) + 4))
                missing -= 1
        extra = schema.get("additionalProperties", True)
        if missing > 0 and extra is not False:
            sub = self.size(extra if isinstance(extra, Mapping) else {}, (*path, "additionalProperties"), depth + 1)
            total = _add(total, _times((sub[0], sub[1] + 12), missing))
        return total
