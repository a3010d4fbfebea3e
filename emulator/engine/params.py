"""Small checks of request values that raise the real API's 400 errors (types, ranges, enums, metadata)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from emulator.engine.errors import (
    InvalidRequest,
    as_int,
    int_in_range,
    invalid_type,
    invalid_value,
    missing_parameter,
    string_too_long,
)

__all__ = ["as_int", "int_in_range"]  # re-exported: their home is `errors`, beside the errors they raise


def require(body: Mapping[str, Any], name: str, prefix: str = "") -> Any:
    if name not in body or body[name] is None:
        raise missing_parameter(prefix + name)
    return body[name]


def as_string(value: Any, param: str) -> str:
    if not isinstance(value, str):
        raise invalid_type(param, "a string", value)
    return value


def query_int(raw: str | None, param: str, low: int, high: int, default: int) -> int:
    """An integer query parameter, checked like the real API checks it."""
    if raw is None:
        return default
    try:
        number = int(raw)
    except ValueError:
        raise invalid_type(param, "an integer", raw) from None
    return int_in_range(number, param, low, high)


def one_of(value: Any, param: str, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        listed = ", ".join(f"'{item}'" for item in allowed[:-1]) + f" and '{allowed[-1]}'"
        shown = value if isinstance(value, str) else repr(value)
        raise invalid_value(param, f"Invalid value: '{shown}'. Supported values are: {listed}.")
    return value


def metadata(value: Any, param: str = "metadata") -> dict[str, str] | None:
    """Check a metadata map: at most 16 pairs, keys up to 64 characters, string values up to 512."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_type(param, "an object", value)
    if len(value) > 16:
        raise InvalidRequest(
            f"Invalid '{param}': too many properties. Expected an object with at most 16 properties, "
            f"but got an object with {len(value)} properties instead.",
            param=param,
            code="object_above_max_properties",
        )
    for key, item in value.items():
        if len(key) > 64:
            raise InvalidRequest(
                f"Invalid property name in '{param}': '{key}' is too long. Expected a string with maximum length 64, "
                f"but got a string with length {len(key)} instead.",
                param=f"{param}.{key}",
                code="string_above_max_length",
            )
        if not isinstance(item, str):
            raise invalid_type(f"{param}.{key}", "a string", item)
        if len(item) > 512:
            raise string_too_long(f"{param}.{key}", 512, len(item))
    return dict(value)


def expires_after(value: Any, param: str) -> int | None:
    """Check `{anchor: "created_at", seconds: 3600..2592000}`; returns the seconds."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_type(param, "an object", value)
    anchor = require(value, "anchor", param + ".")
    if anchor != "created_at":
        raise invalid_value(f"{param}.anchor", f"Invalid value: '{anchor}'. Supported values are: 'created_at'.")
    seconds = require(value, "seconds", param + ".")
    return int_in_range(seconds, f"{param}.seconds", 3600, 2_592_000)
