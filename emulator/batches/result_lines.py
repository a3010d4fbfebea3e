"""The lines of a batch's output and error files: ids that depend only on (seed, batch id, custom_id)."""

from __future__ import annotations

from binascii import hexlify
from hashlib import blake2b
from typing import Any

import orjson

_LINE_ID_SIZE = 16  # bytes of the BLAKE2b behind a line's `id` and `request_id`
_ANSWERED = (
    b'{"id":"batch_req_%b","custom_id":%b,"response":{"status_code":%d,"request_id":"%b","body":%b},"error":null}\n'
)


class ResultLines:
    """Makes the result lines of one batch. A line's `id` is `"batch_req_"` plus the hex BLAKE2b of
    `seed␟batch_id␟custom_id`, and its `request_id` the hex BLAKE2b of that text plus `␟req` (the same derivation
    as `engine.ids.derived_hex`); the hash state of the batch's prefix is kept, so a line hashes only its
    custom_id."""

    __slots__ = ("_prefix",)

    def __init__(self, seed: int, batch_id: str) -> None:
        self._prefix = blake2b(f"{seed}\x1f{batch_id}\x1f".encode(), digest_size=_LINE_ID_SIZE)

    def ids(self, custom_id: str) -> tuple[str, str]:
        """The `id` and `request_id` of the line answering `custom_id`."""
        line_hex, request_hex = self._hex_ids(custom_id)
        return "batch_req_" + line_hex.decode(), request_hex.decode()

    def _hex_ids(self, custom_id: str) -> tuple[bytes, bytes]:
        """The hex digests behind the `id` (after its prefix) and the `request_id`, as ASCII bytes."""
        line = self._prefix.copy()
        line.update(custom_id.encode())
        request = line.copy()
        request.update(b"\x1freq")
        return hexlify(line.digest()), hexlify(request.digest())

    def answered(self, custom_id: str, status: int, body_json: bytes) -> bytes:
        """The line of a request answered with `status` and a body already encoded as JSON: the same bytes as
        `line` gives for the decoded body."""
        line = self._prefix.copy()  # as `_hex_ids`, inline: this runs for every line of a batch
        line.update(custom_id.encode())
        request = line.copy()
        request.update(b"\x1freq")
        ids = hexlify(line.digest()), hexlify(request.digest())
        return _ANSWERED % (ids[0], orjson.dumps(custom_id), status, ids[1], body_json)

    def line(self, custom_id: str, status: int | None, body: Any, error: Any = None) -> bytes:
        """One output/error file line in the OpenAI format (no `response` when `status` is None)."""
        line_id, request_id = self.ids(custom_id)
        response = None
        if status is not None:
            response = {"status_code": status, "request_id": request_id, "body": body}
        return orjson.dumps({"id": line_id, "custom_id": custom_id, "response": response, "error": error}) + b"\n"


def result_line(seed: int, batch_id: str, custom_id: str, status: int | None, body: Any, error: Any = None) -> bytes:
    """One result line of a batch (see `ResultLines.line`)."""
    return ResultLines(seed, batch_id).line(custom_id, status, body, error)
