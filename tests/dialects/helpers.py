"""Helpers for the dialect tests: admin calls and waiting for webhook deliveries."""

from __future__ import annotations

from typing import Any


def admin(emulator: Any, method: str, path: str, body: Any = None) -> Any:
    """Call the emulator's admin API (`/_emulator` + path)."""
    return emulator._remote.admin(method, path, body)


def flush_webhooks(emulator: Any) -> dict[str, Any]:
    """Wait for the webhook attempts due by now; the whole webhook state (endpoints, secret, deliveries)."""
    result: dict[str, Any] = admin(emulator, "POST", "/webhooks/flush", {})
    return result
