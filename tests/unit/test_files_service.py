"""The files service without HTTP: an upload's parameters are checked before its bytes, sizes are enforced
while they stream, files belong to their owner, expire by the clock, and list in pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.engine.errors import InvalidRequest, NotFound
from tests.unit.files_support import LIMITS, START, Services, build


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return build(tmp_path)


def _upload(services: Services, data: bytes = b'{"a": 1}\n', **options: object) -> dict:
    params = {"purpose": "batch", "filename": "input.jsonl", "ttl": None, "owner": "key-1"} | options
    pending = services.files.begin(**params)  # type: ignore[arg-type]
    pending.write(data)
    return dict(services.files.finish(pending))


def test_a_finished_upload_is_a_processed_file_with_its_bytes_stored(services: Services):
    record = _upload(services)
    assert record["id"].startswith("file-")
    assert {key: record[key] for key in ("bytes", "created_at", "filename", "purpose", "status", "owner")} == {
        "bytes": 9,
        "created_at": int(START),
        "filename": "input.jsonl",
        "purpose": "batch",
        "status": "processed",
        "owner": "key-1",
    }
    path, size = services.files.content_path(record["id"], "key-1")
    assert (path.read_bytes(), size) == (b'{"a": 1}\n', 9)


def test_batch_files_expire_after_the_default_ttl_unless_given_one_and_other_purposes_never(services: Services):
    assert _upload(services)["expires_at"] == int(START) + LIMITS.batch_file_default_ttl
    assert _upload(services, ttl=3600)["expires_at"] == int(START) + 3600
    assert _upload(services, purpose="user_data", filename="notes.txt")["expires_at"] is None


@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"purpose": "training"}, "purpose"),
        ({"purpose": ""}, "purpose"),
        ({"filename": ""}, "file"),
        ({"filename": "dir/input.jsonl"}, "file"),
        ({"filename": "x" * 513}, "file"),
    ],
)
def test_bad_parameters_are_refused_before_any_byte_is_read(services: Services, options: dict, param: str):
    params = {"purpose": "batch", "filename": "input.jsonl", "ttl": None, "owner": None} | options
    with pytest.raises(InvalidRequest) as info:
        services.files.begin(**params)  # type: ignore[arg-type]
    assert (info.value.status, info.value.param) == (400, param)
    assert list((services.blobs.root / "tmp").iterdir()) == []


def test_a_batch_file_must_be_jsonl(services: Services):
    with pytest.raises(InvalidRequest, match=r"Must be \.jsonl"):
        services.files.begin(purpose="batch", filename="input.csv", ttl=None, owner=None)


def test_a_file_over_the_size_limit_is_refused_while_streaming_and_its_bytes_dropped(services: Services):
    pending = services.files.begin(purpose="batch", filename="big.jsonl", ttl=None, owner=None)
    pending.write(b"x" * LIMITS.file_max_bytes)
    with pytest.raises(InvalidRequest) as info:
        pending.write(b"x")
    assert (info.value.code, info.value.param) == ("file_too_large", "file")
    assert not pending.writer.tmp_path.exists() and services.store.count("files") == 0


def test_a_file_belongs_to_its_owner(services: Services):
    record = _upload(services, owner="key-1")
    assert services.files.find(record["id"], "key-2") is None
    with pytest.raises(NotFound) as info:
        services.files.get(record["id"], "key-2")
    assert info.value.status == 404 and info.value.message == f"No such File object: {record['id']}"
    with pytest.raises(NotFound):
        services.files.delete(record["id"], None)
    assert services.files.get(record["id"], "key-1")["id"] == record["id"]


def test_a_file_disappears_with_its_bytes_when_the_clock_reaches_its_expiry(services: Services):
    record = _upload(services, ttl=3600)
    services.clock.advance(3599)
    assert services.files.find(record["id"], "key-1") is not None
    services.clock.advance(1)
    assert services.files.find(record["id"], "key-1") is None
    assert services.store.count("files") == 0 and not services.blobs.exists(record["id"])


def test_delete_removes_the_record_and_the_bytes(services: Services):
    record = _upload(services)
    assert services.files.delete(record["id"], "key-1")["id"] == record["id"]
    assert not services.blobs.exists(record["id"])
    with pytest.raises(NotFound):
        services.files.get(record["id"], "key-1")


def test_content_of_a_purpose_that_cannot_be_downloaded_is_refused(services: Services):
    record = _upload(services, purpose="user_data", filename="notes.txt")
    with pytest.raises(InvalidRequest, match="Not allowed to download files of purpose: user_data"):
        services.files.content_path(record["id"], "key-1")


def test_pages_follow_the_order_the_cursor_and_the_purpose_filter(services: Services):
    ids = [_upload(services)["id"] for _ in range(3)]
    other = _upload(services, purpose="user_data", filename="notes.txt")["id"]
    page, more = services.files.page("key-1", purpose=None, limit=2, order="desc", after=None)
    assert ([r["id"] for r in page], more) == ([other, ids[2]], True)
    page, more = services.files.page("key-1", purpose="batch", limit=5, order="asc", after=ids[0])
    assert ([r["id"] for r in page], more) == (ids[1:], False)
    kept = lambda record: record["id"] != other  # noqa: E731
    page, _ = services.files.page("key-1", purpose=None, limit=5, order="asc", after=None, where=kept)
    assert [r["id"] for r in page] == ids
    assert services.files.page("key-2", purpose=None, limit=5, order="asc", after=None) == ([], False)
