"""The scalar half of the JSON Schema instance generator: integers and numbers within bounds and steps, strings
of a `format`, and words within lengths, all drawn from the generator's seeded `random.Random`.

`ScalarDraws` is the base of the generator in `instance`, which adds containers, unions, references and the
size tally; `fail` is how a draw that cannot honour its schema reports it (raise, or return a fallback).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any, TypeGuard

from emulator.fake_model.text import WORDS

WORDS_FOR_VALUES = WORDS[96:]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_FEW_MULTIPLES = 4096
FORMATS = {
    "date-time": lambda r: (
        f"20{r.randint(20, 29)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T"
        f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z"
    ),
    "date": lambda r: f"20{r.randint(20, 29)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
    "time": lambda r: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z",
    "email": lambda r: f"{r.choice(WORDS_FOR_VALUES)}.{r.choice(WORDS_FOR_VALUES)}@example.com",
    "uuid": lambda r: _uuid4(r.getrandbits(128)),
    "uri": lambda r: f"https://example.com/{r.choice(WORDS_FOR_VALUES)}/{r.randint(1, 999)}",
    "url": lambda r: f"https://example.com/{r.choice(WORDS_FOR_VALUES)}",
    "hostname": lambda r: f"{r.choice(WORDS_FOR_VALUES)}.example.com",
    "ipv4": lambda r: ".".join(str(r.randint(1, 254)) for _ in range(4)),
    "ipv6": lambda r: ":".join(f"{r.getrandbits(16):x}" for _ in range(8)),
}


def _uuid4(bits: int) -> str:
    """A version-4 UUID string built from 128 random bits."""
    bits = (bits & ~(0xF << 76) | (4 << 76)) & ~(0x3 << 62) | (0x2 << 62)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class SchemaError(ValueError):
    """The schema cannot be satisfied (or uses something this generator cannot honour)."""


class ScalarDraws:
    """Draws of scalar values; the subclass supplies `rng`, `lenient` and `fail`."""

    rng: random.Random
    lenient: bool

    def fail(self, message: str, fallback: Any) -> Any:
        raise NotImplementedError

    def integer(self, schema: Mapping[str, Any]) -> int:
        low, high = _bounds(schema, integer=True)
        step = schema.get("multipleOf")
        if is_number(step) and step > 0:
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
            return int(self.fail("integer bounds leave no value", low))
        return self.rng.randint(low, high)

    def number(self, schema: Mapping[str, Any]) -> float | int:
        low, high = _bounds(schema, integer=False)
        step = schema.get("multipleOf")
        if is_number(step) and step > 0:
            return self.multiple_of_number(float(step), low, high, integer=False)
        exclusive_low = _exclusive(schema, "minimum")
        exclusive_high = _exclusive(schema, "maximum")
        lo = low if low is not None else (min(0.0, high - 100.0) if high is not None else 0.0)
        hi = high if high is not None else lo + 100.0
        if lo > hi:
            return float(self.fail("number bounds leave no value", lo))
        for _ in range(16):
            value = round(lo + (hi - lo) * self.rng.random(), 3)
            if (lo < value or (not exclusive_low and lo == value)) and (
                value < hi or (not exclusive_high and value == hi)
            ):
                return value
        middle = (lo + hi) / 2
        if (lo < middle < hi) or (lo == hi and not exclusive_low and not exclusive_high):
            return middle
        return float(self.fail("number bounds leave no value", middle))

    def multiple_of_number(self, step: float, low: float | None, high: float | None, *, integer: bool) -> float | int:
        fallback = low if low is not None else high if high is not None else 0
        try:
            first = (
                math.ceil(low / step) if low is not None else (math.floor(high / step) - 10 if high is not None else 0)
            )
            last = math.floor(high / step) if high is not None else first + 10
        except (OverflowError, ValueError):
            return float(self.fail("no multiple of the step fits the bounds", fallback))
        if last - first < _FEW_MULTIPLES:
            candidates = list(range(first, last + 1))
            self.rng.shuffle(candidates)
        else:  # too many to list: draw some
            candidates = [self.rng.randint(first, last) for _ in range(64)]
        for k in candidates[:64]:
            value = k * step
            if integer and not float(value).is_integer():
                continue
            if (low is not None and value < low) or (high is not None and value > high):
                continue
            if not float(value / step).is_integer():
                continue
            return int(value) if integer or float(value).is_integer() else value
        return float(self.fail("no multiple of the step fits the bounds", fallback))

    def format_string(self, fmt: str, min_length: int, max_length: int | None) -> str | None:
        """A value of `fmt` within the lengths, lengthened where the format allows; None when none fits."""
        value = str(FORMATS[fmt](self.rng))
        if len(value) < min_length:
            value = _lengthen(fmt, value, min_length - len(value), self.rng)
        if length_ok(value, min_length, max_length):
            return value
        return None

    def words(self, min_length: int, max_length: int | None) -> str:
        choice = self.rng.choice
        value = " ".join([choice(WORDS_FOR_VALUES) for _ in range(self.rng.randint(1, 3))])
        if len(value) < min_length:
            parts = [value]
            length = len(value)
            while length < min_length:
                word = choice(WORDS_FOR_VALUES)
                parts.append(word)
                length += len(word) + 1
            value = " ".join(parts)
        if max_length is not None and len(value) > max_length:
            value = value[:max_length].rstrip() if max_length > 0 else ""
            if len(value) < min_length:
                value = value.ljust(min_length, "x")
        return value


def _lengthen(fmt: str, value: str, missing: int, rng: random.Random) -> str:
    """`value` made at least `missing` characters longer without leaving `fmt`, when the format has room."""
    filler = "".join(rng.choices(_LETTERS, k=missing))
    if fmt == "email":
        local, _, domain = value.partition("@")
        return f"{local}{filler}@{domain}"
    if fmt in ("uri", "url"):
        return value + filler
    if fmt == "hostname":
        labels = [filler[i : i + 60] for i in range(0, len(filler), 60)]
        longer = ".".join([*labels, value])
        return longer if len(longer) <= 253 else value
    if fmt in ("date-time", "time"):  # more digits of a second's fraction
        digits = "".join(rng.choices("0123456789", k=max(missing - 1, 1)))
        return f"{value[:-1]}.{digits}Z"
    return value


def _exclusive(schema: Mapping[str, Any], which: str) -> bool:
    key = "exclusiveMinimum" if which == "minimum" else "exclusiveMaximum"
    value = schema.get(key)
    return value is True or is_number(value)


def _bounds(schema: Mapping[str, Any], *, integer: bool) -> tuple[float | None, float | None]:
    """The tightest lower and upper bounds; for integers exclusive bounds become the next inclusive integer."""
    minimum = _finite(schema.get("minimum"))
    maximum = _finite(schema.get("maximum"))
    ex_min: Any = schema.get("exclusiveMinimum")
    ex_max: Any = schema.get("exclusiveMaximum")
    ex_min_value = _finite(ex_min) if ex_min is not None else None
    ex_max_value = _finite(ex_max) if ex_max is not None else None
    lows: list[float] = []
    highs: list[float] = []
    if minimum is not None:
        lows.append(_above(minimum) if integer and ex_min is True else minimum)
    if ex_min_value is not None:
        lows.append(_above(ex_min_value) if integer else ex_min_value)
    if maximum is not None:
        highs.append(_below(maximum) if integer and ex_max is True else maximum)
    if ex_max_value is not None:
        highs.append(_below(ex_max_value) if integer else ex_max_value)
    return (max(lows) if lows else None), (min(highs) if highs else None)


def _finite(value: Any) -> float | None:
    """`value` as a finite float, or None when it is no number (or too large for one)."""
    if value is None or not is_number(value):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _above(value: float) -> float:
    """The smallest integer strictly greater than `value`."""
    return float(math.floor(value) + 1)


def _below(value: float) -> float:
    """The largest integer strictly smaller than `value`."""
    return float(math.ceil(value) - 1)


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def length_ok(value: str, min_length: int, max_length: int | None) -> bool:
    return len(value) >= min_length and (max_length is None or len(value) <= max_length)
