"""Generate a JSON instance that validates against a JSON Schema, deterministically from a seeded generator.

Covers what structured outputs and tool parameters use in practice: `type` (single or a list such as
`["string", "null"]`, plus OpenAPI's `nullable`), `enum`, `const`, objects (`properties`, `required`,
`additionalProperties`, `minProperties`), arrays (`items`, `prefixItems`, `minItems`, `maxItems`,
`uniqueItems`), `anyOf` / `oneOf` (one branch is chosen; `oneOf` branches are expected to be
disjoint, as discriminated unions are), `allOf` (merged), `$ref` into `$defs` / `definitions` with a
depth bound for recursive schemas, string `format`s (date-time, date, time, email, uuid, uri,
hostname, ipv4, ipv6), `minLength` / `maxLength` (also together with a `pattern` or a `format`),
simple `pattern`s, and numeric bounds (`minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`
in both drafts' forms, `multipleOf`).

Size: the generator keeps a tally of the values and characters it writes (see `schema_size`). Past a
tenth of the limits it stops adding optional parts and takes the smallest branch or type; an optional
part that would overflow the limits is dropped; anything required that cannot fit raises
`SchemaTooLarge` before it is built. `instance_for` is what the fake model calls: when the schema cannot
be satisfied exactly (conflicting bounds, a pattern out of this generator's reach), it builds a
best-effort instance that still has every required property, instead of failing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import orjson

from emulator.fake_model.schema.patterns import pattern_min_length, pattern_search, string_for_pattern
from emulator.fake_model.schema.scalars import (
    FORMATS,
    WORDS_FOR_VALUES,
    ScalarDraws,
)
from emulator.fake_model.schema.scalars import SchemaError as SchemaError  # raised from here too
from emulator.fake_model.schema.size import (
    MAX_CHARS,
    MAX_VALUES,
    Sizer,
    count,
    follow_refs,
    merge,
    required_names,
    resolve,
    type_options,
    upper,
    weight,
)

MAX_DEPTH = 6
# The generator's own ceiling: twice the limits a schema is checked against, so that the random extras
# above an admitted schema's smallest instance always fit.
_HARD_VALUES = 2 * MAX_VALUES
_HARD_CHARS = 2 * MAX_CHARS
_SOFT_VALUES = MAX_VALUES // 10
_SOFT_CHARS = MAX_CHARS // 10
_MAX_FALLBACKS = 4
_SMALL = 1000  # sizes below this are counted after they are built, larger ones checked before
_MAX_MISSES = 1000  # repeated candidates in a row before `uniqueItems` gives up
_SKIP = object()


class SchemaTooLarge(SchemaError):
    """An instance of the schema would be larger than the fake model writes."""


def generate(
    schema: Mapping[str, Any] | bool, rng: random.Random, max_depth: int = MAX_DEPTH, *, lenient: bool = False
) -> Any:
    """An instance of `schema` chosen with `rng`; the same generator state gives the same instance.

    Raises `SchemaError` when the schema cannot be satisfied, unless `lenient`, in which case a
    best-effort value stands in for each part that cannot (`SchemaTooLarge` is raised either way).
    """
    return _Generator(schema, rng, max_depth, lenient).value(schema, 0)


def instance_for(schema: Mapping[str, Any] | bool, make_rng: Callable[[], random.Random]) -> Any:
    """An instance of `schema`, or when none can be built exactly, the best-effort one.

    `make_rng` gives a generator in the same starting state each time it is called.
    """
    try:
        return generate(schema, make_rng())
    except SchemaTooLarge:
        raise
    except SchemaError:
        return generate(schema, make_rng(), lenient=True)


class _Generator(ScalarDraws):
    def __init__(self, root: Mapping[str, Any] | bool, rng: random.Random, max_depth: int, lenient: bool) -> None:
        self.root = root
        self.rng = rng
        self.max_depth = max_depth
        self.lenient = lenient
        self.values = 0
        self.chars = 0
        self.tight = False  # only the smallest choices from here on
        self.fallbacks = 0
        self._sizer: Sizer | None = None

    # ---- size tally -------------------------------------------------------------------------
    def spend(self, values: int, chars: int) -> None:
        self.values += values
        self.chars += chars
        if self.values > _SOFT_VALUES or self.chars > _SOFT_CHARS:
            self.tight = True
            self.room(0, 0)

    def room(self, values: int, chars: int) -> None:
        """Raise before building `values` more values and `chars` more characters if they cannot fit."""
        if self.values + values > _HARD_VALUES or self.chars + chars > _HARD_CHARS:
            raise SchemaTooLarge(
                f"an instance of the schema needs more than {MAX_VALUES} values or {MAX_CHARS} characters"
            )

    def optional(self, make: Callable[[], Any]) -> Any:
        """`make()`, or `_SKIP` (with the tally restored) when what it builds does not fit."""
        saved = (self.values, self.chars)
        try:
            return make()
        except SchemaTooLarge:
            return self.dropped(saved)

    def optional_value(self, schema: Any, depth: int) -> Any:
        """`optional` for an instance of `schema` (the common case, without building a callable)."""
        saved = (self.values, self.chars)
        try:
            return self.value(schema, depth)
        except SchemaTooLarge:
            return self.dropped(saved)

    def dropped(self, saved: tuple[int, int]) -> Any:
        """Forget a part that did not fit; only the smallest choices follow. Too many such parts: give up."""
        if self.fallbacks >= _MAX_FALLBACKS:
            raise SchemaTooLarge("an instance of the schema does not fit the limits")
        self.fallbacks += 1
        self.values, self.chars = saved
        self.tight = True
        return _SKIP

    def decide(self, first: Callable[[], Any], smallest: Callable[[], Any]) -> Any:
        """The randomly chosen option, or the smallest one when the chosen one does not fit."""
        value = self.optional(first)
        return smallest() if value is _SKIP else value

    @property
    def sizer(self) -> Sizer:
        if self._sizer is None:
            self._sizer = Sizer(self.root)
        return self._sizer

    def fail(self, message: str, fallback: Any) -> Any:
        if self.lenient:
            return fallback
        raise SchemaError(message)

    # ---- dispatch -------------------------------------------------------------------------
    def value(self, schema: Mapping[str, Any] | bool, depth: int) -> Any:
        if schema is True or schema == {}:
            return self.word_value()
        if schema is False or not isinstance(schema, Mapping):
            return self.null_value(self.fail("schema 'false' has no instances", None))
        if depth > self.max_depth + 20:
            return self.null_value(self.fail("schema recursion has no finite instance", None))
        if "$ref" in schema:
            target = self.resolve(str(schema["$ref"]))
            if target is None:
                return self.word_value()
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return self.value(merge(target, rest) if rest else target, depth + 1)
        if "const" in schema:
            return self.literal(schema["const"])
        if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
            return self.literal(self.rng.choice(schema["enum"]))
        if "allOf" in schema and isinstance(schema["allOf"], list):
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                merged = merge(merged, self.deref(part))
            return self.value(merged, depth + 1 if "allOf" in merged else depth)
        if "anyOf" in schema or "oneOf" in schema:
            for key in ("anyOf", "oneOf"):
                if isinstance(schema.get(key), list) and schema[key]:
                    return self.union(schema, key, depth)
        declared = schema.get("type")
        if type(declared) is str and "nullable" not in schema:
            return self.typed(schema, declared, depth)
        kinds = type_options(schema)
        if len(kinds) == 1:
            return self.typed(schema, kinds[0], depth)
        if self.tight:
            return self.typed(schema, self.smallest_type(schema, kinds), depth)
        chosen = self.pick_type(kinds, depth)
        return self.decide(
            partial(self.typed, schema, chosen, depth),
            lambda: self.typed(schema, self.smallest_type(schema, kinds), depth),
        )

    def typed(self, schema: Mapping[str, Any], kind: str, depth: int) -> Any:
        if kind == "string":
            return self.string(schema)
        if kind == "object":
            return self.object(schema, depth)
        if kind == "array":
            return self.array(schema, depth)
        value: Any
        if kind == "integer":
            value = self.integer(schema)
        elif kind == "number":
            value = self.number(schema)
        elif kind == "boolean":
            value = self.rng.random() < 0.5
        elif kind == "null":
            value = None
        else:
            return self.object(schema, depth)
        self.spend(1, 5)
        return value

    def union(self, schema: Mapping[str, Any], key: str, depth: int) -> Any:
        """One branch of an `anyOf` / `oneOf`, merged with the keywords beside it."""
        branches: list[Any] = schema[key]
        rest = {k: v for k, v in schema.items() if k != key}

        def build(branch: Any) -> Any:
            return self.value(merge(rest, self.deref(branch)) if rest else branch, depth + 1)

        if self.tight:
            return build(self.smallest_branch(branches, rest))
        return self.decide(
            lambda: build(self.pick_branch(branches, depth)), lambda: build(self.smallest_branch(branches, rest))
        )

    def resolve(self, ref: str) -> Any:
        target = resolve(self.root, ref)
        if target is None:
            return self.fail(f"unresolvable reference: {ref}", None)
        return target

    def deref(self, schema: Any) -> Any:
        return follow_refs(self.root, schema)

    def pick_branch(self, branches: list[Any], depth: int) -> Any:
        if depth >= self.max_depth:
            terminal = [b for b in branches if not _mentions_ref(b)]
            if terminal:
                return terminal[0]
        return self.rng.choice(branches)

    def smallest_branch(self, branches: list[Any], rest: dict[str, Any]) -> Any:
        options = [(merge(rest, self.deref(b)) if rest else b, ()) for b in branches]
        return branches[self.sizer.least(options, 0)[0]]

    def pick_type(self, options: list[str], depth: int) -> str:
        non_null = [t for t in options if t != "null"]
        if "null" in options and (depth >= self.max_depth or not non_null or self.rng.random() < 0.25):
            return "null"
        if depth >= self.max_depth:
            for simple in ("string", "integer", "number", "boolean"):
                if simple in non_null:
                    return simple
        return self.rng.choice(non_null)

    def smallest_type(self, schema: Mapping[str, Any], kinds: list[str]) -> str:
        return min(kinds, key=lambda kind: weight(self.sizer.size_as(schema, kind, (), 0)))

    # ---- scalars --------------------------------------------------------------------------
    def word_value(self) -> str:
        word = self.rng.choice(WORDS_FOR_VALUES)
        self.spend(1, len(word) + 3)
        return word

    def null_value(self, value: None) -> None:
        self.spend(1, 5)
        return value

    def literal(self, value: Any) -> Any:
        self.spend(1, len(value) + 3 if isinstance(value, str) else 2)
        return value

    def string(self, schema: Mapping[str, Any]) -> str:
        min_length = count(schema, "minLength") if "minLength" in schema else 0
        max_length = upper(schema, "maxLength") if "maxLength" in schema else None
        declared = schema.get("format")
        fmt = declared if type(declared) is str and declared in FORMATS else None
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            self.room(1, max(min_length, pattern_min_length(pattern)) + 3)
            value = self.pattern_string(pattern, fmt, min_length, max_length)
        else:
            if min_length > _SMALL:
                self.room(1, min_length + 3)
            formatted = self.format_string(fmt, min_length, max_length) if fmt is not None else None
            value = formatted if formatted is not None else self.words(min_length, max_length)
        self.spend(1, len(value) + 3)
        return value

    def pattern_string(self, pattern: str, fmt: str | None, min_length: int, max_length: int | None) -> str:
        if fmt is not None:  # a value of the format that also matches the pattern
            candidate = self.format_string(fmt, min_length, max_length)
            if candidate is not None and pattern_search(pattern, candidate):
                return candidate
        if min_length == 0 and max_length is None:
            for _ in range(8):
                found = string_for_pattern(pattern, self.rng)
                if found is not None:
                    return found
        else:
            found = string_for_pattern(pattern, self.rng, min_length, max_length)
            if found is not None:
                return found
        if self.lenient:  # the pattern without the lengths, else the lengths without the pattern
            found = string_for_pattern(pattern, self.rng)
            return found if found is not None else self.words(min_length, max_length)
        raise SchemaError(f"cannot produce a string for pattern {pattern!r}")

    # ---- containers -----------------------------------------------------------------------
    def array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        declared = schema.get("prefixItems")
        prefix: list[Any] = declared if isinstance(declared, list) else []
        items = schema.get("items", {})
        if isinstance(items, list):  # draft 4-7 tuple form
            prefix, items = items, schema.get("additionalItems", {})
        min_items = count(schema, "minItems") if "minItems" in schema else 0
        max_items = upper(schema, "maxItems") if "maxItems" in schema else None
        high = max_items if max_items is not None else max(min_items, len(prefix)) + 3
        low = min_items
        if depth >= self.max_depth:
            high = max(low, min(high, len(prefix)))
        if low > high:
            high = self.fail("array bounds leave no length", low)
        if low > _SMALL:
            self.room(low + 1, 2 * low + 2)
        self.spend(1, 2)
        count_ = low if self.tight else self.rng.randint(low, min(high, low + 3))
        unique = schema.get("uniqueItems") is True
        seen: set[bytes] = set()
        out: list[Any] = []
        for i in range(len(prefix)):
            if len(out) >= count_ and len(out) >= min_items:
                break
            item = self.item(prefix[i], depth, len(out) < min_items)
            if item is _SKIP:
                return out
            out.append(item)
            if unique:
                seen.add(_unique_key(item))
        attempts = misses = 0
        while len(out) < count_:
            if items is False:
                break
            saved = (self.values, self.chars)
            candidate = self.item(items, depth, len(out) < min_items)
            if candidate is _SKIP:
                break
            attempts += 1
            if unique:
                key = _unique_key(candidate)
                if key in seen:
                    self.values, self.chars = saved
                    misses += 1
                    if attempts <= count_ * 8 and misses <= _MAX_MISSES:
                        continue
                    if len(out) >= min_items:
                        break
                    if not self.lenient:
                        raise SchemaError("cannot find enough unique items")
                    # lenient: a repeated item stands in for the missing distinct ones
                else:
                    misses = 0
                    seen.add(key)
            out.append(candidate)
        return out

    def item(self, schema: Any, depth: int, required: bool) -> Any:
        return self.value(schema, depth + 1) if required else self.optional_value(schema, depth + 1)

    def object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        declared = schema.get("properties")
        properties: Mapping[str, Any] = declared if isinstance(declared, Mapping) else {}
        required = required_names(schema)
        needed = set(required)
        min_properties = count(schema, "minProperties") if "minProperties" in schema else 0
        if min_properties > _SMALL:
            self.room(min_properties + 1, 2)
        self.spend(1, 2)
        chosen = set(needed)
        if not self.tight:
            for name, sub in properties.items():
                if name in needed:
                    continue
                if depth < self.max_depth and self.rng.random() < 0.6 and not (_mentions_ref(sub) and depth > 1):
                    chosen.add(name)
        result: dict[str, Any] = {}
        for name in list(properties) + [n for n in required if n not in properties]:
            if name in chosen:
                sub_schema = properties.get(name, {})
                if name in needed:
                    result[name] = self.value(sub_schema, depth + 1)
                else:
                    item = self.optional_value(sub_schema, depth + 1)
                    if item is not _SKIP:
                        result[name] = item
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


def _unique_key(value: Any) -> bytes:
    """Equal keys for values JSON Schema's `uniqueItems` counts as equal (1 and 1.0 are; true and 1 are not)."""
    return orjson.dumps(_integral(value), option=orjson.OPT_SORT_KEYS)


def _integral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    return value


def _mentions_ref(schema: Any) -> bool:
    if isinstance(schema, Mapping):
        return "$ref" in schema or any(_mentions_ref(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_mentions_ref(v) for v in schema)
    return False
