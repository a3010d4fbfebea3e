"""The webhook state that outlives a restart under --data-dir, kept as records in the metadata store.

Two kinds of record. One `webhook_settings` row holds the endpoints and secret set at run time (only the values
that were set: they win over the command line's until the next reset). One `webhook_deliveries` row per delivery
holds everything needed to send it again byte for byte (webhook-id, body, headers, secret) with its attempts, its
state and the virtual time of its next attempt. The in-memory store keeps the same rows, and a reset clears them
with every other record.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, NotRequired, TypedDict

from emulator.engine.storage import MetadataStore
from emulator.engine.table import RecordTable

SETTINGS_KIND = "webhook_settings"
SETTINGS_KEY = "runtime"
DELIVERIES_KIND = "webhook_deliveries"
DeliveryState = Literal["pending", "delivered", "failed", "dropped"]
AttemptOutcome = Literal["delivered", "retry", "failed", "dropped"]


class AttemptRecord(TypedDict):
    """One attempt (attempt 0: a delivery a scenario dropped): when, the HTTP status or error, the outcome."""

    attempt: int
    time: float
    status: int | None
    error: str | None
    outcome: AttemptOutcome
    corrupt: NotRequired[str]  # how a scenario spoiled this (first) attempt


class DeliveryRecord(TypedDict):
    """A delivery as stored (`Delivery.to_record`): the body as text, the backoff as a list."""

    key: str
    event_id: str
    message_id: str
    event_type: str
    batch_id: str
    url: str
    body: str
    headers: dict[str, str]
    secret: str | None
    backoff: list[float]
    source: str
    dialect: str
    copy: int
    corrupt: str | None
    rule: str | None
    attempts: list[AttemptRecord]
    state: DeliveryState
    due: float | None


class WebhookSettings(TypedDict, total=False):
    """The settings changed at run time; a field is present once it was set."""

    endpoints: list[str]
    secret: str


class WebhookLedger:
    """Reads and writes the webhook records of one metadata store."""

    def __init__(self, store: MetadataStore) -> None:
        self._settings: RecordTable[WebhookSettings] = RecordTable(store, SETTINGS_KIND)
        self._deliveries: RecordTable[DeliveryRecord] = RecordTable(store, DELIVERIES_KIND)

    def settings(self) -> WebhookSettings:
        """The values set at run time: `endpoints` and/or `secret`, each present only once it was set."""
        stored = self._settings.get(SETTINGS_KEY)
        return WebhookSettings(**stored) if stored is not None else WebhookSettings()

    def save_settings(self, *, endpoints: list[str] | None = None, secret: str | None = None) -> None:
        """Add the values given (those that are not None) to the run-time settings."""
        if endpoints is None and secret is None:
            return
        settings = self.settings()
        if endpoints is not None:
            settings["endpoints"] = endpoints
        if secret is not None:
            settings["secret"] = secret
        self._settings.put(SETTINGS_KEY, settings)

    def deliveries(self) -> Iterator[DeliveryRecord]:
        """Every stored delivery record, in the order the deliveries were created."""
        return self._deliveries.values()

    def save_deliveries(self, records: list[DeliveryRecord]) -> None:
        """Store delivery records under their `key`, all in one write."""
        self._deliveries.put_many([(record["key"], record) for record in records])
