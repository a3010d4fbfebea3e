"""Streaming validation and iteration of Batch API input files (JSONL, one request per line).

`validate_batch_input` runs the checks the real API runs while a batch is `validating` and returns every
problem with its 1-based line number, without holding the file in memory (`request_lines` reads the lines of a
file that passed).

Rules, in the order a line is checked (one `LineError` per problem; a line may have several):

- longer than `limits.batch_max_line_bytes`: `line_too_large` (the emulator's code), not parsed;
- not JSON, or JSON that is not an object: `invalid_json_line`, and nothing else is checked on that line;
- `custom_id`, `method`, `url` or `body` absent or null: `missing_required_parameter`, param = that name;
- `custom_id` not a string, `body` not an object: `invalid_request`, param `custom_id` / `body`;
- `method` other than `"POST"`: `invalid_method`, param `method`;
- `url` different from the batch endpoint: `invalid_url`, param `url`;
- a `custom_id` seen on an earlier line: `duplicate_custom_id` (param null), reported on every later copy;
- `body.model` absent or null: `invalid_request`, param `body.model`; not a string: `invalid_request` too;
- `body.stream` true: `streaming_unsupported`, param `body.stream`, message prefixed by the endpoint's
  product name ("Chat Completions: ", "Completions: ", "Embeddings: ", "Responses: ", "Moderations: ",
  "Image Generations: ", "Image Edits: ", "Videos: ");
- the endpoint's required input absent: `invalid_request`, param `body.<field>`, message
  `<Field> parameter is required.`; the field is `messages` for chat completions, `input` for embeddings,
  moderations and responses (where `prompt`, `previous_response_id` or `conversation` also do), and
  `prompt` for completions, image generations, image edits and videos;
- a model that `known_model` rejects: `model_not_found`, param `body.model`; otherwise a model other than the
  batch's (the first string model in the file): `mismatched_model`, param null. A line gets at most one of
  the two.

The model is required on every endpoint, even where the synchronous API has a default (moderations,
images, videos), because a batch is tied to one model.

File-level errors (line null) come first in `errors`:

- larger than `limits.batch_max_bytes` (read with `stat`): `file_too_large` (code unverified); the lines are
  then not checked and the counts stay 0;
- no request line at all: `empty_file`;
- more than `limits.batch_max_requests` request lines: `too_many_requests`;
- for `/v1/embeddings`, more than `limits.batch_max_embedding_inputs` inputs in total (a string or a token
  array counts one, a list of them counts its length): `too_many_embedding_inputs` (code unverified).

Blank lines: a line holding only whitespace is ignored when nothing but whitespace follows it (so a final
newline, or several, is harmless) and is reported as `invalid_json_line` otherwise. Ignored lines are not
request lines and do not count in `total_requests`. So in a file that passed, request k is physical line k.

Error cap: after `max_errors` line errors no more are recorded, but every line is still read and checked,
so `total_requests`, `embedding_inputs` and the file-level errors stay exact.

Duplicates are found through 64-bit digests of the `custom_id`s (their string hashes). The first pass only
stores the digests in packed arrays (8 bytes a line, split into 256 buckets by their low byte) and looks for
repeats bucket by bucket afterwards; only when some digest repeats does a second pass run, which reports the
duplicates in line order while remembering just the ids of the repeating digests, and compares those ids
themselves, so two different ids that happen to share a digest are never reported. So a million-line file
needs about 8 MB for this check rather than a set of a million strings.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypedDict, Unpack

import orjson

from emulator.batches.input_checks import (
    MSG_DUPLICATE_ID,
    MSG_EMPTY_FILE,
    MSG_FILE_TOO_LARGE,
    MSG_FILE_TOO_LARGE_NO_MODEL,
    MSG_LINE_TOO_LARGE,
    MSG_MISMATCHED_MODEL,
    MSG_MODEL_NOT_FOUND,
    MSG_TOO_MANY_EMBEDDING_INPUTS,
    MSG_TOO_MANY_REQUESTS,
    REQUIRED_INPUT,
    LineError,
    body_errors,
    embedding_input_count,
    envelope_errors,
    invalid_json,
)
from emulator.config import Limits
from emulator.engine.budget import CHECK_EVERY, spent

__all__ = ["LineError", "LineSink", "ValidationReport", "ValidationRun", "validate_batch_input"]

EMBEDDINGS = "/v1/embeddings"
MODEL_PROBE_LINES = 1000  # lines read to name the model in the file-too-large message
HAND_INPUT_BYTES = 1 << 20  # input bytes a sink gets at once at most (decoded lines held meanwhile)
ID_BUCKETS = 256  # custom_id digests are kept in this many packed arrays, by their low byte
# A custom_id's digest is its 64-bit string hash: both passes of a validation run in one process, and the second
# pass compares the ids themselves, so two ids of the same digest are never taken for a duplicate.
_DIGEST_MASK = (1 << 64) - 1


@dataclass(slots=True)
class ValidationReport:
    """What validation found: errors (empty when the file is good), request count, the batch's model and sizes."""

    errors: list[LineError]
    total_requests: int
    model: str | None
    input_bytes: int
    embedding_inputs: int


