"""One format for every problem the file-checking commands print: `FILE:LINE: code [param]: message`
(`FILE: code: message` for the whole file), the JSON decoder's own words for lines that are not JSON, and a
summary with true counts."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click
import orjson

from emulator.batches.input import LineError
from emulator.engine.errors import format_problem

INVALID_JSON = "invalid_json_line"


def decoder_details(path: Path, lines: Iterable[int]) -> dict[int, str]:
    """Why each of `lines` (1-based) is not a JSON object, in the decoder's words; one streaming pass."""
    wanted = set(lines)
    details: dict[int, str] = {}
    if not wanted:
        return details
    last = max(wanted)
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if number > last:
                break
            if number in wanted:
                details[number] = _why_not_an_object(raw)
    return details


def _why_not_an_object(raw: bytes) -> str:
    if raw.isspace() or not raw:
        return "a blank line before the last request"
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return f"JSON decoder: {exc.msg} at column {exc.colno}"
    return f"a JSON {type(value).__name__.replace('dict', 'object').replace('NoneType', 'null')}, not an object"


def echo_errors(path: Path, errors: list[LineError], *, err: bool = False) -> None:
    """Print every error in the common format, with the decoder's detail for lines that are not JSON."""
    details = decoder_details(path, (e.line for e in errors if e.code == INVALID_JSON and e.line is not None))
    for error in errors:
        message = error.message
        if error.line in details and error.code == INVALID_JSON:
            message = f"{message} ({details[error.line]})"
        click.echo(format_problem(path, error.line, error.code, error.param, message), err=err)


def summary(errors: list[LineError], request_lines: int | None = None, cap: int | None = None) -> str:
    """`N error(s) on K line(s); R request line(s) read`; says when the list stopped at the cap."""
    lines = {e.line for e in errors if e.line is not None}
    count = f"at least {len(errors)}" if cap is not None and len(errors) >= cap else str(len(errors))
    whole_file = " (and the file as a whole)" if any(e.line is None for e in errors) else ""
    read = f"; {request_lines} request line(s) read" if request_lines is not None else ""
    return f"{count} error(s) on {len(lines)} line(s){whole_file}{read}"
