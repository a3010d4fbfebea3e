"""Helpers for the dialect tests: the webhook receiver's records, admin calls."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that answers POSTs with scripted statuses (then 200) and keeps them."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)


def admin(emulator: Any, method: str, path: str, body: Any = None) -> Any:
    """Call the emulator's admin API (`/_emulator` + path)."""
    return emulator._remote.admin(method, path, body)


def flush_webhooks(emulator: Any) -> dict[str, Any]:
    result: dict[str, Any] = admin(emulator, "POST", "/webhooks/flush", {})
    return result
