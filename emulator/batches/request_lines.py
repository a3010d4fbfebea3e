"""The request lines of a batch input file that passed validation, read from any byte offset, so the batch
processor can stop and resume anywhere without holding the file in memory; and the endpoint a file names."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson


@dataclass(slots=True)
class RequestLine:
    """One request of a validated input file (not frozen: one is made per line, and a frozen one costs more)."""

    line: int  # 1-based
    custom_id: str
    body: dict[str, Any]
    url: Any = field(default=None, compare=False)  # the batch endpoint, but where a dialect lets lines name another


def first_url(path: Path) -> tuple[str, int] | None:
    """The `url` of the first non-blank line and its line number (the endpoint a batch of the file is for), or
    None when that line is not a JSON object with a string `url`."""
    with path.open("rb") as stream:
        for line, raw in enumerate(stream, start=1):
            if raw.isspace():
                continue
            try:
                request = orjson.loads(raw)
            except orjson.JSONDecodeError:
                return None
            url = request.get("url") if isinstance(request, dict) else None
            return (url, line) if isinstance(url, str) else None
    return None


def iter_request_lines(
    path: Path, start_offset: int = 0, start_line: int = 0
) -> Generator[tuple[int, RequestLine], None, None]:
    """Yield `(offset after the line, request)` for each request of a validated file, from `start_offset`.

    `start_offset` must be 0 or an offset this function yielded, and `start_line` the number of lines before
    it, so line numbers continue where the previous pass stopped. Blank lines are skipped but counted.
    A line that is not a valid request raises `ValueError`: the file was not validated, or changed since.
    """
    for offset, line, request in iter_requests(path, start_offset, start_line):
        yield offset, RequestLine(line, request["custom_id"], request["body"], request.get("url"))


def iter_requests(
    path: Path, start_offset: int = 0, start_line: int = 0
) -> Generator[tuple[int, int, dict[str, Any]], None, None]:
    """`iter_request_lines` with each request as `(offset after the line, line number, decoded object)`: what a
    loop over many lines needs, without a `RequestLine` per line."""
    loads = orjson.loads
    offset = start_offset
    line = start_line
    with path.open("rb") as stream:
        stream.seek(start_offset)
        for raw in stream:
            line += 1
            offset += len(raw)
            if raw.isspace():
                continue
            try:
                request = loads(raw)
                if type(request["custom_id"]) is str and type(request["body"]) is dict:
                    yield offset, line, request
                    continue
            except (orjson.JSONDecodeError, TypeError, KeyError):
                pass
            raise ValueError(f"line {line} of {path} is not a valid batch request")
