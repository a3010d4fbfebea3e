"""Everything one answer is computed from, gathered once per request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.fake_model.digest import IdMaker
from emulator.fake_model.request_forms import RequestForm
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
    form: RequestForm | None = None  # the body's form, where its answer builder keeps what it plans per form

    @property
    def model(self) -> str:
        return str(self.body.get("model") or "")
