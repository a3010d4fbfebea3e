"""The one hook through which other parts learn that a batch moved: `BatchEvents`.

The batches service publishes every transition (after the state machine applied it); the webhooks service
subscribes at construction. Listeners run synchronously, in subscription order, on the domain thread.
"""

from __future__ import annotations

from collections.abc import Callable

from emulator.batches.records import BatchEvent, BatchRecord

BatchListener = Callable[[BatchRecord, BatchEvent], None]


class BatchEvents:
    """A publisher of batch transitions."""

    def __init__(self) -> None:
        self._listeners: list[BatchListener] = []

    def subscribe(self, listener: BatchListener) -> None:
        self._listeners.append(listener)

    def publish(self, record: BatchRecord, event: BatchEvent) -> None:
        for listener in self._listeners:
            listener(record, event)
