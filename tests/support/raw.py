"""Raw HTTP against the emulator, for requests the SDK would never send (bad auth, broken bodies)."""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Message:
    """Lower-cased headers and the body of an HTTP message; `json()` parses the body."""

    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RawResponse(Message):
    status: int = 0


def request(
    base: str, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> RawResponse:
    """One request to `base` (the server root URL); returns status, lower-cased headers and body."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return RawResponse(headers, response.read(), status=response.status)
    finally:
        conn.close()


def send_bytes(base: str, payload: bytes) -> bytes:
    """Write raw bytes to the server, close the write side, and return whatever it answers."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def multipart(
    fields: list[tuple[str, str | None, bytes, str | None]], boundary: str = "testboundary1234"
) -> tuple[bytes, str]:
    """Encode (name, filename, data, content type) parts; returns body and Content-Type header."""
    out = bytearray()
    for name, filename, data, ctype in fields:
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"Content-Disposition: {disposition}\r\n".encode()
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


AUTH = {"Authorization": "Bearer sk-raw-test"}
