"""A typed view of one kind of record in the metadata store.

The store keeps JSON-able dicts by (kind, key) and knows nothing of their shape; a service reads and writes
its own kind through a `RecordTable` parameterised by the record's `TypedDict`, so the shape is checked where
records are built and used while the store stays generic.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar, cast

from emulator.engine.storage import MetadataStore

R = TypeVar("R", bound=Mapping[str, Any])


class RecordTable(Generic[R]):
    """The records of `kind` in `store`, typed as `R`."""

    def __init__(self, store: MetadataStore, kind: str) -> None:
        self.store = store
        self.kind = kind

    def get(self, key: str) -> R | None:
        return cast("R | None", self.store.get(self.kind, key))

    def put(self, key: str, record: R) -> None:
        self.store.put(self.kind, key, cast("dict[str, Any]", record))

    def put_many(self, records: list[tuple[str, R]]) -> None:
        self.store.put_many(self.kind, [(key, cast("dict[str, Any]", record)) for key, record in records])

    def delete(self, key: str) -> None:
        self.store.delete(self.kind, key)

    def values(self) -> Iterator[R]:
        return cast("Iterator[R]", self.store.values(self.kind))

    def count(self) -> int:
        return self.store.count(self.kind)
