"""Helpers for the dialect tests: admin calls, waiting for webhook deliveries, and Anthropic's error body."""

from __future__ import annotations

import re
from typing import Any

ANTHROPIC_REQUEST_ID = re.compile(r"req_011C[0-9A-Za-z]{20}")


def admin(emulator: Any, method: str, path: str, body: Any = None) -> Any:
    """Call the emulator's admin API (`/_emulator` + path)."""
    return emulator._remote.admin(method, path, body)


def flush_webhooks(emulator: Any) -> dict[str, Any]:
    """Wait for the webhook attempts due by now; the whole webhook state (endpoints, secret, deliveries)."""
    result: dict[str, Any] = admin(emulator, "POST", "/webhooks/flush", {})
    return result


def anthropic_error(kind: str, message: str, request_id: str) -> dict[str, Any]:
    """The body of an Anthropic error response."""
    return {"type": "error", "error": {"type": kind, "message": message}, "request_id": request_id}


def request_id_of(error: Any) -> str:
    """The `request-id` header of an `anthropic.APIStatusError`, checked to have the shape of Anthropic's ids."""
    request_id: str = error.request_id
    assert ANTHROPIC_REQUEST_ID.fullmatch(request_id), request_id
    return request_id
