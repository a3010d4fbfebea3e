"""Generate a JSON instance that validates against a JSON Schema, deterministically from a seeded generator.

Covers what structured outputs and tool parameters use in practice: `type` (single or a list such as
`["string", "null"]`, plus OpenAPI's `nullable`), `enum`, `const`, objects (`properties`, `required`,
`additionalProperties`, `minProperties`), arrays (`items`, `prefixItems`, `minItems`, `maxItems`,
`uniqueItems`), `anyOf` / `oneOf` (one branch is chosen; `oneOf` branches are expected to be
disjoint, as discriminated unions are), `allOf` (merged), `$ref` into `$defs` / `definitions` with a
depth bound for recursive schemas, string `format`s (date-time, date, time, email, uuid, uri,
hostname, ipv4, ipv6), `minLength` / `maxLength`, simple `pattern`s, and numeric bounds
(`minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` in both drafts' forms, `multipleOf`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

from emulator.fake_model.patterns import string_for_pattern
from emulator.fake_model.text import WORDS

MAX_DEPTH = 6
_FORMATS = {
    "date-time": lambda r: (
        f"20{r.randint(20, 29)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T"
        f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z"
    ),
    "date": lambda r: f"20{r.randint(20, 29)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
    "time": lambda r: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z",
    "email": lambda r: f"{r.choice(WORDS[96:])}.{r.choice(WORDS[96:])}@example.com",
    "uuid": lambda r: _uuid4(r.getrandbits(128)),
    "uri": lambda r: f"https://example.com/{r.choice(WORDS[96:])}/{r.randint(1, 999)}",
    "url": lambda r: f"https://example.com/{r.choice(WORDS[96:])}",
    "hostname": lambda r: f"{r.choice(WORDS[96:])}.example.com",
    "ipv4": lambda r: ".".join(str(r.randint(1, 254)) for _ in range(4)),
    "ipv6": lambda r: ":".join(f"{r.getrandbits(16):x}" for _ in range(8)),
}
_NON_NULL_TYPES = ("string", "integer", "number", "boolean", "object", "array")


def _uuid4(bits: int) -> str:
    """A version-4 UUID string built from 128 random bits."""
    bits = (bits & ~(0xF << 76) | (4 << 76)) & ~(0x3 << 62) | (0x2 << 62)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class SchemaError(ValueError):
    """The schema cannot be satisfied (or uses something this generator cannot honour)."""


def generate(schema: Mapping[str, Any] | bool, rng: random.Random, max_depth: int = MAX_DEPTH) -> Any:
    """An instance of `schema` chosen with `rng`; the same generator state gives the same instance."""
    return _Generator(schema, rng, max_depth).value(schema, 0)


class _Generator:
    def __init__(self, root: Mapping[str, Any] | bool, rng: random.Random, max_depth: int) -> None:
        self.root = root
        self.rng = rng
        self.max_depth = max_depth

    # ---- dispatch -------------------------------------------------------------------------
    def value(self, schema: Mapping[str, Any] | bool, depth: int) -> Any:
        if schema is True or schema == {}:
            return self.rng.choice(WORDS[96:])
        if schema is False or not isinstance(schema, Mapping):
            raise SchemaError("schema 'false' has no instances")
        if depth > self.max_depth + 20:
            raise SchemaError("schema recursion has no finite instance")
        if "$ref" in schema:
            target = self.resolve(str(schema["$ref"]))
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return self.value(_merge(target, rest) if rest else target, depth + 1)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
            return self.rng.choice(schema["enum"])
        if "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                merged = _merge(merged, self.deref(part))
            return self.value(merged, depth)
        for key in ("anyOf", "oneOf"):
            if key in schema and isinstance(schema[key], list) and schema[key]:
                rest = {k: v for k, v in schema.items() if k != key}
                branch = self.pick_branch(schema[key], depth)
                return self.value(_merge(rest, self.deref(branch)) if rest else branch, depth + 1)
        kind = self.pick_type(schema, depth)
        if kind == "null":
            return None
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "integer":
            return self.integer(schema)
        if kind == "number":
            return self.number(schema)
        if kind == "string":
            return self.string(schema)
        if kind == "array":
            return self.array(schema, depth)
        return self.object(schema, depth)

    def resolve(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise SchemaError(f"only local references are supported: {ref}")
        node: Any = self.root
        for raw in ref[1:].split("/"):
            if not raw:
                continue
            key = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                raise SchemaError(f"unresolvable reference: {ref}")
        return node

    def deref(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, Mapping) and set(schema) == {"$ref"} and seen < 32:
            schema = self.resolve(str(schema["$ref"]))
            seen += 1
        return schema

    def pick_branch(self, branches: list[Any], depth: int) -> Any:
        if depth >= self.max_depth:
            terminal = [b for b in branches if not _mentions_ref(b)]
            if terminal:
                return terminal[0]
        return self.rng.choice(branches)

    def pick_type(self, schema: Mapping[str, Any], depth: int) -> str:
        declared = schema.get("type")
        if isinstance(declared, list):
            options = [str(t) for t in declared] or list(_NON_NULL_TYPES)
        elif isinstance(declared, str):
            options = [declared]
        elif "properties" in schema or "required" in schema or "additionalProperties" in schema:
            options = ["object"]
        elif "items" in schema or "prefixItems" in schema or "minItems" in schema:
            options = ["array"]
        elif any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
            options = ["number"]
        else:
            options = ["string"]
        if schema.get("nullable") is True and "null" not in options:
            options.append("null")
        if len(options) == 1:
            return options[0]
        non_null = [t for t in options if t != "null"]
        if "null" in options and (depth >= self.max_depth or not non_null or self.rng.random() < 0.25):
            return "null"
        if depth >= self.max_depth:
            for simple in ("string", "integer", "number", "boolean"):
                if simple in non_null:
                    return simple
        return self.rng.choice(non_null)

    # ---- scalars --------------------------------------------------------------------------
    def integer(self, schema: Mapping[str, Any]) -> int:
        low, high = _bounds(schema, integer=True)
        step = schema.get("multipleOf")
        if isinstance(step, int | float) and not isinstance(step, bool) and step > 0:
            if float(step).is_integer():
                unit = int(step)
                first = math.ceil(low / unit) if low is not None else None
                last = math.floor(high / unit) if high is not None else None
                k = self.pick_int(first, last)
                return k * unit
            return int(self.multiple_of_number(float(step), low, high, integer=True))
        return self.pick_int(
            math.ceil(low) if low is not None else None, math.floor(high) if high is not None else None
        )

    def pick_int(self, low: int | None, high: int | None) -> int:
        if low is None and high is None:
            return self.rng.randint(0, 100)
        if low is None:
            assert high is not None
            low = min(0, high) if high >= 0 else high - 100
            low = max(low, high - 100)
        if high is None:
            high = low + 100
        if low > high:
            raise SchemaError("integer bounds leave no value")
        return self.rng.randint(low, high)

    def number(self, schema: Mapping[str, Any]) -> float | int:
        low, high = _bounds(schema, integer=False)
        step = schema.get("multipleOf")
        if isinstance(step, int | float) and not isinstance(step, bool) and step > 0:
            return self.multiple_of_number(float(step), low, high, integer=False)
        exclusive_low = _exclusive(schema, "minimum")
        exclusive_high = _exclusive(schema, "maximum")
        lo = low if low is not None else (min(0.0, high - 100.0) if high is not None else 0.0)
        hi = high if high is not None else lo + 100.0
        if lo > hi:
            raise SchemaError("number bounds leave no value")
        for _ in range(16):
            value = round(lo + (hi - lo) * self.rng.random(), 3)
            if (lo < value or (not exclusive_low and lo == value)) and (
                value < hi or (not exclusive_high and value == hi)
            ):
                return value
        middle = (lo + hi) / 2
        if (lo < middle < hi) or (lo == hi and not exclusive_low and not exclusive_high):
            return middle
        raise SchemaError("number bounds leave no value")

    def multiple_of_number(self, step: float, low: float | None, high: float | None, *, integer: bool) -> float | int:
        first = math.ceil(low / step) if low is not None else (math.floor(high / step) - 10 if high is not None else 0)
        last = math.floor(high / step) if high is not None else first + 10
        candidates = list(range(first, last + 1))
        self.rng.shuffle(candidates)
        for k in candidates[:64]:
            value = k * step
            if integer and not float(value).is_integer():
                continue
            if (low is not None and value < low) or (high is not None and value > high):
                continue
            if not float(value / step).is_integer():
                continue
            return int(value) if integer or float(value).is_integer() else value
        raise SchemaError("no multiple of the step fits the bounds")

    def string(self, schema: Mapping[str, Any]) -> str:
        min_length = int(schema.get("minLength", 0) or 0)
        max_length = schema.get("maxLength")
        fmt = schema.get("format")
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            for _ in range(8):
                candidate = string_for_pattern(pattern, self.rng)
                if candidate is not None and _length_ok(candidate, min_length, max_length):
                    return candidate
            raise SchemaError(f"cannot produce a string for pattern {pattern!r}")
        if isinstance(fmt, str) and fmt in _FORMATS:
            value = str(_FORMATS[fmt](self.rng))
            if _length_ok(value, min_length, max_length):
                return value
        words = [self.rng.choice(WORDS[96:]) for _ in range(self.rng.randint(1, 3))]
        value = " ".join(words)
        while len(value) < min_length:
            value += " " + self.rng.choice(WORDS[96:])
        if isinstance(max_length, int) and len(value) > max_length:
            value = value[:max_length].rstrip() if max_length > 0 else ""
            if len(value) < min_length:
                value = value.ljust(min_length, "x")
        return value

    # ---- containers -----------------------------------------------------------------------
    def array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        declared = schema.get("prefixItems")
        prefix: list[Any] = declared if isinstance(declared, list) else []
        items = schema.get("items", {})
        if isinstance(items, list):  # draft 4-7 tuple form
            prefix, items = items, schema.get("additionalItems", {})
        min_items = int(schema.get("minItems", 0) or 0)
        max_items = schema.get("maxItems")
        high = int(max_items) if isinstance(max_items, int) else max(min_items, len(prefix)) + 3
        low = min_items
        if depth >= self.max_depth:
            high = max(low, min(high, len(prefix)))
        if low > high:
            raise SchemaError("array bounds leave no length")
        count = self.rng.randint(low, min(high, low + 3))
        unique = schema.get("uniqueItems") is True
        out: list[Any] = []
        for i in range(len(prefix)):
            if len(out) >= count and len(out) >= min_items:
                break
            out.append(self.value(prefix[i], depth + 1))
        attempts = 0
        while len(out) < count:
            if items is False:
                break
            candidate = self.value(items, depth + 1)
            attempts += 1
            if unique and candidate in out:
                if attempts > count * 8:
                    if len(out) >= min_items:
                        break
                    raise SchemaError("cannot find enough unique items")
                continue
            out.append(candidate)
        return out

    def object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties") or {}
        required = [str(name) for name in schema.get("required") or []]
        out: dict[str, Any] = {}
        for name, sub in properties.items():
            if name in required:
                continue
            if depth < self.max_depth and self.rng.random() < 0.6 and not (_mentions_ref(sub) and depth > 1):
                out[name] = None  # placeholder keeps declaration order
        chosen = set(required) | set(out)
        result: dict[str, Any] = {}
        for name in list(properties) + [n for n in required if n not in properties]:
            if name in chosen:
                result[name] = self.value(properties.get(name, {}), depth + 1)
        min_properties = int(schema.get("minProperties", 0) or 0)
        for name in properties:
            if len(result) >= min_properties:
                break
            if name not in result:
                result[name] = self.value(properties[name], depth + 1)
        extra = schema.get("additionalProperties", True)
        index = 0
        while len(result) < min_properties and extra is not False:
            key = f"extra_{index}"
            index += 1
            if key not in result:
                result[key] = self.value(extra if isinstance(extra, Mapping) else {}, depth + 1)
        return result


def _merge(base: Mapping[str, Any], extra: Any) -> dict[str, Any]:
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


def _mentions_ref(schema: Any) -> bool:
    if isinstance(schema, Mapping):
        return "$ref" in schema or any(_mentions_ref(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_mentions_ref(v) for v in schema)
    return False


def _exclusive(schema: Mapping[str, Any], which: str) -> bool:
    key = "exclusiveMinimum" if which == "minimum" else "exclusiveMaximum"
    value = schema.get(key)
    return value is True or (isinstance(value, int | float) and not isinstance(value, bool))


def _bounds(schema: Mapping[str, Any], *, integer: bool) -> tuple[float | None, float | None]:
    """The tightest lower and upper bounds; for integers exclusive bounds become the next inclusive integer."""
    minimum: Any = schema.get("minimum")
    maximum: Any = schema.get("maximum")
    ex_min: Any = schema.get("exclusiveMinimum")
    ex_max: Any = schema.get("exclusiveMaximum")
    lows: list[float] = []
    highs: list[float] = []
    if _is_number(minimum):
        exclusive = ex_min is True
        lows.append(_above(float(minimum)) if integer and exclusive else float(minimum))
    if _is_number(ex_min):
        lows.append(_above(float(ex_min)) if integer else float(ex_min))
    if _is_number(maximum):
        exclusive = ex_max is True
        highs.append(_below(float(maximum)) if integer and exclusive else float(maximum))
    if _is_number(ex_max):
        highs.append(_below(float(ex_max)) if integer else float(ex_max))
    return (max(lows) if lows else None), (min(highs) if highs else None)


def _above(value: float) -> float:
    """The smallest integer strictly greater than `value`."""
    return float(math.floor(value) + 1)


def _below(value: float) -> float:
    """The largest integer strictly smaller than `value`."""
    return float(math.ceil(value) - 1)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _length_ok(value: str, min_length: int, max_length: Any) -> bool:
    return len(value) >= min_length and (not isinstance(max_length, int) or len(value) <= max_length)


def json_schema_of(response_format: Any) -> Mapping[str, Any] | None:
    """The schema inside a chat `response_format` or a responses `text.format` of type json_schema."""
    if not isinstance(response_format, Mapping) or response_format.get("type") != "json_schema":
        return None
    holder = response_format.get("json_schema", response_format)
    schema = holder.get("schema") if isinstance(holder, Mapping) else None
    return schema if isinstance(schema, Mapping) else {"type": "object"}
