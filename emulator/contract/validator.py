"""Checks one request or one answer against its operation: parameters, body, status, content type.

Schemas are JSON Schema 2020-12 (OpenAPI 3.1) checked with `jsonschema`; the whole document is one
`referencing` resource, so `$ref`s resolve inside it. A validator is built the first time a schema is needed
and kept. Most instances are valid, so each schema is also compiled to Python code by `fastjsonschema`
(about 30 times faster) in a background thread (a large schema takes a few hundred milliseconds to compile,
which must not hold the event loop): once it is ready, an instance it accepts is done; anything it rejects
is checked again by `jsonschema`, whose verdict and error paths are the ones reported. So the findings never
depend on whether the fast validator was ready. Query and form values arrive as
text and are read as the type their schema declares (`limit=abc` stays the text `"abc"` and is reported).
An answer documented as JSON Lines (`application/x-jsonl`) is checked line by line against its schema, each
problem's `where` naming the line (`line 3 $.result.type`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import fastjsonschema
import orjson
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError, best_match  # type: ignore[import-untyped]
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from emulator.contract.document import SpecDocument
from emulator.contract.operations import Operation, OperationIndex, resolve
from emulator.contract.violations import Problem

BASE_URI = "urn:batch-emulator:openapi"
ERROR_SCHEMA = "/components/schemas/ErrorResponse"
JSON_TYPES = ("application/json",)
JSON_LINES_TYPES = ("application/x-jsonl", "application/jsonl", "application/x-ndjson")
SHOWN_CHARS = 240
MAX_PROBLEMS = 20
MAX_CHECKED_LINES = 1000  # lines of one streamed JSON Lines answer that are checked
_COMPILER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="contract-compile")


def wait_for_compiled() -> None:
    """Block until every schema submitted for compiling so far is compiled (for measurements)."""
    _COMPILER.submit(lambda: None).result()


def shown(value: Any) -> Any:
    """`value` as a report shows it: scalars as they are, long text and containers as shortened JSON text."""
    if isinstance(value, str):
        return value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "..."
    if value is None or isinstance(value, bool | int | float):
        return value
    text = json.dumps(value, default=str)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "..."


def _problem(error: ValidationError, where_prefix: str | None = None) -> Problem:
    deepest = best_match([error])
    allowed = json.dumps(deepest.validator_value, default=str)
    if len(allowed) > SHOWN_CHARS:
        allowed = allowed[:SHOWN_CHARS] + "..."
    where = where_prefix if where_prefix is not None else deepest.json_path
    return Problem(
        where=where,
        message=shown(deepest.message),
        sent=shown(deepest.instance),
        allowed=f"{deepest.validator}: {allowed}",
    )


def _text_as(schema: Mapping[str, Any], text: str) -> Any:
    """A query or form value read as the JSON type its schema declares (kept as text when it is not one)."""
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if "integer" in kinds and text.lstrip("-").isdigit():
        return int(text)
    if "number" in kinds:
        try:
            return float(text)
        except ValueError:
            return text
    if "boolean" in kinds and text in ("true", "false"):
        return text == "true"
    return text


class ContractValidator:
    """The operations of one document and their compiled validators."""

    def __init__(self, document: SpecDocument) -> None:
        self.document = document
        self.index = OperationIndex(document.content)
        resource = DRAFT202012.create_resource(dict(document.content))
        self._registry: Registry[Any] = Registry().with_resource(BASE_URI, resource)
        self._validators: dict[str, Any] = {}
        self._compiled: dict[str, Future[Any]] = {}
        self._has_error_schema = "ErrorResponse" in (document.content.get("components", {}).get("schemas") or {})

    def _validator(self, pointer: str) -> Any:
        validator = self._validators.get(pointer)
        if validator is None:
            reference = {"$ref": f"{BASE_URI}#{quote(pointer, safe='/~')}"}
            validator = self._validators[pointer] = Draft202012Validator(reference, registry=self._registry)
        return validator

    def _fast(self, pointer: str) -> Any:
        """The compiled validator of `pointer` once it is ready (None until then, or if it cannot be compiled)."""
        future = self._compiled.get(pointer)
        if future is None:
            root = {**self.document.content, "$ref": "#" + pointer}
            future = self._compiled[pointer] = _COMPILER.submit(fastjsonschema.compile, root)
        if not future.done() or future.exception() is not None:
            return None
        return future.result()

    def _check(self, pointer: str, instance: Any, where: str | None = None) -> list[Problem]:
        fast = self._fast(pointer)
        if fast is not None:
            try:
                fast(instance)
                return []
            except fastjsonschema.JsonSchemaException:
                pass  # jsonschema decides, and says where
        errors = self._validator(pointer).iter_errors(instance)
        return [_problem(error, where) for _, error in zip(range(MAX_PROBLEMS), errors, strict=False)]

    def _object(self, schema: Any) -> Mapping[str, Any]:
        """`schema` with its `$ref` followed; for a nullable `anyOf`, the branch that is not null."""
        resolved, _ = resolve(self.document.content, schema)
        if not isinstance(resolved, dict):
            return {}
        branches = [b for b in resolved.get("anyOf") or () if isinstance(b, dict) and b.get("type") != "null"]
        return self._object(branches[0]) if len(branches) == 1 else resolved

    def _object_properties(self, schema: Any) -> Mapping[str, Any]:
        properties = self._object(schema).get("properties")
        return properties if isinstance(properties, dict) else {}

    def _schema(self, pointer: str) -> Mapping[str, Any]:
        node: Any = self.document.content
        for token in pointer[1:].split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        resolved, _ = resolve(self.document.content, node)
        return resolved if isinstance(resolved, dict) else {}

    # -- requests --------------------------------------------------------------------------------

    def check_parameters(
        self, operation: Operation, path_values: Mapping[str, str], query: Mapping[str, list[str]]
    ) -> list[Problem]:
        problems: list[Problem] = []
        for parameter in operation.parameters:
            given = [path_values[parameter.name]] if parameter.location == "path" else query.get(parameter.name)
            if not given:
                if parameter.required:
                    problems.append(
                        Problem(where=parameter.name, message=f"missing required {parameter.location} parameter")
                    )
                continue
            schema, _ = resolve(self.document.content, parameter.schema)
            if isinstance(schema, dict) and schema.get("type") == "array":
                items, _ = resolve(self.document.content, schema.get("items") or {})
                value: Any = [_text_as(items, text) for text in given]
            else:
                value = _text_as(schema if isinstance(schema, dict) else {}, given[-1])
            problems.extend(self._check(parameter.pointer, value, parameter.name))
        return problems

    def check_json_body(self, operation: Operation, media: str, raw: bytes) -> list[Problem]:
        pointer = operation.body_media.get(media)
        if not raw:
            return [Problem(where="body", message="the request has no body")] if operation.body_required else []
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return [
                Problem(
                    where="body",
                    message=f"the body is not valid JSON ({exc})",
                    sent=shown(raw.decode(errors="replace")),
                )
            ]
        return [] if pointer is None else self._check(pointer, body)

    def check_form(self, operation: Operation, media: str, fields: Iterable[tuple[str, str | None]]) -> list[Problem]:
        """The fields of a multipart form (`a[]` fields form lists, `a[b]` fields objects). A file part (text None)
        counts as present but is not looked at; a binary field that none of the fields names is taken as sent."""
        pointer = operation.body_media.get(media)
        if pointer is None:
            return []
        properties = self._schema(pointer).get("properties") or {}
        body: dict[str, Any] = {
            name: "" for name, spec in properties.items() if isinstance(spec, dict) and spec.get("format") == "binary"
        }
        for name, given in fields:
            text = "" if given is None else given
            outer, _, inner = name.partition("[")
            if inner == "]":
                items = self._object(self._object(properties.get(outer)).get("items"))
                listed = body.setdefault(outer, [])
                if isinstance(listed, list):
                    listed.append(text if given is None else _text_as(items, text))
            elif inner.endswith("]"):
                inner_properties = self._object_properties(properties.get(outer))
                holder = body.setdefault(outer, {})
                if isinstance(holder, dict):
                    holder[inner[:-1]] = _text_as(self._object(inner_properties.get(inner[:-1])), text)
            elif given is None:
                body.setdefault(name, "")
            else:
                body.setdefault(name, _text_as(self._object(properties.get(name)), text))
        return self._check(pointer, body)

    def check_content_type(self, operation: Operation, media: str | None) -> tuple[str | None, list[Problem]]:
        """The documented media type the request's content type matches, or a problem when it matches none."""
        if not operation.body_media or media is None:
            return None, []
        if media in operation.body_media:
            return media, []
        allowed = ", ".join(operation.body_media)
        return None, [
            Problem(
                where="content-type",
                message="the document does not accept this content type",
                sent=media,
                allowed=allowed,
            )
        ]

    # -- answers ---------------------------------------------------------------------------------

    def response_media(self, operation: Operation, status: int) -> Mapping[str, str | None] | None:
        """The documented media types of `status` (exact, `4XX`-style or `default`); None when it is not listed."""
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in operation.responses:
                return operation.responses[key]
        if status >= 400 and self._has_error_schema:  # the allow-list's `error-statuses` entry
            return {"application/json": ERROR_SCHEMA}
        return None

    def check_response(self, operation: Operation, status: int, media: str, body: bytes | None) -> list[Problem]:
        documented = self.response_media(operation, status)
        if documented is None:
            listed = ", ".join(operation.responses) or "none"
            return [
                Problem(where="status", message=f"the document lists no {status} answer", sent=status, allowed=listed)
            ]
        if media not in documented:
            if not documented:
                return []
            allowed = ", ".join(documented)
            return [
                Problem(
                    where="content-type",
                    message="the document declares another content type",
                    sent=media,
                    allowed=allowed,
                )
            ]
        pointer = documented[media]
        if pointer is None or body is None or media not in JSON_TYPES:
            return []
        try:
            instance = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return [Problem(where="body", message=f"the answer is not valid JSON ({exc})")]
        return self._check(pointer, instance)

    def line_check(self, operation: Operation, status: int) -> LineCheck | None:
        """A check of the lines of a JSON Lines answer with `status` (None when the document declares none)."""
        documented = self.response_media(operation, status) or {}
        pointer = next((pointer for media in JSON_LINES_TYPES if (pointer := documented.get(media))), None)
        return None if pointer is None else LineCheck(self, pointer)

    def check_line(self, pointer: str, number: int, raw: bytes) -> list[Problem]:
        """One line (`number`, from 1) of a JSON Lines answer against the schema at `pointer`."""
        try:
            instance = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            text = raw.decode(errors="replace")
            return [Problem(where=f"line {number}", message=f"the line is not valid JSON ({exc})", sent=shown(text))]
        problems = self._check(pointer, instance)
        for problem in problems:
            problem["where"] = f"line {number} {problem['where']}"
        return problems


class LineCheck:
    """Checks the lines of a streamed JSON Lines answer as they are sent, the first `MAX_CHECKED_LINES` of them
    (each check runs on the event loop), and keeps what is wrong (at most `MAX_PROBLEMS`)."""

    def __init__(self, validator: ContractValidator, pointer: str) -> None:
        self.validator = validator
        self.pointer = pointer
        self.lines = 0
        self.problems: list[Problem] = []
        self.failure: Exception | None = None  # a bug in the checks, raised once the answer is sent

    def __call__(self, line: bytes) -> None:
        self.lines += 1
        if self.lines > MAX_CHECKED_LINES or len(self.problems) >= MAX_PROBLEMS or self.failure is not None:
            return
        try:
            found = self.validator.check_line(self.pointer, self.lines, line)
        except Exception as exc:  # never break the answer being streamed
            self.failure = exc
            return
        self.problems.extend(found[: MAX_PROBLEMS - len(self.problems)])