class LineSink(Protocol):
    """Takes the decoded request lines of a first validation pass, in order from the first (see
    `batches.early_answers`), until it stops or is told to."""

    open: bool
    hand_lines: int  # how many lines it takes at a time (fewer for answers that cost more)

    def take(self, requests: list[tuple[int, str, dict[str, Any]]]) -> None:
        """The next requests: (offset after the line, custom_id, body)."""

    def stop(self) -> None:
        """No more requests follow (a line that is not a request to the batch's endpoint)."""


@dataclass(slots=True)
class _Scan:
    """The running state of one validation pass."""

    endpoint: str
    known_model: Callable[[str], bool] | None
    max_errors: int
    errors: list[LineError] = field(default_factory=list)
    total: int = 0
    model: str | None = None
    model_ok: bool = True
    embedding_inputs: int = 0
    repeated: set[int] | None = None  # second pass: the digests that occur more than once
    seen_ids: dict[int, set[str]] = field(default_factory=dict)  # second pass: the ids seen, by repeated digest
    max_line_bytes: int = 0  # longer lines are `line_too_large` and not parsed; 0: no limit
    id_digests: list[array[int]] = field(default_factory=lambda: [array("Q") for _ in range(ID_BUCKETS)])
    model_known: dict[str, bool] = field(default_factory=dict)
    foreign_urls: bool = False  # a line for another endpoint is answered with an error, not a validation failure
    sink: LineSink | None = None  # first pass: takes the lines as they are decoded
    line: int = 0  # how far the pass has got: lines and bytes read, and a run of blank lines not yet reported
    offset: int = 0
    blank_from: int = 0

    def add(self, error: LineError) -> None:
        if len(self.errors) < self.max_errors:
            self.errors.append(error)

    def extend(self, errors: list[LineError]) -> None:
        for error in errors:
            self.add(error)

    def request(self, request: dict[str, Any], line: int) -> None:
        """Check one decoded request object."""
        endpoint = self.endpoint
        custom_id = request.get("custom_id")
        body = request.get("body")
        url = request.get("url")
        foreign = self.foreign_urls and type(url) is str and url != endpoint
        if not (type(custom_id) is str and type(body) is dict and request.get("method") == "POST" and url == endpoint):
            self.extend(envelope_errors(request, str(url) if foreign else endpoint, line))
        if type(custom_id) is str:
            digest = hash(custom_id) & _DIGEST_MASK
            if self.repeated is None:
                self.id_digests[digest & 0xFF].append(digest)
            elif digest in self.repeated:
                seen = self.seen_ids.setdefault(digest, set())
                if custom_id in seen:
                    self.add(LineError("duplicate_custom_id", MSG_DUPLICATE_ID.format(custom_id=custom_id), None, line))
                else:
                    seen.add(custom_id)
        if type(body) is dict and not foreign:
            self.body(body, line)

    def body(self, body: dict[str, Any], line: int) -> None:
        model = body.get("model")
        required = REQUIRED_INPUT.get(self.endpoint)
        if type(model) is not str or body.get("stream") is True or (required and body.get(required[0]) is None):
            self.extend(body_errors(body, self.endpoint, line))
        if type(model) is str and (model != self.model or not self.model_ok):
            self.check_model(model, line)
        if self.endpoint == EMBEDDINGS:
            self.embedding_inputs += embedding_input_count(body.get("input"))

    def check_model(self, model: str, line: int) -> None:
        """A model not yet accepted: the first one of the file, an unknown one, or a mismatch."""
        known = self.model_known.get(model)
        if known is None:
            known = self.known_model is None or self.known_model(model)
            self.model_known[model] = known
        if self.model is None:
            self.model, self.model_ok = model, known
        if not known:
            self.add(LineError("model_not_found", MSG_MODEL_NOT_FOUND.format(model=model), "body.model", line))
        elif model != self.model:
            self.add(LineError("mismatched_model", MSG_MISMATCHED_MODEL.format(model=model), None, line))


