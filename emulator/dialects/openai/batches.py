"""The OpenAI create-batch body, checked and turned into the batches service's domain arguments."""

from __future__ import annotations

from typing import Any, TypedDict

from emulator.batches.endpoints import BATCH_ENDPOINTS
from emulator.engine.errors import InvalidRequest, invalid_value
from emulator.engine.params import as_string, expires_after, metadata, one_of, require

CREATE_FIELDS = frozenset({"input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"})


class BatchCreate(TypedDict):
    """What `POST /v1/batches` asks for, as `BatchesService.create` takes it."""

    input_file_id: str
    endpoint: str
    metadata: dict[str, str] | None
    output_ttl: int | None


def parse_batch_create(body: Any) -> BatchCreate:
    """Check a create body the way the real API does, in its order: the required fields, the endpoint, the
    window ("24h" only), metadata, the output expiry, then any field it does not know."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.", code="invalid_type")
    input_file_id = as_string(require(body, "input_file_id"), "input_file_id")
    endpoint = one_of(require(body, "endpoint"), "endpoint", BATCH_ENDPOINTS)
    window = require(body, "completion_window")
    if window != "24h":
        raise invalid_value("completion_window", f"Invalid value: '{window}'. Supported values are: '24h'.")
    meta = metadata(body.get("metadata"))
    output_ttl = expires_after(body.get("output_expires_after"), "output_expires_after")
    for key in body:
        if key not in CREATE_FIELDS:
            raise InvalidRequest(f"Unrecognized request argument supplied: {key}", param=key, code="unknown_parameter")
    return {"input_file_id": input_file_id, "endpoint": endpoint, "metadata": meta, "output_ttl": output_ttl}
