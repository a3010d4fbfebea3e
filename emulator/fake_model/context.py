"""Everything one answer is computed from, gathered once per request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.fake_model.digest import IdMaker
from emulator.fake_model.result import ResponseShape


@dataclass(slots=True)
class Call:
    """A validated request plus the digests and id maker derived from it."""

    seed: int
    endpoint: str
    body: Mapping[str, Any]
    created: int
    shape: ResponseShape
    digest: bytes
    ids: IdMaker

    @property
    def model(self) -> str:
        return str(self.body.get("model") or "")
