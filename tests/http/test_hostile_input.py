"""Malformed, oversized, deeply nested, badly encoded and contradictory input: a 4xx in the route's envelope,
nothing stored, and the server keeps serving (issue 14, cases 5-11)."""

from __future__ import annotations

import gzip
import socket
import time
import zlib
from urllib.parse import urlsplit

import orjson
import pytest

from emulator.config import EmulatorConfig, RequestLimits
from emulator.server import ThreadedEmulator
from tests.conftest import chat_line, jsonl
from tests.support import raw

JSON = {**raw.AUTH, "Content-Type": "application/json"}
CHAT = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi", "name": %s}]}'


def _nested(depth: int) -> bytes:
    return b"[" * depth + b'"x"' + b"]" * depth


def _error(response: raw.RawResponse, status: int) -> dict:
    assert response.status == status, response.body[:300]
    return response.json()["error"]


def _still_serving(emulator) -> None:
    assert raw.request(emulator.url, "GET", "/v1/files", None, raw.AUTH).status == 200
    assert raw.request(emulator.url, "GET", "/_emulator/handler-errors").json()["data"] == []


def _gzip_of_spaces(megabytes: int, level: int = 1) -> bytes:
    """A gzip body that inflates to `megabytes` MB of JSON whitespace around `{}`, made without holding it."""
    packer = zlib.compressobj(level, zlib.DEFLATED, 31)
    block = b" " * (1024 * 1024)
    out = [packer.compress(b"{")]
    out += [packer.compress(block) for _ in range(megabytes)]
    out.append(packer.compress(b"}") + packer.flush())
    return b"".join(out)


# -- case 5: a filename that is not UTF-8 ------------------------------------------------------------


def test_a_filename_that_is_not_utf8_is_a_400_and_stores_nothing(batch_emulator):
    body, content_type = raw.multipart([("purpose", None, b"batch", None)])
    part = (
        b'--testboundary1234\r\nContent-Disposition: form-data; name="file"; filename="in\xff\xfe.jsonl"\r\n\r\n'
        + jsonl([chat_line("a")])
        + b"\r\n"
    )
    body = body.replace(b"--testboundary1234--", part + b"--testboundary1234--")
    response = raw.request(batch_emulator.url, "POST", "/v1/files", body, {**raw.AUTH, "Content-Type": content_type})
    error = _error(response, 400)
    assert (error["param"], error["code"]) == ("file", "invalid_value")
    listed = raw.request(batch_emulator.url, "GET", "/v1/files", None, raw.AUTH)
    assert listed.status == 200 and listed.json()["data"] == []
    _still_serving(batch_emulator)


# -- case 6: JSON nested deeper than the fake model can encode ---------------------------------------


@pytest.mark.parametrize("depth", [255, 300, 1000])
def test_a_deeply_nested_sync_body_is_a_400(batch_emulator, depth):
    response = raw.request(batch_emulator.url, "POST", "/v1/chat/completions", CHAT % _nested(depth), JSON)
    assert "nested too deeply" in _error(response, 400)["message"]
    _still_serving(batch_emulator)


def test_a_body_at_the_depth_limit_is_answered(batch_emulator):
    response = raw.request(batch_emulator.url, "POST", "/v1/chat/completions", CHAT % _nested(250), JSON)
    assert response.status == 200


