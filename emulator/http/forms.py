"""Multipart request forms read as the JSON object the same endpoint takes.

The SDK sends image edits and videos as multipart forms. Every text field arrives as text: the ones that are
integers or booleans in the JSON form are converted back, `a[]` fields gather into a list and `a[b]` fields
into an object. Uploaded files become `{"image_url": "data:<type>;base64,..."}` references, the form the JSON
bodies use for images (`image` parts gather under `images`).
"""

from __future__ import annotations

import base64
import re
from typing import Any

from aiohttp import BodyPartReader, MultipartReader, web

from emulator.engine.errors import EmulatorError, InvalidRequest
from emulator.http.body import BodyTooLarge
from emulator.http.contract_middleware import FORM_FIELDS
from emulator.http.multipart import MSG_BAD_MULTIPART, UNREADABLE
from emulator.http.responses import backend_of, json_body

FORM_INTEGERS = frozenset({"n", "output_compression", "partial_images", "frame_count", "frame_duration_ms"})
MSG_CONFLICTING_FIELD = "The form field '{name}' is sent more than once or in conflicting forms ({form})."
INTEGER = re.compile(r"-?[0-9]+")
UNREADABLE_FORM_ERRORS = (*UNREADABLE, LookupError)  # LookupError: a part naming an unknown charset
FORM_BOOLEANS = frozenset({"stream"})
# Uploaded files under these form names become a list of references under the JSON name.
FORM_FILE_LISTS = {"image": "images"}


def _form_value(name: str, text: str) -> Any:
    if name in FORM_INTEGERS and INTEGER.fullmatch(text):
        return int(text)
    if name in FORM_BOOLEANS and text in ("true", "false"):
        return text == "true"
    return text


def _place(body: dict[str, Any], name: str, value: Any) -> None:
    """Put a form field into the body: `a[]` appends to a list, `a[b]` sets a key of an object."""
    if name.endswith("[]"):
        outer, kind = name[:-2], "list"
    elif "[" in name and name.endswith("]"):
        outer, kind = name.split("[", 1)[0], "object"
    else:
        outer, kind = name, "value"
    present = body.get(outer)
    if present is not None and (kind == "value" or not isinstance(present, list if kind == "list" else dict)):
        raise InvalidRequest(MSG_CONFLICTING_FIELD.format(name=outer, form=name), param=outer)
    if kind == "list":
        body.setdefault(outer, []).append(value)
    elif kind == "object":
        body.setdefault(outer, {})[name[len(outer) + 1 : -1]] = value
    else:
        body[name] = value


async def form_body(request: web.Request) -> Any:
    """The body of a multipart form as the JSON object the endpoint would take, or the JSON body itself; a
    form that does not parse is a 400, one larger than the body limit a 413."""
    if not request.content_type.startswith("multipart/"):
        return await json_body(request)
    try:
        return await _read_form(request, backend_of(request).config.request_limits.body_max_bytes)
    except EmulatorError:
        raise
    except UNREADABLE_FORM_ERRORS:
        raise InvalidRequest(MSG_BAD_MULTIPART) from None


async def _read_form(request: web.Request, limit: int) -> dict[str, Any]:
    body: dict[str, Any] = {}
    reader = MultipartReader(
        request.headers,
        request.content,
        client_max_size=limit,
        max_field_size=request.protocol.max_field_size,
        max_headers=request.protocol.max_headers,
        max_size_error_cls=BodyTooLarge,
    )
    total = 0
    texts: list[tuple[str, str | None]] = []
    request[FORM_FIELDS] = texts  # what contract mode checks
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        name = part.name
        data = await part.read()
        total += len(data)
        if total > limit:
            raise BodyTooLarge(limit)
        if part.filename is None:
            text = data.decode(part.get_charset("utf-8"))
            texts.append((name, text))
            _place(body, name, _form_value(name.split("[", 1)[0], text))
            continue
        texts.append((name, None))
        kind = part.headers.get("Content-Type") or "application/octet-stream"
        reference = {"image_url": f"data:{kind};base64,{base64.b64encode(data).decode()}"}
        plain = name.removesuffix("[]")
        if plain in FORM_FILE_LISTS:
            body.setdefault(FORM_FILE_LISTS[plain], []).append(reference)
        else:
            _place(body, name, reference)
    return body
