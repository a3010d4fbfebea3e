"""Where records and bytes live: the memory and SQLite metadata stores behave alike (the SQLite one also
after reopening), a batch of records is written whole or not at all, and blobs appear only once complete."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from emulator.engine.storage import BlobStore, MemoryStore, MetadataStore, SqliteStore, open_storage


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MetadataStore]:
    opened: MetadataStore = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "meta.sqlite3")
    yield opened
    opened.close()


def _fill(store: MetadataStore) -> None:
    store.put("files", "file-b", {"id": "file-b", "bytes": 2})
    store.put("files", "file-a", {"id": "file-a", "bytes": 1})
    store.put("batches", "batch_1", {"id": "batch_1", "status": "validating"})


def test_records_are_kept_by_kind_and_key_in_insertion_order(store: MetadataStore):
    _fill(store)
    assert store.get("files", "file-a") == {"id": "file-a", "bytes": 1}
    assert store.get("files", "batch_1") is None and store.get("uploads", "file-a") is None
    assert [record["id"] for record in store.values("files")] == ["file-b", "file-a"]
    assert (store.count("files"), store.count("batches"), store.count("uploads")) == (2, 1, 0)


def test_a_record_put_again_is_replaced_in_its_place(store: MetadataStore):
    _fill(store)
    store.put("files", "file-b", {"id": "file-b", "bytes": 20})
    assert [record["bytes"] for record in store.values("files")] == [20, 1]


def test_delete_and_clear_remove_records(store: MetadataStore):
    _fill(store)
    store.delete("files", "file-b")
    store.delete("files", "file-never")
    assert [record["id"] for record in store.values("files")] == ["file-a"]
    store.clear()
    assert store.count("files") == 0 and store.count("batches") == 0


def test_values_can_be_iterated_while_records_change(store: MetadataStore):
    _fill(store)
    for record in store.values("files"):
        store.delete("files", record["id"])
    assert store.count("files") == 0


def test_put_many_stores_every_pair(store: MetadataStore):
    store.put_many("parts", [("part_1", {"size": 1}), ("part_2", {"size": 2})])
    assert [record["size"] for record in store.values("parts")] == [1, 2]


def test_the_sqlite_store_reads_back_what_it_wrote_in_the_same_order(tmp_path: Path):
    path = tmp_path / "meta.sqlite3"
    first = SqliteStore(path)
    _fill(first)
    first.put("files", "file-b", {"id": "file-b", "bytes": 20})
    first.delete("batches", "batch_1")
    first.put_many("parts", [("part_1", {"size": 1})])
    first.close()
    reopened = SqliteStore(path)
    assert list(reopened.values("files")) == [{"id": "file-b", "bytes": 20}, {"id": "file-a", "bytes": 1}]
    assert reopened.get("batches", "batch_1") is None and reopened.get("parts", "part_1") == {"size": 1}
    reopened.clear()
    reopened.close()
    assert SqliteStore(path).count("files") == 0


def test_a_failed_put_many_keeps_none_of_its_records(tmp_path: Path):
    path = tmp_path / "meta.sqlite3"
    store = SqliteStore(path)
    with pytest.raises(orjson.JSONEncodeError):
        store.put_many("parts", [("part_1", {"size": 1}), ("part_2", {"size": {1, 2}})])
    assert store.get("parts", "part_1") is None
    store.close()
    assert SqliteStore(path).count("parts") == 0


def test_a_blob_exists_only_once_committed(tmp_path: Path):
    blobs = BlobStore(tmp_path)
    writer = blobs.writer()
    writer.write(b"hello ")
    writer.write(b"world")
    assert writer.size == 11 and writer.md5() == "5eb63bbbe01eeed093cb22bb8f5acdc3"
    assert not blobs.exists("file-1")
    writer.commit("file-1")
    with blobs.open("file-1") as handle:
        assert handle.read() == b"hello world"
    assert blobs.path("file-1").parent.name == "blobs"
    blobs.delete("file-1")
    blobs.delete("file-1")
    assert not blobs.exists("file-1")


@pytest.mark.parametrize("durable", [True, False])
def test_only_a_store_that_outlives_its_server_syncs_its_blobs_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durable: bool
):
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    blobs = BlobStore(tmp_path, durable=durable)
    writer = blobs.writer()
    writer.write(b"results")
    writer.commit("file-1")
    work = blobs.scratch_path("batch_1.out")
    work.write_bytes(b"line\n")
    blobs.link(work, "file-2")
    assert blobs.open("file-2").read() == b"line\n" and blobs.open("file-1").read() == b"results"
    assert len(synced) == (2 if durable else 0)


def test_an_aborted_writer_leaves_nothing_behind(tmp_path: Path):
    blobs = BlobStore(tmp_path)
    writer = blobs.writer()
    writer.write(b"partial")
    writer.abort()
    writer.abort()
    assert not writer.tmp_path.exists() and list((tmp_path / "tmp").iterdir()) == []
    with pytest.raises(AssertionError, match="closed"):
        writer.write(b"more")


def test_leftover_temporary_files_are_removed_when_the_blob_store_opens(tmp_path: Path):
    BlobStore(tmp_path)
    (tmp_path / "tmp" / "half-written").write_bytes(b"x")
    BlobStore(tmp_path)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_finished_work_file_is_linked_into_place_and_clear_empties_every_folder(tmp_path: Path):
    blobs = BlobStore(tmp_path / "store")
    scratch = blobs.scratch_path("batch_1.partial")
    scratch.write_bytes(b'{"line": 1}\n')
    blobs.link(scratch, "file-out")
    blobs.link(scratch, "file-out")  # again, as after a crash before the records were committed
    assert scratch.exists() and blobs.path("file-out").read_bytes() == b'{"line": 1}\n'
    assert sorted(blobs.ids()) == ["file-out"]
    blobs.scratch_path("leftover").mkdir()
    pending = blobs.writer()
    pending.write(b"pending")
    blobs.clear()
    pending.abort()
    assert all(list((tmp_path / "store" / folder).iterdir()) == [] for folder in ("blobs", "tmp", "work"))


def test_open_storage_keeps_records_in_memory_without_a_data_dir_and_in_sqlite_with_one(tmp_path: Path):
    store, blobs, temporary = open_storage(None)
    try:
        assert isinstance(store, MemoryStore) and not isinstance(store, SqliteStore)
        assert temporary is not None and blobs.root == temporary and temporary.is_dir()
    finally:
        store.close()
        shutil.rmtree(blobs.root)
    data_dir = tmp_path / "data"
    store, blobs, temporary = open_storage(data_dir)
    store.close()
    assert isinstance(store, SqliteStore) and temporary is None
    assert (data_dir / "metadata.sqlite3").is_file() and blobs.root == data_dir
