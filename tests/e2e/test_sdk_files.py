"""Files API through the real openai SDK (sync and async, strict response validation)."""

from __future__ import annotations

import io

import openai
import pytest

from tests.conftest import chat_batch_file, parse_jsonl
from tests.support.openapi import check_operation_response, check_schema

DAY = 86400


def test_upload_batch_file_returns_a_complete_file_object(client, batch_emulator):
    data = chat_batch_file(3)
    file = client.files.create(file=("input.jsonl", io.BytesIO(data)), purpose="batch")
    now = int(batch_emulator.now())
    assert file.id.startswith("file-")
    assert file.object == "file"
    assert file.bytes == len(data)
    assert file.filename == "input.jsonl"
    assert file.purpose == "batch"
    assert file.status == "processed"
    assert file.created_at == now
    assert file.expires_at == now + 30 * DAY
    raw = client.files.with_raw_response.retrieve(file.id)
    check_schema(raw.http_response.json(), "OpenAIFile")
    check_operation_response(raw.http_response.json(), "get", "/files/{file_id}")
    assert raw.headers["openai-version"] == "2020-10-01"
    assert raw.headers["x-request-id"].startswith("req_")
    assert int(raw.headers["openai-processing-ms"]) >= 0


def test_expires_after_sets_expires_at(client, batch_emulator):
    file = client.files.create(
        file=("a.jsonl", b"{}\n"), purpose="batch", expires_after={"anchor": "created_at", "seconds": 3600}
    )
    assert file.expires_at == file.created_at + 3600


