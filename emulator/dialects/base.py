"""What a dialect is: a description (prefix, endpoints, limits, window rule, list paging, extensions) that the
route modules read. The engine never sees it; it only gets plain create arguments and record fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.batches.records import BatchRecord, dialect_of
from emulator.dialects.envelopes import OPENAI_ERRORS, ErrorEnvelope
from emulator.engine.errors import invalid_value, missing_parameter

DAY = 86400
_DURATION = re.compile(r"^([1-9][0-9]*)([hd])$")


@dataclass(frozen=True, slots=True)
class Dialect:
    """One provider's differences from the OpenAI Batch API, as data."""

    name: str
    title: str
    prefix: str  # where it is mounted next to OpenAI's /v1, e.g. "/groq/openai/v1"
    root: str  # where `serve --dialect NAME` also mounts it, e.g. "/openai/v1"
    endpoints: tuple[str, ...] = ("/v1/chat/completions",)
    limits: Mapping[str, int] = field(default_factory=dict)  # Limits overrides for validation
    max_window_seconds: int = DAY  # completion_window from "24h" up to this
    list_default: int = 20
    list_max: int = 100
    file_list_default: int | None = None
    max_active_batches: int | None = None
    max_files: int | None = None
    extensions: tuple[str, ...] = ()  # extra create fields: "webhook_url", "override_settings"
    result_style: str = "openai"  # "openai" or "unwrapped" (the completion directly under `response`)
    sparse_create: bool = False  # Netmind's documented create answer
    native_files: bool = False  # Netmind's presigned-URL Files API next to the OpenAI-style one
    lines_follow_endpoint: bool = False  # every line goes to the batch endpoint, whatever its own `url` says
    errors: ErrorEnvelope = OPENAI_ERRORS  # the shape of every error response on the dialect's routes

    def owns(self, record: BatchRecord) -> bool:
        return dialect_of(record) == self.name

    def create_arguments(self) -> dict[str, Any]:
        """What every batch created through this dialect gives `BatchesService.create`: its name (what `owns`
        reads), the limits its input is validated with, and whether its lines all go to the batch endpoint."""
        arguments: dict[str, Any] = {"dialect": self.name, "limits": dict(self.limits)}
        if self.lines_follow_endpoint:
            arguments["lines_follow_endpoint"] = True
        return arguments

    def check_endpoint(self, endpoint: Any) -> str:
        if endpoint is None:
            raise missing_parameter("endpoint")
        if endpoint not in self.endpoints:
            listed = ", ".join(f"'{item}'" for item in self.endpoints)
            raise invalid_value("endpoint", f"Invalid value: '{endpoint}'. Supported values are: {listed}.")
        return str(endpoint)

    def window_seconds(self, window: Any) -> int:
        """Seconds of a `completion_window` such as "24h", "48h" or "7d", within this dialect's range."""
        if window is None:
            raise missing_parameter("completion_window")
        match = _DURATION.match(window) if isinstance(window, str) else None
        seconds = int(match.group(1)) * (3600 if match.group(2) == "h" else DAY) if match else 0
        if not DAY <= seconds <= self.max_window_seconds or (self.max_window_seconds == DAY and window != "24h"):
            if self.max_window_seconds == DAY:
                message = f"Invalid value: '{window}'. Supported values are: '24h'."
            else:
                message = (
                    f"Invalid value: '{window}'. Supported values are durations from '24h' to "
                    f"'{self.max_window_seconds // DAY}d' (hours 'h' or days 'd')."
                )
            raise invalid_value("completion_window", message)
        return seconds
