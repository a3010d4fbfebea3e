"""Helpers for the dialect tests: admin calls, waiting for webhook deliveries, Anthropic's error body, and
running a Message Batch to its results."""

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


def message_request(custom_id: str, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
    """One Message Batches request: `messages` plus `params` (model and max_tokens default to small values)."""
    params.setdefault("model", "claude-sonnet-4-5")
    params.setdefault("max_tokens", 256)
    return {"custom_id": custom_id, "params": {"messages": messages, **params}}


def run_message_batch(emulator: Any, claude: Any, *requests: dict[str, Any]) -> dict[str, Any]:
    """Create a Message Batch, run the clock until it ends, and return its results by custom_id."""
    batch = claude.messages.batches.create(requests=list(requests))
    emulator.run_until_idle()
    return {item.custom_id: item.result for item in claude.messages.batches.results(batch.id)}


def assert_errored(results: dict[str, Any], expected: dict[str, str]) -> None:
    """Each custom_id of `expected` is an `invalid_request_error` result whose message starts as given."""
    for custom_id, start in expected.items():
        result = results[custom_id]
        assert result.type == "errored", custom_id
        assert result.error.error.type == "invalid_request_error"
        assert result.error.error.message.startswith(start), result.error.error.message
