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
    # Whether the answer is encoded piece by piece while it is sent: then a long list in its body (embeddings'
    # `data`, moderations' `results`) may be an iterator that computes its items as they are read, and a vector
    # an `orjson.Fragment`; otherwise every value is a plain JSON value.
    lazy: bool = False

    @property
    def model(self) -> str:
        return str(self.body.get("model") or "")