class ValidationOptions(TypedDict, total=False):
    """`known_model` (None: any model), `max_errors` (1000), `foreign_urls` (False) and `sink` (None) of a
    validation."""

    known_model: Callable[[str], bool] | None
    max_errors: int
    foreign_urls: bool
    sink: LineSink | None


def validate_batch_input(
    path: Path, endpoint: str, limits: Limits, **options: Unpack[ValidationOptions]
) -> ValidationReport:
    """Check a batch input file the way the real API does while the batch is `validating` (rules above).
    With `foreign_urls` (Nerif), a line whose `url` names another endpoint passes with only its envelope checked:
    the runner answers it with an error line."""
    run = ValidationRun(path, endpoint, limits, **options)
    while (report := run.step()) is None:
        pass
    return report


class ValidationRun:
    """`validate_batch_input` in steps: each `step` reads lines until the work slice is spent (see
    `engine.budget`) and returns None, or returns the report once the whole file is checked."""

    def __init__(self, path: Path, endpoint: str, limits: Limits, **options: Unpack[ValidationOptions]) -> None:
        self.path, self.endpoint, self.limits = path, endpoint, limits
        known_model = self.known_model = options.get("known_model")
        max_errors = self.max_errors = options.get("max_errors", 1000)
        foreign_urls = self.foreign_urls = options.get("foreign_urls", False)
        self.size = path.stat().st_size
        self.scan = _Scan(
            endpoint,
            known_model,
            max_errors,
            foreign_urls=foreign_urls,
            max_line_bytes=limits.batch_max_line_bytes,
            sink=options.get("sink"),
        )
        self.second_pass = False
        self.bucket = 0  # the next bucket of custom_id digests to look for repeats in
        self.repeated: set[int] = set()
        self.report: ValidationReport | None = None
        if self.size > limits.batch_max_bytes:
            model = _first_model(path)
            template = MSG_FILE_TOO_LARGE if model is not None else MSG_FILE_TOO_LARGE_NO_MODEL
            message = template.format(limit=limits.batch_max_bytes, model=model)
            self.report = ValidationReport([LineError("file_too_large", message, None, None)], 0, model, self.size, 0)

    def step(self) -> ValidationReport | None:
        if self.report is not None:
            return self.report
        if not _scan_file(self.path, self.scan):
            return None
        if not self.second_pass:
            if not self._find_repeats():
                return None
            if self.repeated:  # a second pass reports the repeats in line order
                self.second_pass = True
                self.scan = _Scan(
                    self.endpoint,
                    self.known_model,
                    self.max_errors,
                    repeated=self.repeated,
                    foreign_urls=self.foreign_urls,
                    max_line_bytes=self.limits.batch_max_line_bytes,
                )
                return None
        scan = self.scan
        errors = _file_errors(scan, self.endpoint, self.limits) + scan.errors
        self.report = ValidationReport(errors, scan.total, scan.model, self.size, scan.embedding_inputs)
        return self.report

    def _find_repeats(self) -> bool:
        """Collect the digests that occur more than once, one bucket at a time (so the sets stay small); False
        when the work slice ran out first."""
        buckets = self.scan.id_digests
        while self.bucket < len(buckets):
            bucket = buckets[self.bucket]
            self.bucket += 1
            if len(set(bucket)) != len(bucket):
                seen: set[int] = set()
                for digest in bucket:
                    if digest in seen:
                        self.repeated.add(digest)
                    else:
                        seen.add(digest)
            if spent():
                return self.bucket >= len(buckets)
        return True


