"""The known contradictions between the official documents and the real APIs, in one place, each with its reason.

Two kinds of entry:

- `schema` entries change how the document is read (applied once, when it is loaded: see `relax`);
- `status` entries change how an answer's status is read (see `validator.response_media`);
- `violation` entries drop the violations they match: the operation (an `operationId` glob), the direction,
  `where` (parameter names or JSON paths, `[]` standing for any list index, `*` for anything) and, when
  given, the value that was sent.
Every entry is listed by `GET /_emulator/contract` and in docs/contract-testing.md.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any, Literal

from emulator.contract.violations import Violation

ANY: Any = object()
LIST_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class Allowance:
    """One tolerated contradiction."""

    id: str
    kind: Literal["schema", "status", "violation"]
    reason: str
    operation: str = "*"
    direction: Literal["request", "response", "*"] = "*"
    where: tuple[str, ...] = ("*",)
    sent: Any = ANY

    def matches(self, violation: Violation) -> bool:
        return (
            self.kind == "violation"
            and fnmatch.fnmatchcase(violation["operation"], self.operation)
            and self.direction in ("*", violation["direction"])
            and ("*" in self.where or LIST_INDEX.sub("[]", violation["where"]) in self.where)
            and (self.sent is ANY or violation.get("sent") == self.sent)
        )


OPTIONAL_NULL = Allowance(
    "optional-null",
    "schema",
    "The document types many optional fields as a plain string or integer, while the real API (and the openai "
    "SDK's Optional[...] = None fields) sends null for an unset one, e.g. a batch's output_file_id before it "
    "completes or a file's expires_at: a property its object does not require may be null.",
)
NULLABLE_KEYWORD = Allowance(
    "nullable-keyword",
    "schema",
    "Some schemas still carry OpenAPI 3.0's `nullable: true`, which JSON Schema 2020-12 ignores; the document "
    "means that null is allowed there, so it is.",
)
ONEOF_OVERLAP = Allowance(
    "oneof-overlap",
    "schema",
    "Many of the document's oneOf lists have branches that overlap (an input message of the Responses API "
    "matches both EasyInputMessage and InputMessage), so a value the real API accepts would match 'more than "
    "one' branch: a oneOf is read as anyOf.",
)
ERROR_STATUSES = Allowance(
    "error-statuses",
    "status",
    "The OpenAI document lists only success responses, while the real API answers errors with a 4xx or 5xx and "
    "its error envelope: an error status the operation does not list is checked against ErrorResponse.",
    direction="response",
    where=("status",),
)
ALLOWANCES: tuple[Allowance, ...] = (
    OPTIONAL_NULL,
    NULLABLE_KEYWORD,
    ONEOF_OVERLAP,
    ERROR_STATUSES,
    Allowance(
        "empty-page-ids",
        "violation",
        "An empty page of GET /v1/files has first_id and last_id null on the real API; the document requires "
        "them as strings.",
        operation="listFiles",
        direction="response",
        where=("$.first_id", "$.last_id"),
        sent=None,
    ),
    Allowance(
        "file-purpose-evals",
        "violation",
        "Files uploaded with purpose evals (which the document's upload request allows) come back with purpose "
        "evals; the document's file object does not list that purpose.",
        direction="response",
        where=("$.purpose", "$.data[].purpose", "$.file.purpose"),
        sent="evals",
    ),
    Allowance(
        "event-stream",
        "violation",
        "An answer to a request with stream: true is a stream of server-sent events (text/event-stream), also "
        "for operations whose document lists only application/json.",
        direction="response",
        where=("content-type",),
        sent="text/event-stream",
    ),
    Allowance(
        "base64-embeddings",
        "violation",
        "With encoding_format=base64 (what the openai SDK asks for by default) an embedding is a base64 string; "
        "the document types it as an array of numbers only.",
        operation="createEmbedding",
        direction="response",
        where=("$.data[].embedding",),
    ),
    Allowance(
        "download-content-type",
        "violation",
        "GET /v1/files/{file_id}/content sends the file's bytes (application/octet-stream), while the document "
        "declares a JSON string.",
        operation="downloadFile",
        direction="response",
        where=("content-type",),
    ),
    Allowance(
        "image-custom-size",
        "violation",
        "The document's image request allows gpt-image-2's custom WIDTHxHEIGHT sizes (e.g. 1536x864), but its "
        "ImagesResponse.size enum lists only the fixed ones; the answer echoes the size asked for.",
        operation="createImage*",
        direction="response",
        where=("$.size",),
    ),
    Allowance(
        "video-spritesheet-jpeg",
        "violation",
        "A video's spritesheet is a JPEG from the real API (the thumbnail a WebP); the document lists image/webp "
        "but not image/jpeg among the content types of the download.",
        operation="RetrieveVideoContent",
        direction="response",
        where=("content-type",),
        sent="image/jpeg",
    ),
    Allowance(
        "anthropic-results-content-type",
        "violation",
        "Anthropic's batch results arrive as application/binary from the real API (and so from the emulator); "
        "its document declares application/x-jsonl for the same JSON Lines.",
        operation="message_batches_results",
        direction="response",
        where=("content-type",),
        sent="application/binary",
    ),
)


def allowed(violation: Violation) -> bool:
    """True when a `violation` entry of the allow-list tolerates this violation."""
    return any(allowance.matches(violation) for allowance in ALLOWANCES)


def describe() -> list[dict[str, str]]:
    """Every entry as `{"id", "kind", "reason"}`, for the admin API and reports."""
    return [{"id": a.id, "kind": a.kind, "reason": a.reason} for a in ALLOWANCES]
