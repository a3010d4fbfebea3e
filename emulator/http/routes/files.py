"""/v1/files: upload (multipart, streamed to disk), list, retrieve, delete, download."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError, LineTooLong

from emulator.dialects.openai.wire import file_list_wire, file_wire
from emulator.engine.errors import InvalidRequest, missing_parameter
from emulator.engine.params import int_in_range, one_of, query_int
from emulator.files.service import MAX_FILENAME_LENGTH, PendingFile, check_filename, check_purpose
from emulator.http.contract_middleware import FORM_FIELDS
from emulator.http.faults import apply_fault
from emulator.http.multipart import FIELD_LIMIT, MSG_BAD_MULTIPART, UploadForm, require_multipart, upload_form
from emulator.http.responses import ENTRY, backend_of, file_download, json_response, owner_of

PATH_IN_FILENAME = re.compile(r'filename="[^"]*[\\/]')
# One header line of a form part. aiohttp's default (8190 bytes) cuts off a Content-Disposition line whose
# filename has a few thousand characters before the filename check can report its length.
PART_HEADER_LIMIT = 64 * 1024
ANCHOR = "expires_after[anchor]"
SECONDS = "expires_after[seconds]"


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
        raise missing_parameter(ANCHOR)
    if seconds is None:
        raise missing_parameter(SECONDS)
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


@dataclass(slots=True)
class _Form:
    """A `POST /v1/files` form as it arrives: its text fields (the first of each name wins) and the file,
    streamed to a temporary blob that is only kept once every field has been read and checked."""

    fields: dict[str, str] = field(default_factory=dict)
    filename: str = ""
    pending: PendingFile | None = None
    fault_asked: bool = False


async def _check(request: web.Request, form: _Form, *, final: bool) -> web.StreamResponse | None:
    """Ask the scenario for a fault on the upload (once) and check its parameters.

    Called when the file part starts if `purpose` came before it (so a bad request fails before its bytes are
    read; the expiry is then only checked if both of its fields are in), and always once the form is read.
    Returns a fault's response, raises the 400 of the first bad parameter, or returns None.
    """
    fields = form.fields
    if "purpose" not in fields:
        raise missing_parameter("purpose")
    if not form.fault_asked:
        form.fault_asked = True
        fault = await apply_fault(request, request[ENTRY], purpose=fields["purpose"])
        if fault is not None:
            return fault
    anchor, seconds = fields.get(ANCHOR), fields.get(SECONDS)
    ttl = _ttl(anchor, seconds) if final or (anchor is not None and seconds is not None) else None
    purpose = check_purpose(fields["purpose"])
    filename = check_filename(form.filename, purpose)
    if final and form.pending is not None:
        form.pending.purpose, form.pending.filename, form.pending.ttl = purpose, filename, ttl
    return None


async def _read_form(request: web.Request, upload: UploadForm, form: _Form) -> web.StreamResponse | None:
    """Read every part, streaming the file to disk; returns a fault's response if one fired on the way."""
    files = backend_of(request).files
    while (part := await upload.next_part()) is not None:
        if part.name == "file":
            if form.pending is not None:
                raise InvalidRequest("Only one file may be uploaded per request.", param="file")
            form.filename = part.filename or ""
            if PATH_IN_FILENAME.search(part.headers.get("Content-Disposition", "")):
                form.filename = "/" + form.filename  # a directory part was sent (and unescaped away): reject it
            if "purpose" in form.fields:
                fault = await _check(request, form, final=False)
                if fault is not None:
                    return fault
            form.pending = PendingFile(
                form.filename, "", None, owner_of(request), files.blobs.writer(), files.limits.file_max_bytes
            )
            await upload.stream(part, form.pending.writer, form.pending.check_size)
        elif part.name:
            text = await _field_text(part)
            form.fields.setdefault(part.name, text)
    return None


def _unreadable(exc: BaseException) -> InvalidRequest:
    """The 400 for a form aiohttp could not parse."""
    line = exc.args[0] if isinstance(exc, LineTooLong) and exc.args else b""
    if isinstance(line, str):
        line = line.encode()
    if b"filename" in line.lower():  # the part's Content-Disposition line (its start) is too long to parse
        return InvalidRequest(
            f"Invalid 'filename': string too long. Expected a string with maximum length {MAX_FILENAME_LENGTH}, "
            f"but got a string of more than {PART_HEADER_LIMIT} bytes instead.",
            param="file",
            code="string_above_max_length",
        )
    if isinstance(exc, HttpProcessingError):
        return InvalidRequest(f"{MSG_BAD_MULTIPART} {exc.message}", param="file")
    return InvalidRequest(MSG_BAD_MULTIPART)


async def create_file(request: web.Request) -> web.StreamResponse:
    """Upload a file. The form's fields may come in any order; the file is streamed to a temporary blob as it
    arrives and discarded if a check fails or a scenario fault fires once the rest of the form is in."""
    require_multipart(request)
    form = _Form()
    request[FORM_FIELDS] = form.fields  # what contract mode checks
    async with upload_form(request, part_header_limit=PART_HEADER_LIMIT, unreadable=_unreadable) as upload:
        fault = await _read_form(request, upload, form)
        if fault is None and form.pending is not None:
            fault = await _check(request, form, final=True)
    if fault is not None:
        upload.abort()
        return fault
    if form.pending is None:
        raise missing_parameter("purpose" if "purpose" not in form.fields else "file")
    return json_response(file_wire(backend_of(request).files.finish(form.pending)))


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
    return file_download(path)


def setup_routes(app: web.Application, prefix: str = "/v1") -> None:
    app.router.add_post(f"{prefix}/files", create_file)
    app.router.add_get(f"{prefix}/files", list_files)
    app.router.add_get(f"{prefix}/files/{{file_id}}", retrieve_file)
    app.router.add_delete(f"{prefix}/files/{{file_id}}", delete_file)
    app.router.add_get(f"{prefix}/files/{{file_id}}/content", file_content)
