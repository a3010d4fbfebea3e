"""The records of contract checking: a `Problem` found in a request or an answer, and the `Violation` it becomes
once the request it belongs to is named (as `GET /_emulator/contract` lists it)."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

Direction = Literal["request", "response"]


class Violation(TypedDict):
    """A request the document forbids or an answer it does not allow.

    `where` names a parameter (`limit`), a JSON path into the body (`$.metadata.tier`), `status` or
    `content-type`; `sent` is the offending value (shortened) and `allowed` what the document allows there.
    """

    direction: Direction
    operation: str
    method: str
    path: str
    where: str
    message: str
    journal_request_id: str | None
    sent: NotRequired[Any]
    allowed: NotRequired[str]


class Problem(TypedDict):
    """What is wrong, before the monitor names the request it belongs to."""

    where: str
    message: str
    sent: NotRequired[Any]
    allowed: NotRequired[str]
