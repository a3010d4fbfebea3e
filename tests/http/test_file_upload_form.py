"""POST /v1/files forms as clients other than the SDK send them: fields in any order (curl puts the file first),
long filenames, and scenario faults matched on a purpose that follows the file. A rejected upload leaves
nothing behind: no file record, no blob, no temporary file."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.config import EmulatorConfig, Limits
from emulator.engine.errors import MSG_BATCH_FILE_FORMAT
from emulator.server import ThreadedEmulator
from emulator.testing.handle import EmulatorHandle, InProcessConnection
from tests.support import raw
from tests.support.openapi import check_schema

MAX_BYTES = 64 * 1024
DAY = 86400
Field = tuple[str, str | None, bytes, str | None]


class Server:
    def __init__(self, threaded: ThreadedEmulator, handle: EmulatorHandle) -> None:
        self.threaded = threaded
        self.handle = handle
        self.root: Path = threaded.backend.blobs.root

    def upload(self, fields: list[Field]) -> raw.RawResponse:
        body, ctype = raw.multipart(fields)
        return raw.request(self.handle.url, "POST", "/v1/files", body=body, headers={**raw.AUTH, "Content-Type": ctype})

    def stored(self) -> list[str]:
        """Ids of every file record, and names of every blob and temporary file on disk."""
        records = self.threaded.call(lambda: [r["id"] for r in self.threaded.backend.store.values("files")])
        on_disk = [p.name for folder in ("blobs", "tmp") for p in (self.root / folder).iterdir()]
        return records + on_disk


@pytest.fixture(scope="module")
def threaded() -> Iterator[ThreadedEmulator]:
    config = EmulatorConfig(port=0, clock="manual", limits=Limits(file_max_bytes=MAX_BYTES))
    with ThreadedEmulator(config) as server:
        yield server


@pytest.fixture
def server(threaded: ThreadedEmulator) -> Iterator[Server]:
    handle = EmulatorHandle(InProcessConnection(threaded), raw.AUTH["Authorization"].removeprefix("Bearer "))
    handle.start()
    yield Server(threaded, handle)
    handle.close()
    assert handle.take_handler_errors() == []


def _error(response: raw.RawResponse) -> dict:
    body = response.json()
    check_schema(body, "ErrorResponse")
    return body["error"]


def _file(data: bytes = b'{"a": 1}\n', filename: str = "in.jsonl") -> Field:
    return ("file", filename, data, "application/octet-stream")


def _text(name: str, value: str) -> Field:
    return (name, None, value.encode(), None)


# -- any field order ----------------------------------------------------------------------------------


def test_file_before_purpose_is_accepted(server):
    response = server.upload([_file(b'{"x": 1}\n'), _text("purpose", "batch")])
    assert response.status == 200, response.body
    file = response.json()
    check_schema(file, "OpenAIFile")
    assert (file["purpose"], file["bytes"], file["filename"]) == ("batch", 9, "in.jsonl")
    assert file["expires_at"] == file["created_at"] + 30 * DAY
    assert server.handle.openai().files.content(file["id"]).content == b'{"x": 1}\n'


def test_expires_after_fields_after_the_file_are_applied(server):
    response = server.upload(
        [
            _text("purpose", "user_data"),
            _file(),
            _text("expires_after[anchor]", "created_at"),
            _text("expires_after[seconds]", "7200"),
        ]
    )
    assert response.status == 200, response.body
    file = response.json()
    assert file["expires_at"] == file["created_at"] + 7200


def test_expiry_split_around_the_file_is_applied(server):
    response = server.upload(
        [
            _text("expires_after[seconds]", "3600"),
            _file(),
            _text("purpose", "batch"),
            _text("expires_after[anchor]", "created_at"),
        ]
    )
    assert response.status == 200, response.body
    assert response.json()["expires_at"] == response.json()["created_at"] + 3600


def test_curl_form_with_the_file_first(server, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"custom_id": "a"}\n')
    # curl -F sends the parts in the order given
    command = ["curl", "-sS", f"{server.handle.base_url}/files", "-H", f"Authorization: {raw.AUTH['Authorization']}"]
    for form_field in (
        f"file=@{path}",
        "purpose=batch",
        "expires_after[anchor]=created_at",
        "expires_after[seconds]=3600",
    ):
        command += ["-F", form_field]
    out = subprocess.run(command, capture_output=True, check=True, timeout=30)
    file = json.loads(out.stdout)
    assert (file["object"], file["filename"], file["bytes"]) == ("file", "in.jsonl", path.stat().st_size)
    assert file["expires_at"] == file["created_at"] + 3600


EXPIRY = ("expires_after[anchor]", "expires_after[seconds]")
# Each bad form: its text fields, the file part, and the error (status, code, param, message or None).
INVALID = {
    "unknown purpose": ([_text("purpose", "nonsense")], _file(), (400, "invalid_value", "purpose", None)),
    "batch file without .jsonl": (
        [_text("purpose", "batch")],
        _file(filename="in.csv"),
        (400, None, None, MSG_BATCH_FILE_FORMAT),
    ),
    "unknown anchor": (
        [_text("purpose", "batch"), _text(EXPIRY[0], "now"), _text(EXPIRY[1], "3600")],
        _file(),
        (400, "invalid_value", "expires_after.anchor", "Invalid value: 'now'. Supported values are: 'created_at'."),
    ),
    "seconds not a number": (
        [_text("purpose", "batch"), _text(EXPIRY[0], "created_at"), _text(EXPIRY[1], "x")],
        _file(),
        (400, "invalid_type", "expires_after.seconds", None),
    ),
    "seconds below the minimum": (
        [_text("purpose", "batch"), _text(EXPIRY[0], "created_at"), _text(EXPIRY[1], "60")],
        _file(),
        (400, "integer_below_min_value", "expires_after.seconds", None),
    ),
    "anchor without seconds": (
        [_text("purpose", "batch"), _text(EXPIRY[0], "created_at")],
        _file(),
        (400, "missing_required_parameter", "expires_after[seconds]", None),
    ),
    "too large": ([_text("purpose", "batch")], _file(b"x" * (MAX_BYTES + 1)), (400, "file_too_large", "file", None)),
}


@pytest.mark.parametrize("case", list(INVALID), ids=list(INVALID))
@pytest.mark.parametrize("file_first", [False, True], ids=["fields first", "file first"])
def test_each_invalid_form_gets_the_same_error_in_any_order_and_stores_nothing(server, case, file_first):
    fields, file, (status, code, param, message) = INVALID[case]
    response = server.upload([file, *fields] if file_first else [*fields, file])
    assert response.status == status
    error = _error(response)
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, param)
    if message is not None:
        assert error["message"] == message
    assert server.stored() == []


def test_a_file_without_purpose_is_a_missing_parameter_and_stores_nothing(server):
    response = server.upload([_file()])
    assert response.status == 400
    error = _error(response)
    assert (error["code"], error["param"]) == ("missing_required_parameter", "purpose")
    assert server.stored() == []


def test_a_second_file_part_is_rejected_in_either_order(server):
    for fields in ([_text("purpose", "batch"), _file(), _file()], [_file(), _file(), _text("purpose", "batch")]):
        response = server.upload(fields)
        assert response.status == 400
        assert _error(response)["param"] == "file"
    assert server.stored() == []


# -- scenario faults matched on the purpose -----------------------------------------------------------


def test_a_fault_matched_on_a_purpose_after_the_file_fires_and_drops_the_bytes(server):
    server.handle.use_scenario({"http": [{"match": {"path": "/v1/files", "purpose": "batch"}, "status": 503}]})
    response = server.upload([_file(), _text("purpose", "batch")])
    assert response.status == 503
    _error(response)
    assert server.stored() == []
    other = server.upload([_file(), _text("purpose", "user_data")])
    assert other.status == 200
    assert [e["rule"] for e in server.handle.requests.http()] == ["http[0]", None]


def test_a_connection_reset_after_the_file_leaves_no_temporary_file(server):
    server.handle.use_scenario(
        {"http": [{"match": {"path": "/v1/files", "purpose": "batch"}, "fault": "connection_reset", "times": 1}]}
    )
    body, ctype = raw.multipart([_file(b"y" * 10_000), _text("purpose", "batch")])
    with pytest.raises((ConnectionError, OSError)):
        raw.request(server.handle.url, "POST", "/v1/files", body=body, headers={**raw.AUTH, "Content-Type": ctype})
    assert server.stored() == []
    assert server.upload([_file(), _text("purpose", "batch")]).status == 200


# -- long filenames -----------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [513, 8_100, 10_000, 40_000])
def test_long_filenames_get_the_documented_message_with_their_length(server, length):
    name = "x" * (length - len(".jsonl")) + ".jsonl"
    response = server.upload([_text("purpose", "batch"), _file(filename=name)])
    assert response.status == 400
    assert _error(response) == {
        "message": "Invalid 'filename': string too long. Expected a string with maximum length 512, "
        f"but got a string with length {length} instead.",
        "type": "invalid_request_error",
        "param": "file",
        "code": "string_above_max_length",
    }
    assert server.stored() == []


def test_a_filename_too_long_to_parse_gets_the_same_error_shape(server):
    response = server.upload([_text("purpose", "batch"), _file(filename="x" * 100_000 + ".jsonl")])
    assert response.status == 400
    error = _error(response)
    assert (error["param"], error["code"]) == ("file", "string_above_max_length")
    assert error["message"].startswith(
        "Invalid 'filename': string too long. Expected a string with maximum length 512, but got a string of more"
    )
    assert "Got more than" not in error["message"]
    assert server.stored() == []
    assert server.upload([_text("purpose", "batch"), _file()]).status == 200
