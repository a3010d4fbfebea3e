"""The value objects the fake model hands back: token usage, per-line shape overrides, results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from emulator.engine.errors import EmulatorError


class TokenUsage(NamedTuple):
    """Token counts of one answer; a batch sums these into its `usage`. (A named tuple: one is made per answer,
    and a tuple is several times cheaper to make than a frozen dataclass.)"""

    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0


NO_USAGE = TokenUsage()


@dataclass(frozen=True, slots=True)
class ResponseShape:
    """Per-line overrides a scenario may ask for; every field is optional."""

    finish_reason: str | None = None
    empty_content: bool = False
    refusal: str | None = None


PLAIN = ResponseShape()


class ModelResult(NamedTuple):
    """An HTTP status, the JSON body for it, and the tokens it used (a named tuple, like `TokenUsage`)."""

    status_code: int
    body: dict[str, Any]
    usage: TokenUsage

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300

    @classmethod
    def from_error(cls, error: EmulatorError) -> ModelResult:
        return cls(error.status, error.body(), NO_USAGE)

    def error(self) -> EmulatorError:
        """The error a failed result reports, to raise where a request is answered directly (not in a batch)."""
        error = self.body.get("error")
        if not isinstance(error, Mapping):
            return EmulatorError("The server had an error while processing your request.", status=self.status_code)
        return EmulatorError(
            str(error.get("message")),
            param=error.get("param"),
            code=error.get("code"),
            type=error.get("type"),
            status=self.status_code,
        )
