"""Error envelopes, auth, unknown routes, headers, and bad input that must never break the server."""

from __future__ import annotations

import openai
import pytest

from emulator.config import EmulatorConfig, Limits
from emulator.server import ThreadedEmulator
from tests.support import raw
from tests.support.openapi import check_schema


def _envelope(response):
    body = response.json()
    check_schema(body, "ErrorResponse")
    return body["error"]


def test_missing_api_key_is_401(batch_emulator):
    response = raw.request(batch_emulator.url, "GET", "/v1/files")
    assert response.status == 401
    error = _envelope(response)
    assert error["type"] == "invalid_request_error"
    assert error["code"] is None
    assert "didn't provide an API key" in error["message"]


@pytest.mark.parametrize("header", ["Bearer", "Bearer   ", "bearer", ""])
def test_a_bearer_scheme_without_a_key_is_401(batch_emulator, header):
    response = raw.request(batch_emulator.url, "GET", "/v1/files", headers={"Authorization": header})
    assert response.status == 401
    assert "didn't provide an API key" in _envelope(response)["message"]


@pytest.mark.parametrize("header", ["Bearer sk-anything", "sk-bare-token"])
def test_any_non_empty_key_is_accepted_by_default(batch_emulator, header):
    response = raw.request(batch_emulator.url, "GET", "/v1/files", headers={"Authorization": header})
    assert response.status == 200
    assert response.json()["object"] == "list"


def test_unknown_route_is_invalid_url(batch_emulator):
    response = raw.request(batch_emulator.url, "GET", "/v1/xyz", headers=raw.AUTH)
    assert response.status == 404
    assert _envelope(response)["message"] == "Invalid URL (GET /v1/xyz)"


def test_wrong_method_is_invalid_url(batch_emulator):
    response = raw.request(batch_emulator.url, "PUT", "/v1/files", headers=raw.AUTH)
    assert response.status == 404
    assert _envelope(response)["message"] == "Invalid URL (PUT /v1/files)"


def test_every_response_carries_the_real_headers(batch_emulator):
    for method, path in (("GET", "/v1/files"), ("GET", "/v1/nothing"), ("GET", "/v1/files/file-x")):
        response = raw.request(batch_emulator.url, method, path, headers=raw.AUTH)
        assert response.headers["x-request-id"].startswith("req_")
        assert response.headers["openai-version"] == "2020-10-01"
        assert response.headers["openai-processing-ms"].isdigit()


def test_malformed_json_body_is_400(batch_emulator):
    response = raw.request(
        batch_emulator.url,
        "POST",
        "/v1/uploads",
        body=b"{not json",
        headers={**raw.AUTH, "Content-Type": "application/json"},
    )
    assert response.status == 400
    assert "JSON" in _envelope(response)["message"]


def _still_serving(batch_emulator):
    client = batch_emulator.openai(max_retries=0)
    file = client.files.create(file=("ok.jsonl", b"{}\n"), purpose="batch")
    assert client.files.content(file.id).content == b"{}\n"


BAD_UPLOADS = {
    "truncated multipart": (
        b'--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--b\r\n'
        b'Content-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n{"a":',
        "multipart/form-data; boundary=b",
    ),
    "binary garbage": (bytes(range(256)) * 50, "multipart/form-data; boundary=zz"),
    "garbage without boundary": (b"\x00\x01\x02", "multipart/form-data"),
    "json instead of multipart": (b'{"purpose": "batch"}', "application/json"),
    "plain text": (b"hello", "text/plain"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS), ids=list(BAD_UPLOADS))
def test_bad_uploads_get_a_4xx_envelope_and_the_server_keeps_serving(batch_emulator, case):
    body, ctype = BAD_UPLOADS[case]
    response = raw.request(
        batch_emulator.url, "POST", "/v1/files", body=body, headers={**raw.AUTH, "Content-Type": ctype}
    )
    assert 400 <= response.status < 500
    _envelope(response)
    assert batch_emulator.handler_errors() == []
    _still_serving(batch_emulator)


@pytest.mark.parametrize(
    "filename",
    ["x" * 10_000 + ".jsonl", "../../etc/passwd.jsonl", "..\\..\\evil.jsonl", "a\x01b.jsonl"],
    ids=["10k chars", "traversal", "backslash traversal", "control char"],
)
def test_hostile_filenames_are_rejected_and_nothing_is_stored(batch_emulator, filename):
    body, ctype = raw.multipart([("purpose", None, b"batch", None), ("file", filename, b"{}\n", "application/jsonl")])
    response = raw.request(
        batch_emulator.url, "POST", "/v1/files", body=body, headers={**raw.AUTH, "Content-Type": ctype}
    )
    assert response.status == 400
    assert _envelope(response)["param"] == "file"
    assert batch_emulator.openai().files.list().data == []
    _still_serving(batch_emulator)


def test_missing_file_field_is_a_missing_parameter(batch_emulator):
    body, ctype = raw.multipart([("purpose", None, b"batch", None)])
    response = raw.request(
        batch_emulator.url, "POST", "/v1/files", body=body, headers={**raw.AUTH, "Content-Type": ctype}
    )
    assert response.status == 400
    assert (_envelope(response)["param"], _envelope(response)["code"]) == ("file", "missing_required_parameter")


def test_file_size_limit_is_enforced_and_configurable():
    config = EmulatorConfig(port=0, clock="manual", limits=Limits(file_max_bytes=1000))
    with ThreadedEmulator(config) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, _strict_response_validation=True)
        assert client.files.create(file=("ok.jsonl", b"x" * 1000), purpose="batch").bytes == 1000
        with pytest.raises(openai.BadRequestError) as info:
            client.files.create(file=("big.jsonl", b"x" * 1001), purpose="batch")
        assert info.value.code == "file_too_large"
        assert [f.bytes for f in client.files.list()] == [1000]


def test_api_keys_restrict_access_and_isolate_owners():
    config = EmulatorConfig(port=0, clock="manual", api_keys=("sk-alice", "sk-bob"))
    with ThreadedEmulator(config) as server:

        def client(key):
            return openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0, _strict_response_validation=True)

        with pytest.raises(openai.AuthenticationError) as info:
            client("sk-mallory").files.list()
        assert info.value.code == "invalid_api_key"
        alice_file = client("sk-alice").files.create(file=("a.jsonl", b"{}\n"), purpose="batch")
        assert [f.id for f in client("sk-alice").files.list()] == [alice_file.id]
        assert client("sk-bob").files.list().data == []
        with pytest.raises(openai.NotFoundError):
            client("sk-bob").files.retrieve(alice_file.id)
        with pytest.raises(openai.NotFoundError):
            client("sk-bob").files.delete(alice_file.id)
        assert client("sk-alice").files.retrieve(alice_file.id).id == alice_file.id
