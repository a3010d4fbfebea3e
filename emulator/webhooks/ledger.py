"""The webhook state that outlives a restart under --data-dir, kept as records in the metadata store.

Two kinds of record. One `webhook_settings` row holds the endpoints and secret set at run time (only the values
that were set: they win over the command line's until the next reset). One `webhook_deliveries` row per delivery
holds everything needed to send it again byte for byte (webhook-id, body, headers, secret) with its attempts, its
state and the virtual time of its next attempt. The in-memory store keeps the same rows, and a reset clears them
with every other record.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from emulator.engine.storage import MetadataStore

SETTINGS_KIND = "webhook_settings"
SETTINGS_KEY = "runtime"
DELIVERIES_KIND = "webhook_deliveries"


class WebhookLedger:
    """Reads and writes the webhook records of one metadata store."""

    def __init__(self, store: MetadataStore) -> None:
        self._store = store

    def settings(self) -> dict[str, Any]:
        """The values set at run time: `endpoints` and/or `secret`, each present only once it was set."""
        return dict(self._store.get(SETTINGS_KIND, SETTINGS_KEY) or {})

    def save_settings(self, **values: Any) -> None:
        """Add the values given (those that are not None) to the run-time settings."""
        changed = {name: value for name, value in values.items() if value is not None}
        if changed:
            self._store.put(SETTINGS_KIND, SETTINGS_KEY, {**self.settings(), **changed})

    def deliveries(self) -> Iterator[dict[str, Any]]:
        """Every stored delivery record, in the order the deliveries were created."""
        return self._store.values(DELIVERIES_KIND)

    def save_deliveries(self, records: list[dict[str, Any]]) -> None:
        """Store delivery records under their `key`, all in one write."""
        self._store.put_many(DELIVERIES_KIND, [(record["key"], record) for record in records])
