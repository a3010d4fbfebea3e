"""What a kill can leave on disk outside the records, removed at startup before the server serves.

Bytes are always written before the record that points at them (a blob before its file or part record, a
batch's work files before the batch record that counts them), so after a kill the disk may hold bytes that
no record names: a blob whose record was never committed, the work files of a batch that has ended. Records
never point at missing bytes. Temporary upload files go when the blob store opens.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from emulator.engine.blobs import BlobStore
from emulator.engine.storage import MetadataStore

BLOB_OWNERS = ("files", "parts")
LOG = logging.getLogger(__name__)


def remove_orphans(store: MetadataStore, blobs: BlobStore, live_work: Iterable[str]) -> list[str]:
    """Delete blobs that no file or part record names, and work files whose name does not start with one of
    `live_work` (the ids of the batches still running); returns what was removed, as paths under the data dir."""
    owned = {record["id"] for kind in BLOB_OWNERS for record in store.values(kind)}
    removed = []
    for blob_id in list(blobs.ids()):
        if blob_id not in owned:
            blobs.delete(blob_id)
            removed.append(f"blobs/{blob_id}")
    live = set(live_work)
    for path in list(blobs.work_dir.iterdir()):
        if path.name.split(".", 1)[0] not in live:
            path.unlink(missing_ok=True)
            removed.append(f"work/{path.name}")
    if removed:
        LOG.info("removed %d file(s) an interrupted run left without a record: %s", len(removed), ", ".join(removed))
    return removed
