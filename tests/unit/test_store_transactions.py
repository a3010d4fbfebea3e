"""The SQLite store's memory follows its disk: writes inside `transaction()` land together or not at all, and a
write that fails (here a record that cannot be serialized) puts back, in memory, what the disk holds, also for a
record the caller changed in place before saving it."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.engine.storage import DataDirInUse, SqliteStore, lock_data_dir


def test_a_failed_write_puts_the_saved_record_back_in_memory(tmp_path: Path):
    store = SqliteStore(tmp_path / "metadata.sqlite3")
    store.put("batches", "b1", {"id": "b1", "status": "in_progress"})
    record = store.get("batches", "b1")
    assert record is not None
    record["status"] = "failed"
    record["bad"] = object()
    with pytest.raises(TypeError):
        store.put("batches", "b1", record)
    assert store.get("batches", "b1") == {"id": "b1", "status": "in_progress"}
    store.close()


def test_a_transaction_writes_everything_or_nothing(tmp_path: Path):
    path = tmp_path / "metadata.sqlite3"
    store = SqliteStore(path)
    with pytest.raises(RuntimeError), store.transaction():
        store.put("files", "f1", {"id": "f1"})
        store.put("batches", "b1", {"id": "b1"})
        raise RuntimeError("the block failed")
    assert (store.get("files", "f1"), store.get("batches", "b1")) == (None, None)
    with store.transaction():
        store.put("files", "f1", {"id": "f1"})
        with store.transaction():  # joins the outer one
            store.put("batches", "b1", {"id": "b1"})
        assert store.get("batches", "b1") is None  # memory changes when the outer block commits
    store.close()
    reopened = SqliteStore(path)
    assert (reopened.get("files", "f1"), reopened.get("batches", "b1")) == ({"id": "f1"}, {"id": "b1"})
    reopened.close()


def test_the_data_dir_lock_names_its_holder(tmp_path: Path):
    held = lock_data_dir(tmp_path)
    with pytest.raises(DataDirInUse, match=r"pid \d+"):
        lock_data_dir(tmp_path)
    held.close()
    lock_data_dir(tmp_path).close()
