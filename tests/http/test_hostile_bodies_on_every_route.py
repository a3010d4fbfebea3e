"""Every route of the server (OpenAI, every dialect, the admin API, presigned URLs) answers hostile bodies and
query strings with a 4xx, never a 5xx, and no handler error is recorded."""

from __future__ import annotations

import re

import pytest

from emulator.config import EmulatorConfig
from emulator.http.app import create_app
from emulator.server import ThreadedEmulator
from tests.support import raw

JSON = "application/json"
WRONG_TYPES = (
    b'{"model": {}, "input": {}, "messages": {}, "requests": {}, "input_file_id": {}, "endpoint": {}, '
    b'"completion_window": {}, "metadata": [], "file_name": {}, "purpose": {}, "bytes": "x", "filename": [], '
    b'"mime_type": 1, "part_ids": "x", "md5": 1, "seconds": "x", "now": {}, "endpoints": "x", "secret": 1}'
)
BODIES = [
    (b"{not json", JSON),
    (b"[]", JSON),
    (b'"text"', JSON),
    (b"null", JSON),
    (b"1e999", JSON),
    (b'{"a":' * 300 + b"1" + b"}" * 300, JSON),
    (b"\xff\xfe", JSON),
    (WRONG_TYPES, JSON),
    (b"garbage", "multipart/form-data; boundary=zz"),
    (b"garbage", "multipart/form-data"),
    (b"x=1", "application/x-www-form-urlencoded"),
]
QUERY = "?limit=abc&after=%ff&order=zz&page=-1"


def _routes(server: ThreadedEmulator) -> list[tuple[str, str]]:
    """(method, path) of every route, path parameters filled with an id that does not exist."""
    found = set()
    for route in create_app(server.backend).router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter")
        if path and route.method not in ("HEAD", "OPTIONS"):
            found.add((route.method, re.sub(r"\{[^}]+\}", "x1", path)))
    return sorted(found)


@pytest.fixture(scope="module")
def server():
    with ThreadedEmulator(EmulatorConfig(port=0, clock="manual", dialect="mistral")) as emulator:
        yield emulator


@pytest.mark.parametrize(("body", "content_type"), BODIES, ids=[f"body{n}" for n in range(len(BODIES))])
def test_no_route_answers_a_hostile_body_with_a_server_error(server, body, content_type):
    headers = {"Authorization": "Bearer sk-hostile", "x-api-key": "sk-hostile", "Content-Type": content_type}
    failures = []
    for method, path in _routes(server):
        sent = None if method in ("GET", "DELETE") else body
        answer = raw.request(server.url, method, path + QUERY, sent, headers)
        if answer.status >= 500:
            failures.append(f"{method} {path}: {answer.status} {answer.body[:120]!r}")
    assert failures == []
    assert raw.request(server.url, "GET", "/_emulator/handler-errors").json()["data"] == []
