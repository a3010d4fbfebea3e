"""The lines of a batch's output and error files: ids that depend only on (seed, batch id, custom_id)."""

from __future__ import annotations

from hashlib import blake2b
from typing import Any

import orjson


def result_line(seed: int, batch_id: str, custom_id: str, status: int | None, body: Any, error: Any = None) -> bytes:
    """One output/error file line in the OpenAI format; ids depend only on (seed, batch id, custom_id)."""
    line_id, request_id = line_ids(seed, batch_id, custom_id)
    response = None
    if status is not None:
        response = {"status_code": status, "request_id": request_id, "body": body}
    return orjson.dumps({"id": line_id, "custom_id": custom_id, "response": response, "error": error}) + b"\n"


def line_ids(seed: int, batch_id: str, custom_id: str) -> tuple[str, str]:
    """The `id` and `request_id` of a result line: `"batch_req_" + derived_hex(str(seed), batch_id, custom_id)`
    and `derived_hex(str(seed), batch_id, custom_id, "req")`, computed inline because every line needs both."""
    key = f"{seed}\x1f{batch_id}\x1f{custom_id}"
    return (
        "batch_req_" + blake2b(key.encode(), digest_size=16).hexdigest(),
        blake2b((key + "\x1freq").encode(), digest_size=16).hexdigest(),
    )
