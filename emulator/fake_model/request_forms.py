"""What a request body's *form* fixes, computed once and reused by every body of the same form.

A batch sends thousands of bodies that differ only in one field (the chat `messages`, the `input`, the
`prompt`) while the model, the options and the tools repeat. The form of a body is everything but that
field. For each form the fake model keeps:

* whether the rest of the body passed validation (so only the per-line field is checked again);
* the canonical JSON of the body split around the per-line field, with and without the delivery options
  (see `digest`), so both canonical encodings cost one `orjson.dumps` of that field;
* a slot for the answer builder's own plan (what it derives from the options), filled on first use;
* a slot for the template a batch line of this form is answered from as JSON bytes (see `line_answers`).

A form is recognised by the canonical JSON of the body with the per-line field replaced by a placeholder.
Bodies that are not plain JSON (a value orjson cannot encode without help, a non-string key) have no form
and take the uncached path; the answers are the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from emulator.fake_model.digest import DELIVERY_KEYS, canonical_json

PLACEHOLDER = "\x00per-line field\x00"
_PLACEHOLDER_JSON = orjson.dumps(PLACEHOLDER)
_SORTED = orjson.OPT_SORT_KEYS
MAX_FORMS = 512  # forms kept per model; the cache starts over when full


@dataclass(slots=True)
class RequestForm:
    """A body's canonical JSON around its per-line field, the plan its answer builder made for it and the
    template its batch lines are answered from."""

    full: tuple[bytes, bytes]
    content: tuple[bytes, bytes]
    plan: Any = None
    line_template: Any = None


def _split(encoded: bytes) -> tuple[bytes, bytes] | None:
    before, found, after = encoded.partition(_PLACEHOLDER_JSON)
    if not found or _PLACEHOLDER_JSON in after:
        return None
    return before, after


def new_form(body: dict[str, Any], field: str, key: bytes) -> RequestForm | None:
    """The form of `body` given its key (None when the placeholder cannot be located unambiguously)."""
    full = _split(key)
    if full is None:
        return None
    if DELIVERY_KEYS.isdisjoint(body):
        return RequestForm(full, full)
    rest = {k: v for k, v in body.items() if k not in DELIVERY_KEYS}
    rest[field] = PLACEHOLDER
    content = _split(orjson.dumps(rest, option=_SORTED))
    return None if content is None else RequestForm(full, content)


class FormCache:
    """The forms one model has seen whose bodies passed validation."""

    __slots__ = ("_forms",)

    def __init__(self) -> None:
        self._forms: dict[tuple[str, bytes], RequestForm] = {}

    def lookup(self, endpoint: str, body: dict[str, Any], field: str) -> tuple[bytes | None, RequestForm | None]:
        """The key of `body`'s form (its canonical JSON with `field` replaced by the placeholder; None for a body
        without a form) and the form, if it is known."""
        rest = body.copy()
        rest[field] = PLACEHOLDER
        try:
            key = orjson.dumps(rest, option=_SORTED)
        except TypeError:
            return None, None
        return key, self._forms.get((endpoint, key))

    def add(self, endpoint: str, key: bytes, body: dict[str, Any], field: str) -> RequestForm | None:
        """Remember the form of `body`, which passed validation (None when it has no usable form)."""
        form = new_form(body, field, key)
        if form is not None:
            if len(self._forms) >= MAX_FORMS:
                self._forms.clear()
            self._forms[(endpoint, key)] = form
        return form


def canonical_parts(form: RequestForm, value: Any) -> tuple[bytes, bytes]:
    """The canonical JSON of the whole body and of its content (without delivery options), given the per-line
    field's value."""
    encoded = canonical_json(value)
    full = form.full[0] + encoded + form.full[1]
    if form.content is form.full:
        return full, full
    return full, form.content[0] + encoded + form.content[1]
