"""Finds the operation of a document that a method and path address, with JSON pointers to its schemas.

The document's paths are relative to its server (`/files/{file_id}` under `https://api.openai.com/v1`), so a
mount strips the emulator's prefix first (see `monitor.MOUNTS`). A literal path wins over a templated one of
the same length (`/batches/search` before `/batches/{batch_id}`). Paths with a query in their key (Anthropic's
`?beta=true` twins) are left out: the plain path describes the same operation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
TEMPLATE_PART = re.compile(r"\{([^}/]+)\}")


def escape(token: str) -> str:
    """A JSON pointer token for `token`."""
    return token.replace("~", "~0").replace("/", "~1")


def resolve(document: Mapping[str, Any], node: Any) -> tuple[Any, str | None]:
    """`node`, or what its local `$ref` points at, with that pointer (None when `node` is not a reference)."""
    ref = node.get("$ref") if isinstance(node, dict) else None
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node, None
    target: Any = document
    for token in ref[2:].split("/"):
        target = target[token.replace("~1", "/").replace("~0", "~")]
    return target, ref[1:]


@dataclass(frozen=True)
class Parameter:
    """A path or query parameter and the pointer to its schema."""

    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]
    pointer: str


@dataclass(frozen=True)
class Operation:
    """One operation: its parameters, its request body's media types and its responses (pointers to schemas)."""

    operation_id: str
    method: str
    template: str
    parameters: tuple[Parameter, ...]
    body_required: bool
    body_media: Mapping[str, str | None]
    responses: Mapping[str, Mapping[str, str | None]]
    path_names: tuple[str, ...] = field(default=())


def _media(document: Mapping[str, Any], holder: Any, pointer: str) -> dict[str, str | None]:
    """Media type -> pointer to its schema (None when the media type has none) of a request body or response."""
    holder, moved = resolve(document, holder)
    pointer = moved or pointer
    content = holder.get("content") if isinstance(holder, dict) else None
    if not isinstance(content, dict):
        return {}
    return {
        media: (f"{pointer}/content/{escape(media)}/schema" if isinstance(spec, dict) and "schema" in spec else None)
        for media, spec in content.items()
    }


def _parameters(document: Mapping[str, Any], listed: list[Any], pointer: str) -> list[Parameter]:
    found = []
    for index, raw in enumerate(listed):
        parameter, moved = resolve(document, raw)
        if not isinstance(parameter, dict) or parameter.get("in") not in ("path", "query"):
            continue
        schema = parameter.get("schema")
        schema = schema if isinstance(schema, dict) else {}
        at = (moved or f"{pointer}/{index}") + "/schema"
        found.append(Parameter(str(parameter["name"]), parameter["in"], bool(parameter.get("required")), schema, at))
    return found


def _operation(document: Mapping[str, Any], template: str, method: str, item: Mapping[str, Any]) -> Operation:
    spec = item[method]
    pointer = f"/paths/{escape(template)}/{method}"
    shared = _parameters(document, item.get("parameters") or [], f"/paths/{escape(template)}/parameters")
    own = _parameters(document, spec.get("parameters") or [], f"{pointer}/parameters")
    names = {p.name for p in own}
    body = spec.get("requestBody")
    body_spec, _ = resolve(document, body) if body is not None else ({}, None)
    return Operation(
        operation_id=str(spec.get("operationId") or f"{method} {template}"),
        method=method.upper(),
        template=template,
        parameters=tuple([p for p in shared if p.name not in names] + own),
        body_required=bool(isinstance(body_spec, dict) and body_spec.get("required")),
        body_media=_media(document, body, f"{pointer}/requestBody") if body is not None else {},
        responses={
            str(status): _media(document, response, f"{pointer}/responses/{escape(str(status))}")
            for status, response in (spec.get("responses") or {}).items()
        },
        path_names=tuple(TEMPLATE_PART.findall(template)),
    )


class OperationIndex:
    """Every operation of a document, found by method and path."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        routes: dict[tuple[str, int], list[tuple[int, re.Pattern[str], Operation]]] = {}
        for template, item in (document.get("paths") or {}).items():
            if "?" in template or not isinstance(item, dict):
                continue
            parts = template.strip("/").split("/")
            pattern = re.compile("^/" + "/".join(_segment(part) for part in parts) + "$")
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    operation = _operation(document, template, method, item)
                    routes.setdefault((method.upper(), len(parts)), []).append(
                        (len(operation.path_names), pattern, operation)
                    )
        self._routes = {key: sorted(found, key=lambda entry: entry[0]) for key, found in routes.items()}
        self.operations = [operation for found in self._routes.values() for _, _, operation in found]

    def find(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation `method path` addresses and its path parameters, or None."""
        for _, pattern, operation in self._routes.get((method.upper(), len(path.strip("/").split("/"))), ()):
            match = pattern.match(path)
            if match is not None:
                return operation, dict(zip(operation.path_names, match.groups(), strict=True))
        return None


def _segment(part: str) -> str:
    return "".join(
        "([^/]+)" if piece.startswith("{") else re.escape(piece) for piece in re.split(r"(\{[^}/]+\})", part) if piece
    )
