"""Multipart uploads streamed into blobs, for every route that takes a file (`POST /v1/files`, upload parts,
Mistral's files).

A route reads its form inside `async with upload_form(request) as form:`: `form.next_part()` gives the parts,
`form.stream(part, writer)` copies a file part into a blob chunk by chunk (never holding it whole). If anything
fails while the form is read, every blob streamed so far is aborted and an unparseable form becomes a 400 (the
route's own error for it, or "Could not parse the multipart form data"). Once the form is in, the blobs are
the route's to commit, or to drop with `form.abort()`.

(emulator/http/forms.py reads the small forms of image and video requests as JSON bodies instead.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from emulator.engine.errors import InvalidRequest
from emulator.engine.storage import BlobWriter
from emulator.http.responses import CHUNK

FIELD_LIMIT = 4096  # bytes of one text field of an upload form
PART_HEADER_COUNT = 32  # header lines of one part, when `part_header_limit` is raised
MSG_BAD_MULTIPART = "Could not parse the multipart form data of the request."
# What aiohttp raises for a form it cannot parse (a bad boundary, a cut-off body, a header line too long).
UNREADABLE = (ValueError, AssertionError, asyncio.IncompleteReadError, HttpProcessingError)


def require_multipart(request: web.Request) -> None:
    """The real API's 400 for an upload that is not sent as multipart/form-data."""
    if not request.content_type.startswith("multipart/"):
        raise InvalidRequest(
            f"Invalid Content-Type header ({request.content_type}), expected multipart/form-data.",
            code="invalid_content_type",
        )


def unreadable_form(exc: BaseException) -> InvalidRequest:
    """The 400 for a form aiohttp could not parse."""
    return InvalidRequest(MSG_BAD_MULTIPART)


class UploadForm:
    """A multipart request being read; the blobs it streamed are aborted if reading fails."""

    def __init__(self, reader: MultipartReader) -> None:
        self._reader = reader
        self._writers: list[BlobWriter] = []

    async def next_part(self) -> BodyPartReader | None:
        """The next part (None after the last); a nested multipart body is a 400."""
        part = await self._reader.next()
        if part is not None and not isinstance(part, BodyPartReader):
            raise InvalidRequest(MSG_BAD_MULTIPART)
        return part

    async def stream(
        self, part: BodyPartReader, writer: BlobWriter, check_size: Callable[[int], None] | None = None
    ) -> None:
        """Copy a file part into `writer` one chunk at a time; `check_size(len(chunk))` runs before each write
        and raises (the route's 400) when the chunk would make the blob too large."""
        self._writers.append(writer)
        while chunk := await part.read_chunk(CHUNK):
            if check_size is not None:
                check_size(len(chunk))
            writer.write(chunk)

    def abort(self) -> None:
        """Drop every blob streamed so far."""
        for writer in self._writers:
            writer.abort()


async def _reader(request: web.Request, part_header_limit: int | None) -> MultipartReader:
    if part_header_limit is None:
        return await request.multipart()
    return MultipartReader(
        request.headers,
        request.content,
        client_max_size=request.client_max_size,
        max_field_size=part_header_limit,
        max_headers=PART_HEADER_COUNT,
    )


@asynccontextmanager
async def upload_form(
    request: web.Request,
    *,
    part_header_limit: int | None = None,
    unreadable: Callable[[BaseException], InvalidRequest] = unreadable_form,
) -> AsyncIterator[UploadForm]:
    """Read the request's multipart form (see the module docstring). `part_header_limit` raises aiohttp's limit
    on one header line of a part (8190 bytes) and caps a part at PART_HEADER_COUNT header lines."""
    form: UploadForm | None = None
    try:
        form = UploadForm(await _reader(request, part_header_limit))
        yield form
    except UNREADABLE as exc:
        if form is not None:
            form.abort()
        raise unreadable(exc) from None
    except BaseException:
        if form is not None:
            form.abort()
        raise