@pytest.mark.parametrize("purpose", ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"])
def test_every_upload_purpose_is_accepted(batch_emulator, purpose):
    # the SDK's FileObject.purpose Literal lacks "evals", so that answer is read without strict validation
    client = batch_emulator.openai(_strict_response_validation=purpose != "evals")
    file = client.files.create(file=("data.jsonl", b'{"a": 1}\n'), purpose=purpose)
    assert file.purpose == purpose
    if purpose == "batch":
        assert file.expires_at is not None
    else:
        assert file.expires_at is None
    if purpose != "evals":  # the spec's file purpose enum lacks "evals"
        check_schema(file.model_dump(mode="json"), "OpenAIFile")


def test_batch_upload_with_wrong_extension_is_rejected_like_the_real_api(client):
    with pytest.raises(openai.BadRequestError) as info:
        client.files.create(file=("input.txt", b'{"a": 1}\n'), purpose="batch")
    err = info.value
    assert err.status_code == 400
    assert err.body == {
        "message": "Invalid file format for Batch API. Must be .jsonl",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    check_schema(err.response.json(), "ErrorResponse")


def test_extensionless_batch_upload_from_raw_bytes_is_accepted(client):
    file = client.files.create(file=b'{"custom_id": "x"}\n', purpose="batch")
    assert file.filename == "upload"


def test_invalid_purpose_is_a_400_naming_the_param(client):
    with pytest.raises(openai.BadRequestError) as info:
        client.files.create(file=("a.jsonl", b"{}\n"), purpose="nonsense")  # type: ignore[arg-type]
    assert info.value.param == "purpose"
    assert info.value.code == "invalid_value"


@pytest.mark.parametrize("seconds", [3599, 2_592_001])
def test_expires_after_out_of_range_is_rejected(client, seconds):
    with pytest.raises(openai.BadRequestError) as info:
        client.files.create(
            file=("a.jsonl", b"{}\n"), purpose="batch", expires_after={"anchor": "created_at", "seconds": seconds}
        )
    assert info.value.param == "expires_after.seconds"
    assert info.value.code in ("integer_below_min_value", "integer_above_max_value")


def test_retrieve_content_and_delete(client):
    data = chat_batch_file(5)
    file = client.files.create(file=("in.jsonl", data), purpose="batch")
    assert client.files.retrieve(file.id).bytes == len(data)
    content = client.files.content(file.id)
    assert content.content == data
    assert len(parse_jsonl(content.content)) == 5
    deleted = client.files.delete(file.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (file.id, "file", True)
    check_schema(deleted.model_dump(mode="json"), "DeleteFileResponse")
    for call in (client.files.retrieve, client.files.delete, client.files.content):
        with pytest.raises(openai.NotFoundError) as info:
            call(file.id)
        assert info.value.body == {
            "message": f"No such File object: {file.id}",
            "type": "invalid_request_error",
            "param": "id",
            "code": None,
        }


def test_unknown_file_id_is_404(client):
    with pytest.raises(openai.NotFoundError) as info:
        client.files.retrieve("file-doesnotexist")
    assert info.value.status_code == 404
    assert info.value.param == "id"


@pytest.mark.parametrize("purpose", ["assistants", "user_data", "vision"])
def test_content_of_undownloadable_purposes_is_400(client, purpose):
    file = client.files.create(file=("a.jsonl", b"{}\n"), purpose=purpose)
    with pytest.raises(openai.BadRequestError) as info:
        client.files.content(file.id)
    assert info.value.message.endswith(f"Not allowed to download files of purpose: {purpose}")


def _upload_many(client, n, purpose="batch"):
    return [client.files.create(file=(f"f{i}.jsonl", b"{}\n"), purpose=purpose).id for i in range(n)]


def test_list_orders_filters_and_pages(client, batch_emulator):
    ids = []
    for i in range(5):
        ids.append(client.files.create(file=(f"f{i}.jsonl", b"{}\n"), purpose="batch").id)
        batch_emulator.advance(1)
    other = client.files.create(file=("x.jsonl", b"{}\n"), purpose="user_data").id
    page = client.files.list()
    assert [f.id for f in page.data] == [other, *reversed(ids)]
    raw = client.files.with_raw_response.list(purpose="batch", limit=2, order="asc")
    body = raw.http_response.json()
    check_schema(body, "ListFilesResponse")
    assert [f["id"] for f in body["data"]] == ids[:2]
    assert body["first_id"] == ids[0] and body["last_id"] == ids[1] and body["has_more"] is True
    after = client.files.list(purpose="batch", limit=2, order="asc", after=ids[1])
    assert [f.id for f in after.data] == ids[2:4]
    assert [f.id for f in client.files.list(purpose="user_data").data] == [other]


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_auto_pagination_returns_every_file_once(client, batch_emulator, order):
    ids = []
    for i in range(7):
        ids.append(client.files.create(file=(f"f{i}.jsonl", b"{}\n"), purpose="batch").id)
        batch_emulator.advance(1)
    seen = [f.id for f in client.files.list(limit=2, order=order)]
    assert seen == (ids if order == "asc" else list(reversed(ids)))
    assert batch_emulator.requests.count("GET", "/v1/files") == 4


@pytest.mark.parametrize(
    ("query", "param", "code"),
    [
        ({"limit": 0}, "limit", "integer_below_min_value"),
        ({"limit": 10_001}, "limit", "integer_above_max_value"),
        ({"order": "up"}, "order", "invalid_value"),
    ],
)
def test_bad_list_parameters_are_400_with_param(client, query, param, code):
    with pytest.raises(openai.BadRequestError) as info:
        client.files.list(**query)
    assert (info.value.param, info.value.code) == (param, code)


def test_files_disappear_when_the_clock_reaches_expires_at(client, batch_emulator):
    # `expires_at` is the first second the file is gone, as for uploads and a batch's completion window
    short = client.files.create(
        file=("s.jsonl", b"{}\n"), purpose="batch", expires_after={"anchor": "created_at", "seconds": 3600}
    )
    default = client.files.create(file=("d.jsonl", b"{}\n"), purpose="batch")
    kept = client.files.create(file=("k.jsonl", b"{}\n"), purpose="user_data")
    batch_emulator.advance(3599)
    assert client.files.retrieve(short.id).id == short.id
    batch_emulator.advance(1)
    assert batch_emulator.now() == short.expires_at
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(short.id)
    assert {f.id for f in client.files.list()} == {default.id, kept.id}
    batch_emulator.advance(days=30)
    with pytest.raises(openai.NotFoundError):
        client.files.content(default.id)
    assert [f.id for f in client.files.list()] == [kept.id]


async def test_async_client_covers_the_files_api(batch_emulator):
    client = batch_emulator.async_openai(max_retries=0)
    async with client:
        data = chat_batch_file(2)
        file = await client.files.create(file=("a.jsonl", data), purpose="batch")
        assert (await client.files.retrieve(file.id)).bytes == len(data)
        assert (await client.files.content(file.id)).content == data
        assert [f.id async for f in client.files.list(limit=1)] == [file.id]
        assert (await client.files.delete(file.id)).deleted is True
        with pytest.raises(openai.NotFoundError):
            await client.files.retrieve(file.id)
