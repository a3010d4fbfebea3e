"""The uploads service without HTTP: an upload is created with checked parameters, takes parts within the part
limit, completes into a file only when its parts add up (and match an md5 when one is given), and expires an
hour after creation; parts are dropped once it ends."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from emulator.engine.errors import InvalidRequest, NotFound
from tests.unit.files_support import LIMITS, START, Services, build

OWNER = "key-1"


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return build(tmp_path)


def _create(services: Services, size: int = 8, **fields: Any) -> Any:
    body = {"filename": "input.jsonl", "purpose": "batch", "bytes": size, "mime_type": "application/jsonl"} | fields
    return services.uploads.create(body, OWNER)


def _part(services: Services, upload_id: str, data: bytes) -> Any:
    writer = services.uploads.begin_part(upload_id, OWNER)
    services.uploads.check_part_size(writer, len(data))
    writer.write(data)
    return services.uploads.finish_part(upload_id, OWNER, writer)


def test_an_upload_completes_into_a_file_holding_its_parts_in_the_order_given(services: Services):
    upload = _create(services)
    first, second = _part(services, upload["id"], b"abcd"), _part(services, upload["id"], b"efgh")
    assert (first["upload_id"], first["size"], first["created_at"]) == (upload["id"], 4, int(START))
    md5 = hashlib.md5(b"efghabcd", usedforsecurity=False).hexdigest()
    done = services.uploads.complete(upload["id"], {"part_ids": [second["id"], first["id"]], "md5": md5}, OWNER)
    assert done["status"] == "completed" and done["file_id"].startswith("file-")
    path, size = services.files.content_path(done["file_id"], OWNER)
    assert (path.read_bytes(), size) == (b"efghabcd", 8)
    assert services.files.get(done["file_id"], OWNER)["expires_at"] == int(START) + LIMITS.batch_file_default_ttl
    assert services.store.count("parts") == 0 and not services.blobs.exists(first["id"])


def test_a_new_upload_is_pending_for_an_hour(services: Services):
    upload = _create(services, expires_after={"anchor": "created_at", "seconds": 7200})
    assert upload["id"].startswith("upload_")
    assert (upload["status"], upload["created_at"], upload["expires_at"]) == ("pending", int(START), int(START) + 3600)
    assert upload["file_id"] is None and upload["ttl"] == 7200


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"bytes": 0}, "bytes"),
        ({"bytes": LIMITS.upload_max_bytes + 1}, "bytes"),
        ({"bytes": LIMITS.file_max_bytes + 1}, "bytes"),
        ({"mime_type": "image/png"}, "mime_type"),
        ({"purpose": "training"}, "purpose"),
        ({"filename": "input.csv"}, None),
        ({"expires_after": {"anchor": "last_active_at", "seconds": 3600}}, "expires_after.anchor"),
    ],
)
def test_bad_parameters_are_refused_and_nothing_is_stored(services: Services, fields: dict, param: str | None):
    with pytest.raises(InvalidRequest) as info:
        _create(services, **fields)
    assert (info.value.status, info.value.param) == (400, param)
    assert services.store.count("uploads") == 0


def test_a_part_over_the_part_limit_is_refused_and_its_bytes_dropped(services: Services):
    upload = _create(services)
    writer = services.uploads.begin_part(upload["id"], OWNER)
    writer.write(b"x" * LIMITS.upload_part_max_bytes)
    with pytest.raises(InvalidRequest) as info:
        services.uploads.check_part_size(writer, 1)
    assert (info.value.code, info.value.param) == ("part_too_large", "data")
    assert not writer.tmp_path.exists()


def test_completing_needs_parts_that_add_up_belong_to_the_upload_and_appear_once(services: Services):
    upload, other = _create(services), _create(services)
    part = _part(services, upload["id"], b"abcd")
    foreign = _part(services, other["id"], b"abcd")
    for body, code in [
        ({"part_ids": [part["id"]]}, "bytes_mismatch"),
        ({"part_ids": [part["id"], foreign["id"]]}, None),
        ({"part_ids": [part["id"], part["id"]]}, None),
        ({"part_ids": "part_1"}, "invalid_type"),
        ({}, "missing_required_parameter"),
    ]:
        with pytest.raises(InvalidRequest) as info:
            services.uploads.complete(upload["id"], body, OWNER)
        assert (info.value.param, info.value.code) == ("part_ids", code), body
    assert services.uploads.get(upload["id"], OWNER)["status"] == "pending"


def test_a_wrong_md5_refuses_completion_and_leaves_no_file(services: Services):
    upload = _create(services, size=4)
    part = _part(services, upload["id"], b"abcd")
    with pytest.raises(InvalidRequest, match="md5"):
        services.uploads.complete(upload["id"], {"part_ids": [part["id"]], "md5": "0" * 32}, OWNER)
    assert services.store.count("files") == 0 and list((services.blobs.root / "tmp").iterdir()) == []


def test_a_cancelled_upload_takes_no_more_parts_and_drops_the_ones_it_had(services: Services):
    upload = _create(services)
    part = _part(services, upload["id"], b"abcd")
    assert services.uploads.cancel(upload["id"], OWNER)["status"] == "cancelled"
    assert not services.blobs.exists(part["id"])
    for action in (
        lambda: services.uploads.begin_part(upload["id"], OWNER),
        lambda: services.uploads.complete(upload["id"], {"part_ids": []}, OWNER),
        lambda: services.uploads.cancel(upload["id"], OWNER),
    ):
        with pytest.raises(InvalidRequest) as info:
            action()
        assert info.value.code == "invalid_upload_status"


def test_a_part_finished_after_its_upload_ended_is_dropped(services: Services):
    upload = _create(services)
    writer = services.uploads.begin_part(upload["id"], OWNER)
    writer.write(b"abcd")
    services.uploads.cancel(upload["id"], OWNER)
    with pytest.raises(InvalidRequest):
        services.uploads.finish_part(upload["id"], OWNER, writer)
    assert not writer.tmp_path.exists() and services.store.count("parts") == 0


def test_an_upload_expires_an_hour_after_creation_with_its_parts(services: Services):
    upload = _create(services)
    part = _part(services, upload["id"], b"abcd")
    services.clock.advance(LIMITS.upload_lifetime_seconds)
    assert services.uploads.get(upload["id"], OWNER)["status"] == "expired"
    assert not services.blobs.exists(part["id"]) and services.store.count("parts") == 0


def test_an_upload_belongs_to_its_owner(services: Services):
    upload = _create(services)
    with pytest.raises(NotFound) as info:
        services.uploads.get(upload["id"], "key-2")
    assert (info.value.status, info.value.param) == (404, "upload_id")
