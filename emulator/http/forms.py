"""Multipart request forms read as the JSON object the same endpoint takes.

The SDK sends image edits and videos as multipart forms. Every text field arrives as text: the ones that are
integers or booleans in the JSON form are converted back, `a[]` fields gather into a list and `a[b]` fields
into an object. Uploaded files become `{"image_url": "data:<type>;base64,..."}` references, the form the JSON
bodies use for images (`image` parts gather under `images`).
"""

from __future__ import annotations

import base64
from typing import Any

from aiohttp import BodyPartReader, web

from emulator.http.responses import json_body

FORM_INTEGERS = frozenset({"n", "output_compression", "partial_images", "frame_count", "frame_duration_ms"})
FORM_BOOLEANS = frozenset({"stream"})
# Uploaded files under these form names become a list of references under the JSON name.
FORM_FILE_LISTS = {"image": "images"}


def _form_value(name: str, text: str) -> Any:
    if name in FORM_INTEGERS and text.lstrip("-").isdigit():
        return int(text)
    if name in FORM_BOOLEANS and text in ("true", "false"):
        return text == "true"
    return text


def _place(body: dict[str, Any], name: str, value: Any) -> None:
    """Put a form field into the body: `a[]` appends to a list, `a[b]` sets a key of an object."""
    if name.endswith("[]"):
        body.setdefault(name[:-2], []).append(value)
    elif "[" in name and name.endswith("]"):
        outer, inner = name[:-1].split("[", 1)
        holder = body.setdefault(outer, {})
        if isinstance(holder, dict):
            holder[inner] = value
    else:
        body[name] = value


async def form_body(request: web.Request) -> Any:
    """The body of a multipart form as the JSON object the endpoint would take, or the JSON body itself."""
    if not request.content_type.startswith("multipart/"):
        return await json_body(request)
    body: dict[str, Any] = {}
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        name = part.name
        if part.filename is None:
            _place(body, name, _form_value(name.split("[", 1)[0], await part.text()))
            continue
        data = await part.read()
        kind = part.headers.get("Content-Type") or "application/octet-stream"
        reference = {"image_url": f"data:{kind};base64,{base64.b64encode(data).decode()}"}
        plain = name.removesuffix("[]")
        if plain in FORM_FILE_LISTS:
            body.setdefault(FORM_FILE_LISTS[plain], []).append(reference)
        else:
            _place(body, name, reference)
    return body
