"""/v1/uploads: create, add part (multipart, streamed), complete, cancel."""

from __future__ import annotations

import functools

from aiohttp import web

from emulator.dialects.openai.wire import part_wire, upload_wire
from emulator.engine.errors import InvalidRequest, missing_parameter
from emulator.engine.storage import BlobWriter
from emulator.files.records import UploadRecord
from emulator.http.multipart import require_multipart, upload_form
from emulator.http.responses import backend_of, json_body, json_response, owner_of


def _upload_response(request: web.Request, record: UploadRecord) -> web.Response:
    backend = backend_of(request)
    file_id = record.get("file_id")
    file = backend.files.find(str(file_id), owner_of(request)) if file_id else None
    return json_response(upload_wire(record, file))


async def create_upload(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    return _upload_response(request, backend_of(request).uploads.create(body, owner_of(request)))


async def add_part(request: web.Request) -> web.Response:
    backend = backend_of(request)
    owner = owner_of(request)
    upload_id = request.match_info["upload_id"]
    require_multipart(request)
    writer: BlobWriter | None = None
    async with upload_form(request) as form:
        while (part := await form.next_part()) is not None:
            if part.name != "data":
                await part.release()
                continue
            if writer is not None:
                raise InvalidRequest("Only one 'data' field may be sent per part.", param="data")
            writer = backend.uploads.begin_part(upload_id, owner)
            await form.stream(part, writer, functools.partial(backend.uploads.check_part_size, writer))
    if writer is None:
        raise missing_parameter("data")
    return json_response(part_wire(backend.uploads.finish_part(upload_id, owner, writer)))


async def complete_upload(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    record = backend_of(request).uploads.complete(request.match_info["upload_id"], body, owner_of(request))
    return _upload_response(request, record)


async def cancel_upload(request: web.Request) -> web.Response:
    record = backend_of(request).uploads.cancel(request.match_info["upload_id"], owner_of(request))
    return _upload_response(request, record)


def setup_routes(app: web.Application, prefix: str = "/v1") -> None:
    app.router.add_post(f"{prefix}/uploads", create_upload)
    app.router.add_post(f"{prefix}/uploads/{{upload_id}}/parts", add_part)
    app.router.add_post(f"{prefix}/uploads/{{upload_id}}/complete", complete_upload)
    app.router.add_post(f"{prefix}/uploads/{{upload_id}}/cancel", cancel_upload)
