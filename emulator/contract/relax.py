"""The allow-list's `schema` entries applied to a whole document, once, when it is loaded.

`optional-null`: a property that its object schema does not list in `required` also accepts null. The
`required` lists of an `allOf`'s inline branches count for each other, so a field that one branch requires stays
strict in its siblings (a component reached through `$ref` is relaxed by its own `required` list).
`nullable-keyword`: a schema with OpenAPI 3.0's `nullable: true` accepts null.
`oneof-overlap`: a `oneOf` reads as `anyOf` (a value may match more than one of its branches).

Only schemas change: a copy is returned, the parsed document is left as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

COMPONENT_SCHEMAS = "#/components/schemas/"
SINGLE_SUBSCHEMAS = frozenset(
    {
        "items",
        "additionalProperties",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)
LIST_SUBSCHEMAS = frozenset({"anyOf", "oneOf", "prefixItems"})
MAP_SUBSCHEMAS = frozenset({"patternProperties", "$defs", "dependentSchemas"})
COMBINATORS = ("$ref", "allOf", "anyOf", "oneOf", "const")


def relaxed_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `document` whose schemas (components and the ones inside operations) follow the relaxations."""
    components: Mapping[str, Any] = document.get("components") or {}
    relaxer = _Relaxer(components.get("schemas") or {})
    relaxed_components = {name: relaxer.containers(value) for name, value in components.items() if name != "schemas"}
    relaxed_components["schemas"] = {name: relaxer.schema(value) for name, value in relaxer.schemas.items()}
    return {**document, "components": relaxed_components, "paths": relaxer.containers(document.get("paths") or {})}


def or_null(schema: Any) -> Any:
    """`schema` widened to also accept null (unchanged when it already does)."""
    if not isinstance(schema, dict) or _accepts_null(schema):
        return schema
    kind = schema.get("type")
    if kind is None or any(key in schema for key in COMBINATORS):
        return {"anyOf": [schema, {"type": "null"}]}
    widened = {**schema, "type": [*kind, "null"] if isinstance(kind, list) else [kind, "null"]}
    if isinstance(schema.get("enum"), list):
        widened["enum"] = [*schema["enum"], None]
    return widened


def _accepts_null(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(
        isinstance(branch, dict) and _accepts_null(branch)
        for key in ("anyOf", "oneOf")
        for branch in schema.get(key) or ()
    )


class _Relaxer:
    def __init__(self, schemas: Mapping[str, Any]) -> None:
        self.schemas = schemas

    def containers(self, node: Any) -> Any:
        """Relax the value of every `schema` key below `node` (operations, responses, parameters)."""
        if isinstance(node, dict):
            return {
                key: self.schema(value) if key == "schema" else self.containers(value) for key, value in node.items()
            }
        if isinstance(node, list):
            return [self.containers(item) for item in node]
        return node

    def schema(self, node: Any, required: frozenset[str] = frozenset()) -> Any:
        if not isinstance(node, dict):
            return node
        needed = required | frozenset(node.get("required") or ())
        relaxed: dict[str, Any] = {}
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                relaxed[key] = {
                    name: self.schema(sub) if name in needed else or_null(self.schema(sub))
                    for name, sub in value.items()
                }
            elif key == "allOf" and isinstance(value, list):
                shared = needed | frozenset(self._required_in(value))
                relaxed[key] = [self.schema(branch, shared) for branch in value]
            elif key in SINGLE_SUBSCHEMAS:
                relaxed[key] = self.schema(value)
            elif key in LIST_SUBSCHEMAS and isinstance(value, list):
                overlap = key == "oneOf" and "anyOf" not in node  # see `oneof-overlap`
                relaxed["anyOf" if overlap else key] = [self.schema(item) for item in value]
            elif key in MAP_SUBSCHEMAS and isinstance(value, dict):
                relaxed[key] = {name: self.schema(sub) for name, sub in value.items()}
            else:
                relaxed[key] = value
        return or_null(relaxed) if node.get("nullable") is True else relaxed

    def _required_in(self, branches: list[Any]) -> list[str]:
        names: list[str] = []
        for branch in branches:
            if not isinstance(branch, dict):
                continue
            names.extend(branch.get("required") or ())
            ref = branch.get("$ref")
            if isinstance(ref, str) and ref.startswith(COMPONENT_SCHEMAS):
                names.extend((self.schemas.get(ref[len(COMPONENT_SCHEMAS) :]) or {}).get("required") or ())
        return names
