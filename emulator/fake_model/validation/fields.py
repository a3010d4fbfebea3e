"""The checks every request body shares: integers, numbers, booleans and enums within bounds, required
strings and lists, and the real API's wording for each problem (`Invalid 'n': integer below minimum value.
...`, `Invalid value: 'x'. Supported values are: ...`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from emulator.engine.errors import (
    InvalidRequest,
    int_in_range,
    invalid_type,
    invalid_value,
    missing_parameter,
    string_too_long,
)

FieldCheck = Callable[[Mapping[str, Any], str], None]


def ints(low: int | None = None, high: int | None = None) -> FieldCheck:
    """A check of an optional integer field within bounds."""
    return lambda body, name: check_int(body, name, low, high)


def numbers(low: float, high: float) -> FieldCheck:
    """A check of an optional number field within bounds."""
    return lambda body, name: check_number(body, name, low, high)


def choices(*options: str) -> FieldCheck:
    """A check of an optional field that takes one of `options`."""
    return lambda body, name: check_choice(body, name, options)


def check_fields(body: Mapping[str, Any], table: Mapping[str, FieldCheck]) -> None:
    """Run the check of every optional field present, in the body's order."""
    for key in body:
        check = table.get(key)
        if check is not None:
            check(body, key)


def supported_values(value: Any, options: Sequence[str]) -> str:
    quoted = [f"'{o}'" for o in options]
    listed = ", ".join(quoted[:-1]) + (", and " if len(quoted) > 2 else " and ") + quoted[-1]
    return f"Invalid value: '{value}'. Supported values are: {listed}."


def check_int(body: Mapping[str, Any], name: str, low: int | None = None, high: int | None = None) -> None:
    value = body.get(name)
    if value is not None:
        int_in_range(value, name, low, high)


def check_number(body: Mapping[str, Any], name: str, low: float, high: float) -> None:
    value = body.get(name)
    if value is None:
        return
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise invalid_type(name, "a number", value)
    if value < low:
        raise InvalidRequest(
            f"Invalid '{name}': decimal below minimum value. Expected a value >= {low:g}, but got {value:g} instead.",
            param=name,
            code="decimal_below_min_value",
        )
    if value > high:
        raise InvalidRequest(
            f"Invalid '{name}': decimal above maximum value. Expected a value <= {high:g}, but got {value:g} instead.",
            param=name,
            code="decimal_above_max_value",
        )


def check_bool(body: Mapping[str, Any], name: str) -> None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise invalid_type(name, "a boolean", value)


def check_choice(body: Mapping[str, Any], name: str, options: Sequence[str]) -> None:
    value = body.get(name)
    if value is not None and value not in options:
        raise invalid_value(name, supported_values(value, options))


def require_string(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise missing_parameter(name)
    if not isinstance(value, str):
        raise invalid_type(name, "a string", value)
    return value


def check_stop(body: Mapping[str, Any]) -> None:
    stop = body.get("stop")
    if stop is None or isinstance(stop, str):
        return
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise invalid_type("stop", "a string or an array of strings", stop)
    if len(stop) > 4:
        raise array_too_long("stop", 4, len(stop))


def array_too_long(name: str, limit: int, length: int) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid '{name}': array too long. Expected an array with maximum length {limit}, "
        f"but got an array with length {length} instead.",
        param=name,
        code="array_above_max_length",
    )


def non_empty_list(body: Mapping[str, Any], name: str) -> list[Any]:
    value = body.get(name)
    if value is None:
        raise missing_parameter(name)
    if not isinstance(value, list):
        raise invalid_type(name, "an array", value)
    if not value:
        raise InvalidRequest(
            f"Invalid '{name}': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            param=name,
            code="empty_array",
        )
    return value


def require_fields(value: Mapping[str, Any], path: str, names: Iterable[str]) -> None:
    """`Missing required parameter` for the first of `names` that `value` (found at `path`) lacks."""
    for name in names:
        if value.get(name) is None:
            raise missing_parameter(f"{path}.{name}")


def quotable(value: Any) -> str:
    """How an enum error quotes a value: a string as it is, anything else as empty."""
    return value if isinstance(value, str) else ""


def objects_in(items: Sequence[Any], path: str, expected: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each of the list `items` (found at `path`) with its own path, once it is known to be an object."""
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            raise invalid_type(where, expected, item)
        yield where, item


def require_text(body: Mapping[str, Any], name: str, max_length: int) -> str:
    """A required string of 1 to `max_length` characters."""
    value = require_string(body, name)
    if not value:
        raise InvalidRequest(
            f"Invalid '{name}': string too short. Expected a string with minimum length 1, but got an empty string "
            "instead.",
            param=name,
            code="string_below_min_length",
        )
    if len(value) > max_length:
        raise string_too_long(name, max_length, len(value))
    return value
