"""The request log: one INFO line per request on the `batch_emulator.requests` logger (method, path, status,
milliseconds, and a fingerprint of the API key, never the key itself). Off unless the level is INFO or lower
(`serve --log-level info`)."""

from __future__ import annotations

import hashlib
import logging
import time

LOGGER = logging.getLogger("batch_emulator.requests")


def key_fingerprint(key: str | None) -> str:
    """`key:` and the first 8 hex digits of the key's SHA-256 (`-` without a key): tells keys apart in a log
    without revealing them."""
    if not key:
        return "-"
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:8]


def log_request(method: str, path: str, status: int | None, started: float, key: str | None) -> None:
    if not LOGGER.isEnabledFor(logging.INFO):
        return
    elapsed = (time.perf_counter() - started) * 1000
    shown = "-" if status is None else str(status)
    LOGGER.info("%s %s %s %.1fms %s", method, path, shown, elapsed, key_fingerprint(key))