def test_a_too_deep_batch_line_fails_alone_and_the_batch_completes(client, batch_emulator, upload_batch_file):
    deep_line = (
        b'{"custom_id": "deep", "method": "POST", "url": "/v1/chat/completions", "body": '
        + CHAT % _nested(600)
        + b"}\n"
    )
    upload = upload_batch_file(jsonl([chat_line("first")]) + deep_line + jsonl([chat_line("last")]))
    batch = client.batches.create(input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h")
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed"
    assert (done.request_counts.completed, done.request_counts.failed) == (2, 1)
    errors = [orjson.loads(line) for line in client.files.content(done.error_file_id).content.splitlines()]
    assert [(e["custom_id"], e["response"]["status_code"]) for e in errors] == [("deep", 400)]
    assert "nested too deeply" in errors[0]["response"]["body"]["error"]["message"]
    outputs = client.files.content(done.output_file_id).content.splitlines()
    assert sorted(orjson.loads(line)["custom_id"] for line in outputs) == ["first", "last"]
    assert batch_emulator.handler_errors() == []


def test_the_json_depth_limit_is_configurable():
    config = EmulatorConfig(port=0, clock="manual", request_limits=RequestLimits(json_max_depth=10))
    with ThreadedEmulator(config) as emulator:
        response = raw.request(emulator.url, "POST", "/v1/chat/completions", CHAT % _nested(12), JSON)
        assert "more than 10 levels" in _error(response, 400)["message"]
        assert raw.request(emulator.url, "POST", "/v1/chat/completions", CHAT % _nested(5), JSON).status == 200


# -- case 7: multipart forms that do not parse or contradict themselves ------------------------------


def _form(fields: list[tuple[str, bytes]]) -> bytes:
    return raw.multipart([(name, None, value, None) for name, value in fields])[0]


FORM_TYPE = "multipart/form-data; boundary=testboundary1234"
BAD_FORMS = {
    "superscript digit": (FORM_TYPE, _form([("model", b"sora-2"), ("prompt", b"x"), ("n", "\u00b2".encode())])),
    "prompt and prompt[]": (FORM_TYPE, _form([("model", b"sora-2"), ("prompt", b"x"), ("prompt[]", b"y")])),
    "prompt[] then prompt": (FORM_TYPE, _form([("prompt[]", b"y"), ("prompt", b"x")])),
    "prompt then prompt[a]": (FORM_TYPE, _form([("prompt", b"x"), ("prompt[a]", b"y")])),
    "missing boundary": ("multipart/form-data", _form([("prompt", b"x")])),
    "garbage": (FORM_TYPE, b"\x00\x01 not a form at all"),
    "truncated": (FORM_TYPE, _form([("model", b"sora-2"), ("prompt", b"a long prompt")])[:60]),
    "text field not utf-8": (FORM_TYPE, _form([("model", b"sora-2"), ("prompt", b"\xff\xfe")])),
}


@pytest.mark.parametrize("path", ["/v1/images/edits", "/v1/videos"])
@pytest.mark.parametrize("case", sorted(BAD_FORMS))
def test_a_bad_multipart_form_is_a_400(batch_emulator, path, case):
    content_type, body = BAD_FORMS[case]
    response = raw.request(batch_emulator.url, "POST", path, body, {**raw.AUTH, "Content-Type": content_type})
    assert 400 <= response.status < 500, response.body[:300]
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert raw.request(batch_emulator.url, "GET", "/v1/videos", None, raw.AUTH).json()["data"] == []
    _still_serving(batch_emulator)


def test_a_broken_gzip_upload_is_a_400_and_stores_nothing(batch_emulator):
    body, content_type = raw.multipart([("purpose", None, b"batch", None), ("file", "in.jsonl", b"{}\n", None)])
    broken = gzip.compress(body)[:-12] + b"\x00" * 12
    headers = {**raw.AUTH, "Content-Type": content_type, "Content-Encoding": "gzip"}
    response = raw.request(batch_emulator.url, "POST", "/v1/files", b"\x1f\x8b\x08\x00garbage" * 50, headers)
    assert _error(response, 400)["type"] == "invalid_request_error"
    response = raw.request(batch_emulator.url, "POST", "/v1/files", broken, headers)
    assert 400 <= response.status < 500
    assert raw.request(batch_emulator.url, "GET", "/v1/files", None, raw.AUTH).json()["data"] == []
    _still_serving(batch_emulator)


# -- cases 8 and 9: scenario YAML nested too deep, alias bombs ---------------------------------------


def _put_scenario(url: str, document: bytes) -> raw.RawResponse:
    return raw.request(url, "PUT", "/_emulator/scenario", document, {"Content-Type": "application/yaml"})


@pytest.mark.parametrize("depth", [100, 900, 5000])
def test_a_deeply_nested_scenario_is_a_400(batch_emulator, depth):
    document = b"name: deep\nhttp: " + b"[" * depth + b"]" * depth + b"\n"
    error = _error(_put_scenario(batch_emulator.url, document), 400)
    assert error["param"] == "scenario"
    assert "nested" in error["message"] or "depth" in error["message"]
    _still_serving(batch_emulator)


def _alias_bomb(levels: int) -> bytes:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 9)}]")
    return ("name: bomb\ndescription: x\n" + "\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("levels", [7, 9])
def test_a_yaml_alias_bomb_is_refused_at_once(batch_emulator, levels):
    started = time.process_time()
    error = _error(_put_scenario(batch_emulator.url, _alias_bomb(levels)), 400)
    assert "alias" in error["message"]
    assert time.process_time() - started < 2.0
    _still_serving(batch_emulator)


@pytest.mark.parametrize("document", [b"name: loop\nhttp: &a [*a]\n", b"name: loop\ndescription: &a {x: *a}\n"])
def test_an_alias_inside_its_own_anchor_is_refused(batch_emulator, document):
    error = _error(_put_scenario(batch_emulator.url, document), 400)
    assert "alias" in error["message"] and error["param"] == "scenario"
    _still_serving(batch_emulator)


def test_a_few_aliases_are_still_fine(batch_emulator):
    document = b"""
name: anchors
http:
  - &slow {match: {method: GET, path: /v1/files}, delay_ms: 1, times: 1}
  - *slow
"""
    response = _put_scenario(batch_emulator.url, document)
    assert response.status == 200, response.body
    assert len(response.json()["http"]) == 2


# -- case 10: body size and decompressed size --------------------------------------------------------


def test_a_gzip_bomb_stops_at_the_body_limit():
    config = EmulatorConfig(port=0, clock="manual", request_limits=RequestLimits(body_max_bytes=1024 * 1024))
    bomb = _gzip_of_spaces(64)
    assert len(bomb) < 1024 * 1024
    with ThreadedEmulator(config) as emulator:
        for path in ("/v1/chat/completions", "/v1/batches"):
            response = raw.request(emulator.url, "POST", path, bomb, {**JSON, "Content-Encoding": "gzip"})
            error = _error(response, 413)
            assert (error["type"], error["code"]) == ("invalid_request_error", "request_too_large")
        assert raw.request(emulator.url, "GET", "/v1/batches", None, raw.AUTH).json()["data"] == []
        _still_serving(emulator)


def test_a_default_server_refuses_a_huge_compressed_body(batch_emulator):
    response = raw.request(
        batch_emulator.url, "POST", "/v1/chat/completions", _gzip_of_spaces(80), {**JSON, "Content-Encoding": "gzip"}
    )
    assert _error(response, 413)["code"] == "request_too_large"
    _still_serving(batch_emulator)


def test_a_refused_gzip_bomb_is_not_inflated_past_the_limit(batch_emulator):
    """The 413 comes once the limit is reached, and the rest of the bomb is never inflated: the whole exchange
    costs this process (client and in-process server) about the CPU time of inflating the limit, not the bomb."""
    bomb = _gzip_of_spaces(512, level=9)
    headers = {**JSON, "Content-Encoding": "gzip"}
    started = time.process_time()
    answer = raw.request(batch_emulator.url, "POST", "/v1/chat/completions", bomb, headers)
    assert answer.status == 413
    assert raw.request(batch_emulator.url, "GET", "/_emulator/health").status == 200
    assert time.process_time() - started < 1.0


def test_admin_and_scenario_bodies_have_their_own_limits(batch_emulator):
    big = b'{"seconds": 1' + b" " * (2 * 1024 * 1024) + b"}"
    response = raw.request(batch_emulator.url, "POST", "/_emulator/clock/advance", big, JSON)
    assert _error(response, 413)["code"] == "request_too_large"
    document = b"name: big\ndescription: " + b"x" * (2 * 1024 * 1024) + b"\n"
    assert _error(_put_scenario(batch_emulator.url, document), 413)["code"] == "request_too_large"
    response = raw.request(
        batch_emulator.url, "PUT", "/_emulator/scenario", _gzip_of_spaces(64), {"Content-Encoding": "gzip"}
    )
    assert response.status == 413
    _still_serving(batch_emulator)


def test_a_too_large_body_on_a_dialect_route_comes_in_its_envelope():
    config = EmulatorConfig(port=0, clock="manual", request_limits=RequestLimits(body_max_bytes=4096))
    big = b'{"requests": []' + b" " * 8192 + b"}"
    with ThreadedEmulator(config) as emulator:
        anthropic = raw.request(
            emulator.url, "POST", "/anthropic/v1/messages/batches", big, {"x-api-key": "sk-ant", **JSON}
        )
        assert anthropic.status == 413
        assert anthropic.json()["type"] == "error"
        assert anthropic.json()["error"]["type"] == "request_too_large"
        mistral = raw.request(emulator.url, "POST", "/mistral/v1/batch/jobs", big, JSON)
        assert mistral.status == 413
        assert mistral.json()["object"] == "error"


# -- case 11: requests aiohttp's parser refuses -------------------------------------------------------


def _exchange(url: str, payload: bytes) -> bytes:
    """Send `payload` and read until the server closes the connection (it does after a parser error)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(payload)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


PARSER_CASES = {
    "oversized header": b"GET /v1/files HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10_000 + b"\r\n\r\n",
    "NUL in a header": b"GET /v1/files HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n",
    "raw UTF-8 in the query": b"GET /v1/files?q=\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad chunk size": (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
    ),
    "too many headers": b"GET /v1/files HTTP/1.1\r\nHost: x\r\n" + b"X-H: 1\r\n" * 200 + b"\r\n",
    "length and chunked": (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    ),
    "two lengths": b"POST /v1/files HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef",
    "negative length": b"POST /v1/files HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    "not http": b"GARBAGE\r\n\r\n",
    "unknown version": b"GET /v1/files HTTP/9.9\r\nHost: x\r\n\r\n",
}


@pytest.mark.parametrize("case", sorted(PARSER_CASES))
def test_a_request_the_http_parser_refuses_is_answered_in_the_openai_envelope(batch_emulator, case):
    answer = _exchange(batch_emulator.url, PARSER_CASES[case])
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert 400 <= status < 500
    assert b"application/json" in head.lower()
    error = orjson.loads(body)["error"]
    assert error["type"] == "invalid_request_error"
    assert set(error) == {"message", "type", "param", "code"}
    _still_serving(batch_emulator)
