"""/v1/files: upload (multipart, streamed to disk), list, retrieve, delete, download."""

from __future__ import annotations

import asyncio
import re

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from ..dialects.openai import file_list_wire, file_wire
from ..errors import InvalidRequest, missing_parameter
from ..files import PendingFile
from ..validation import int_in_range, one_of, query_int
from .faults import apply_fault
from .keys import ENTRY, backend_of, json_response, owner_of

CHUNK = 256 * 1024
PATH_IN_FILENAME = re.compile(r'filename="[^"]*[\\/]')
FIELD_LIMIT = 4096
MSG_BAD_MULTIPART = "Could not parse the multipart form data of the request."


async def _field_text(part: BodyPartReader) -> str:
    data = await part.read_chunk(FIELD_LIMIT + 1)
    if len(data) > FIELD_LIMIT:
        raise InvalidRequest(f"The form field '{part.name}' is too long.", param=part.name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest(f"The form field '{part.name}' is not valid UTF-8.", param=part.name) from None


def _ttl(anchor: str | None, seconds: str | None) -> int | None:
    if anchor is None and seconds is None:
        return None
    if anchor is None:
        raise missing_parameter("expires_after[anchor]")
    if seconds is None:
        raise missing_parameter("expires_after[seconds]")
    if anchor != "created_at":
        raise InvalidRequest(
            f"Invalid value: '{anchor}'. Supported values are: 'created_at'.",
            param="expires_after.anchor",
            code="invalid_value",
        )
    try:
        number = int(seconds)
    except ValueError:
        raise InvalidRequest(
            f"Invalid type for 'expires_after.seconds': expected an integer, but got '{seconds}' instead.",
            param="expires_after.seconds",
            code="invalid_type",
        ) from None
    return int_in_range(number, "expires_after.seconds", 3600, 2_592_000)


async def create_file(request: web.Request) -> web.Response:
    backend = backend_of(request)
    owner = owner_of(request)
    if not request.content_type.startswith("multipart/"):
        raise InvalidRequest(
            f"Invalid Content-Type header ({request.content_type}), expected multipart/form-data.",
            code="invalid_content_type",
        )
    fields: dict[str, str] = {}
    pending: PendingFile | None = None
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise InvalidRequest(MSG_BAD_MULTIPART)
            if part.name == "file":
                if pending is not None:
                    raise InvalidRequest("Only one file may be uploaded per request.", param="file")
                if "purpose" not in fields:
                    raise InvalidRequest(
                        "The 'purpose' field must come before the 'file' field in the form.",
                        param="purpose",
                        code="missing_required_parameter",
                    )
                fault = await apply_fault(request, request[ENTRY], purpose=fields["purpose"])
                if fault is not None:
                    return fault  # type: ignore[return-value]
                ttl = _ttl(fields.get("expires_after[anchor]"), fields.get("expires_after[seconds]"))
                filename = part.filename or ""
                if PATH_IN_FILENAME.search(part.headers.get("Content-Disposition", "")):
                    filename = "/" + filename  # a directory part was sent (and unescaped away): reject it
                pending = backend.files.begin(purpose=fields["purpose"], filename=filename, ttl=ttl, owner=owner)
                while chunk := await part.read_chunk(CHUNK):
                    pending.write(chunk)
            elif part.name:
                fields[part.name] = await _field_text(part)
    except (ValueError, AssertionError, asyncio.IncompleteReadError, HttpProcessingError) as exc:
        if pending is not None:
            pending.writer.abort()
        if isinstance(exc, InvalidRequest):
            raise
        if isinstance(exc, HttpProcessingError):
            raise InvalidRequest(f"{MSG_BAD_MULTIPART} {exc.message}", param="file") from None
        raise InvalidRequest(MSG_BAD_MULTIPART) from None
    except BaseException:
        if pending is not None:
            pending.writer.abort()
        raise
    if pending is None:
        if "purpose" not in fields:
            raise missing_parameter("purpose")
        raise missing_parameter("file")
    return json_response(file_wire(backend.files.finish(pending)))


async def list_files(request: web.Request) -> web.Response:
    query = request.query
    limit = query_int(query.get("limit"), "limit", 1, 10_000, 10_000)
    order = one_of(query.get("order", "desc"), "order", ["asc", "desc"])
    records, has_more = backend_of(request).files.page(
        owner_of(request), purpose=query.get("purpose"), limit=limit, order=order, after=query.get("after")
    )
    return json_response(file_list_wire(records, has_more))


async def retrieve_file(request: web.Request) -> web.Response:
    record = backend_of(request).files.get(request.match_info["file_id"], owner_of(request))
    return json_response(file_wire(record))


async def delete_file(request: web.Request) -> web.Response:
    record = backend_of(request).files.delete(request.match_info["file_id"], owner_of(request))
    return json_response({"id": record["id"], "object": "file", "deleted": True})


async def file_content(request: web.Request) -> web.StreamResponse:
    path, _size = backend_of(request).files.content_path(request.match_info["file_id"], owner_of(request))
    return web.FileResponse(path, chunk_size=CHUNK, headers={"Content-Type": "application/octet-stream"})


def setup_routes(app: web.Application, prefix: str = "/v1") -> None:
    app.router.add_post(f"{prefix}/files", create_file)
    app.router.add_get(f"{prefix}/files", list_files)
    app.router.add_get(f"{prefix}/files/{{file_id}}", retrieve_file)
    app.router.add_delete(f"{prefix}/files/{{file_id}}", delete_file)
    app.router.add_get(f"{prefix}/files/{{file_id}}/content", file_content)