def _scan_file(path: Path, scan: _Scan) -> bool:
    """Go on with the pass over the lines of a file from where `scan` stopped, recording problems in `scan`;
    False when the work slice ran out first."""
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    line = scan.line
    offset = scan.offset
    blank_from = scan.blank_from  # first line of a run of blank lines not yet known to be trailing; 0 when none
    max_line_bytes = scan.max_line_bytes
    endpoint = scan.endpoint
    required = REQUIRED_INPUT.get(endpoint)
    required_key = required[0] if required else None
    # The usual line (a POST to the batch's endpoint for the file's model, with its input, not streamed) is
    # checked here in one go; any other goes through `_Scan.request`, which finds the same for the usual one.
    quick = endpoint != EMBEDDINGS and not scan.foreign_urls and scan.repeated is None
    buckets = scan.id_digests
    sink = scan.sink if scan.sink is not None and scan.sink.open else None
    handed: list[tuple[int, str, dict[str, Any]]] = []  # the lines for the sink since it last took some
    hand_lines = sink.hand_lines if sink is not None else 0
    handed_at = offset  # where the lines not yet handed to the sink begin
    total = scan.total
    done = True
    with path.open("rb") as stream:
        stream.seek(offset)
        for raw in stream:
            line += 1
            offset += len(raw)
            too_large = max_line_bytes and len(raw) > max_line_bytes
            try:
                request = None if too_large else loads(raw)
            except decode_error:
                if raw.isspace():
                    blank_from = blank_from or line
                    continue
                request = None
            if blank_from:
                for blank in range(blank_from, line):
                    scan.add(invalid_json(blank))
                blank_from = 0
            total += 1
            if type(request) is dict:
                custom_id = request.get("custom_id")
                body = request.get("body")
                if (
                    quick
                    and type(custom_id) is str
                    and type(body) is dict
                    and request.get("url") == endpoint
                    and request.get("method") == "POST"
                    and scan.model_ok
                    and scan.model is not None
                    and body.get("model") == scan.model
                    and body.get("stream") is not True
                    and (required_key is None or body.get(required_key) is not None)
                ):
                    digest = hash(custom_id) & _DIGEST_MASK
                    buckets[digest & 0xFF].append(digest)
                    if sink is not None:
                        handed.append((offset, custom_id, body))
                else:
                    scan.request(request, line)
                    if sink is not None:
                        if type(custom_id) is str and type(body) is dict and request.get("url") == endpoint:
                            handed.append((offset, custom_id, body))
                        else:
                            _stop_sink(sink, handed)
                            sink = None
            else:
                if sink is not None:
                    _stop_sink(sink, handed)
                    sink = None
                if too_large:
                    message = MSG_LINE_TOO_LARGE.format(size=len(raw), limit=scan.max_line_bytes)
                    scan.add(LineError("line_too_large", message, None, line))
                else:
                    scan.add(invalid_json(line))
            if sink is not None and (len(handed) >= hand_lines or offset - handed_at >= HAND_INPUT_BYTES):
                sink = _hand(sink, handed)
                hand_lines = sink.hand_lines if sink is not None else 0
                handed_at = offset
                if spent():
                    done = False
                    break
            elif not line % CHECK_EVERY and spent():
                done = False
                break
    if handed:
        _hand(sink, handed)
    scan.line, scan.offset, scan.blank_from, scan.total = line, offset, blank_from, total
    return done


def _hand(sink: LineSink | None, handed: list[tuple[int, str, dict[str, Any]]]) -> LineSink | None:
    """Give the sink the lines gathered for it; the sink, or None once it takes no more."""
    if sink is not None:
        sink.take(handed)
    handed.clear()
    return sink if sink is not None and sink.open else None


def _stop_sink(sink: LineSink, handed: list[tuple[int, str, dict[str, Any]]]) -> None:
    """A line the sink cannot take: it gets those before it, then stops."""
    _hand(sink, handed)
    sink.stop()


def _file_errors(scan: _Scan, endpoint: str, limits: Limits) -> list[LineError]:
    errors: list[LineError] = []
    if scan.total == 0:
        errors.append(LineError("empty_file", MSG_EMPTY_FILE, None, None))
    if scan.total > limits.batch_max_requests:
        message = MSG_TOO_MANY_REQUESTS.format(count=scan.total, limit=limits.batch_max_requests)
        errors.append(LineError("too_many_requests", message, None, None))
    if endpoint == EMBEDDINGS and scan.embedding_inputs > limits.batch_max_embedding_inputs:
        message = MSG_TOO_MANY_EMBEDDING_INPUTS.format(
            count=scan.embedding_inputs, limit=limits.batch_max_embedding_inputs
        )
        errors.append(LineError("too_many_embedding_inputs", message, None, None))
    return errors


def _first_model(path: Path) -> str | None:
    """The first string `body.model` among the file's first lines, without reading the rest."""
    with path.open("rb") as stream:
        for _, raw in zip(range(MODEL_PROBE_LINES), stream, strict=False):
            try:
                request = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue
            body = request.get("body") if isinstance(request, dict) else None
            model = body.get("model") if isinstance(body, dict) else None
            if isinstance(model, str):
                return model
    return None
