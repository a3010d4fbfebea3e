"""Uploads API through the real openai SDK: parts, ordering, checks, expiry, chunked upload helper."""

from __future__ import annotations

import hashlib
import io

import openai
import pytest

from tests.support.openapi import check_schema


def _create(client, size, purpose="batch", filename="big.jsonl"):
    return client.uploads.create(bytes=size, filename=filename, mime_type="application/jsonl", purpose=purpose)


def test_create_add_parts_and_complete_in_part_ids_order(client, batch_emulator):
    upload = _create(client, 9)
    assert upload.status == "pending"
    assert upload.id.startswith("upload_")
    assert upload.expires_at == upload.created_at + 3600
    assert upload.file is None
    check_schema(upload.model_dump(mode="json"), "Upload")
    first = client.uploads.parts.create(upload.id, data=b"aaa")
    second = client.uploads.parts.create(upload.id, data=b"bbb")
    third = client.uploads.parts.create(upload.id, data=b"ccc")
    assert first.id.startswith("part_") and first.upload_id == upload.id
    check_schema(first.model_dump(mode="json"), "UploadPart")
    done = client.uploads.complete(upload.id, part_ids=[third.id, first.id, second.id])
    assert done.status == "completed"
    assert done.file is not None and done.file.bytes == 9 and done.file.filename == "big.jsonl"
    check_schema(done.model_dump(mode="json"), "Upload")
    assert client.files.content(done.file.id).content == b"cccaaabbb"


def test_md5_is_checked(client):
    upload = _create(client, 4)
    part = client.uploads.parts.create(upload.id, data=b"abcd")
    with pytest.raises(openai.BadRequestError) as info:
        client.uploads.complete(upload.id, part_ids=[part.id], md5="0" * 32)
    assert info.value.param == "md5"
    done = client.uploads.complete(upload.id, part_ids=[part.id], md5=hashlib.md5(b"abcd").hexdigest())
    assert done.status == "completed"


def test_size_mismatch_is_rejected_and_upload_stays_pending(client):
    upload = _create(client, 10)
    part = client.uploads.parts.create(upload.id, data=b"short")
    with pytest.raises(openai.BadRequestError) as info:
        client.uploads.complete(upload.id, part_ids=[part.id])
    assert info.value.param == "part_ids"
    more = client.uploads.parts.create(upload.id, data=b"12345")
    assert client.uploads.complete(upload.id, part_ids=[part.id, more.id]).status == "completed"


def test_no_parts_after_complete_or_cancel(client):
    done = _create(client, 1)
    part = client.uploads.parts.create(done.id, data=b"x")
    client.uploads.complete(done.id, part_ids=[part.id])
    with pytest.raises(openai.BadRequestError):
        client.uploads.parts.create(done.id, data=b"y")
    cancelled = _create(client, 1)
    result = client.uploads.cancel(cancelled.id)
    assert result.status == "cancelled"
    check_schema(result.model_dump(mode="json"), "Upload")
    with pytest.raises(openai.BadRequestError):
        client.uploads.parts.create(cancelled.id, data=b"y")
    with pytest.raises(openai.BadRequestError):
        client.uploads.complete(cancelled.id, part_ids=[])


def test_upload_expires_an_hour_after_creation(client, batch_emulator):
    upload = _create(client, 1)
    part = client.uploads.parts.create(upload.id, data=b"x")
    batch_emulator.advance(hours=1)
    with pytest.raises(openai.BadRequestError) as info:
        client.uploads.complete(upload.id, part_ids=[part.id])
    assert "expired" in info.value.message


def test_unknown_upload_is_404(client):
    with pytest.raises(openai.NotFoundError):
        client.uploads.cancel("upload_missing")


def test_batch_upload_needs_jsonl_name(client):
    with pytest.raises(openai.BadRequestError) as info:
        _create(client, 3, filename="input.csv")
    assert info.value.message.endswith("Invalid file format for Batch API. Must be .jsonl")


def test_upload_file_chunked_from_bytes_end_to_end(client):
    data = b"".join(b'{"custom_id": "r%d"}\n' % i for i in range(2000))
    upload = client.uploads.upload_file_chunked(
        file=data,
        filename="chunked.jsonl",
        bytes=len(data),
        mime_type="application/jsonl",
        purpose="batch",
        part_size=4096,
    )
    assert upload.status == "completed"
    assert client.files.content(upload.file.id).content == data


def test_upload_file_chunked_from_a_path_with_md5(client, tmp_path):
    path = tmp_path / "input.jsonl"
    data = b"x" * 10_000 + b"\n"
    path.write_bytes(data)
    upload = client.uploads.upload_file_chunked(
        file=path,
        mime_type="application/jsonl",
        purpose="batch",
        part_size=3000,
        md5=hashlib.md5(data).hexdigest(),
    )
    assert upload.file.filename == "input.jsonl"
    assert client.files.content(upload.file.id).content == data


async def test_async_chunked_upload(batch_emulator):
    client = batch_emulator.async_openai(max_retries=0)
    async with client:
        data = io.BytesIO(b"abc" * 1000).getvalue()
        upload = await client.uploads.upload_file_chunked(
            file=data,
            filename="a.jsonl",
            bytes=len(data),
            mime_type="application/jsonl",
            purpose="batch",
            part_size=1000,
        )
        assert (await client.files.content(upload.file.id)).content == data


@pytest.mark.parametrize("size", [-1, 0])
def test_a_size_below_one_byte_names_the_minimum(client, size):
    with pytest.raises(openai.BadRequestError) as info:
        _create(client, size)
    assert info.value.body == {
        "message": f"Invalid 'bytes': integer below minimum value. Expected a value >= 1, but got {size} instead.",
        "type": "invalid_request_error",
        "param": "bytes",
        "code": "integer_below_min_value",
    }


def test_a_size_above_the_upload_limit_names_the_maximum(client):
    with pytest.raises(openai.BadRequestError) as info:
        _create(client, 8 * 1024**3 + 1, purpose="user_data")
    assert (info.value.param, info.value.code) == ("bytes", "invalid_value")
    assert "at most 8589934592 bytes" in info.value.message


@pytest.mark.parametrize("mime_type", ["image/png", "application/pdf", "text/csv"])
def test_a_batch_upload_must_declare_a_json_lines_mime_type(client, mime_type):
    with pytest.raises(openai.BadRequestError) as info:
        client.uploads.create(bytes=3, filename="in.jsonl", mime_type=mime_type, purpose="batch")
    assert (info.value.param, info.value.code) == ("mime_type", "invalid_value")
    assert info.value.body["message"].startswith(
        f"Invalid 'mime_type': '{mime_type}' is not supported for purpose 'batch'."
    )


@pytest.mark.parametrize(
    "mime_type", ["application/jsonl", "text/jsonl", "application/json", "Application/JSONL; charset=utf-8"]
)
def test_json_lines_mime_types_are_accepted_for_batch(client, mime_type):
    upload = client.uploads.create(bytes=3, filename="in.jsonl", mime_type=mime_type, purpose="batch")
    assert upload.status == "pending"


def test_other_purposes_accept_any_mime_type(client):
    upload = client.uploads.create(bytes=3, filename="photo.png", mime_type="image/png", purpose="vision")
    assert upload.status == "pending"
