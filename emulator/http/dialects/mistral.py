"""Mistral routes (`<prefix>/batch/jobs…`, `<prefix>/files…`). Their errors come in Mistral's envelope
(the dialect's `errors`, applied by the middleware)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from emulator.dialects.base import Dialect
from emulator.dialects.compat import netmind
from emulator.dialects.mistral import jobs as mistral
from emulator.engine.clock import ClockError, parse_time
from emulator.engine.errors import InvalidRequest, invalid_value, missing_parameter
from emulator.engine.params import query_int
from emulator.engine.storage import BlobWriter
from emulator.files.service import check_filename
from emulator.http.faults import apply_fault
from emulator.http.multipart import FIELD_LIMIT, upload_form
from emulator.http.public_url import public_origin
from emulator.http.responses import ENTRY, backend_of, json_body, json_response, owner_of
from emulator.http.routes import files as files_routes
from emulator.http.routes.batches import SCENARIO_HEADER

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _check_size(writer: BlobWriter, limit: int, extra: int) -> None:
    """Mistral's 400 for a file that `extra` more bytes make larger than `limit`."""
    if writer.size + extra > limit:
        raise InvalidRequest(f"File is too large. The maximum size is {limit} bytes.", param="file")


async def upload_file(request: web.Request) -> web.StreamResponse:
    """Multipart `file` (+ optional `purpose`, `expiry` hours, `visibility`) in any order, streamed to a blob.
    A scenario fault for the upload is asked for once the purpose is known."""
    backend = backend_of(request)
    limit = backend.config.limits.file_max_bytes
    fields: dict[str, str] = {}
    writer: BlobWriter | None = None
    filename = ""
    async with upload_form(request) as form:
        while (part := await form.next_part()) is not None:
            if part.name == "file":
                if writer is not None:
                    raise InvalidRequest("Only one file may be uploaded per request.", param="file")
                writer = backend.blobs.writer()
                filename = part.filename or ""
                await form.stream(part, writer, functools.partial(_check_size, writer, limit))
            elif part.name:
                data = await part.read_chunk(FIELD_LIMIT)
                fields[part.name] = data.decode("utf-8", errors="replace")
        if writer is None:
            raise missing_parameter("file")
        purpose = mistral.check_purpose(fields.get("purpose"))
        check_filename(filename, "batch" if purpose == "batch" else purpose)
        ttl = backend.config.limits.batch_file_default_ttl if purpose == "batch" else None
        if fields.get("expiry"):
            try:
                ttl = int(fields["expiry"]) * 3600
            except ValueError:
                raise invalid_value("expiry", "expiry must be a whole number of hours.") from None
    fault = await apply_fault(request, request[ENTRY], purpose=purpose)
    if fault is not None:
        writer.abort()
        return fault
    record = backend.files.add(writer, filename=filename, purpose=purpose, ttl=ttl, owner=owner_of(request))
    return json_response(mistral.file_object(record))


async def list_files(request: web.Request) -> web.Response:
    query = request.query
    page = query_int(query.get("page"), "page", 0, 1_000_000, 0)
    size = query_int(query.get("page_size"), "page_size", 1, 10_000, 100)
    return json_response(
        mistral.file_page(
            backend_of(request).files, owner_of(request), page=page, page_size=size, purpose=query.get("purpose")
        )
    )


async def retrieve_file(request: web.Request) -> web.Response:
    record = backend_of(request).files.get(request.match_info["file_id"], owner_of(request))
    return json_response({**mistral.file_object(record), "deleted": False})


async def signed_url(request: web.Request) -> web.Response:
    token = backend_of(request).presigned.download_token(request.match_info["file_id"], owner_of(request))
    return json_response({"url": f"{public_origin(request)}{netmind.PRESIGNED_PATH}{token}"})


def job_handlers(dialect: Dialect) -> dict[str, Handler]:
    async def create(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        body = await json_body(request)
        scenario = request.headers.get(SCENARIO_HEADER)
        record = mistral.create_job(backend.batches, backend.files, dialect, body, owner_of(request), scenario)
        return json_response(mistral.job_object(backend.batches, record))

    async def listing(request: web.Request) -> web.StreamResponse:
        query = request.query
        order = query.get("order_by", "-created")
        if order not in ("created", "-created"):
            raise invalid_value("order_by", "order_by must be 'created' or '-created'.")
        statuses = query.getall("status", [])
        unknown = [s for s in statuses if s not in mistral.STATUS.values()]
        if unknown:
            raise invalid_value("status", f"Unknown status '{unknown[0]}'.")
        created_after = None
        if query.get("created_after"):
            try:
                created_after = parse_time(query["created_after"])
            except ClockError as exc:
                raise invalid_value("created_after", str(exc)) from None
        result = mistral.page(
            backend_of(request).batches,
            dialect,
            owner_of(request),
            page=query_int(query.get("page"), "page", 0, 1_000_000, 0),
            page_size=query_int(query.get("page_size"), "page_size", 1, dialect.list_max, dialect.list_default),
            statuses=statuses,
            model=query.get("model"),
            created_after=created_after,
            newest_first=order == "-created",
        )
        return json_response(result)

    async def retrieve(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        record = mistral.get(backend.batches, dialect, request.match_info["job_id"], owner_of(request))
        inline = request.query.get("inline", "false").lower() == "true"
        return json_response(mistral.job_object(backend.batches, record, inline=inline))

    async def cancel(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        record = mistral.cancel(backend.batches, dialect, request.match_info["job_id"], owner_of(request))
        return json_response(mistral.job_object(backend.batches, record))

    async def delete(request: web.Request) -> web.StreamResponse:
        return json_response(
            mistral.delete(backend_of(request).batches, dialect, request.match_info["job_id"], owner_of(request))
        )

    return {"create": create, "list": listing, "retrieve": retrieve, "cancel": cancel, "delete": delete}


def add_routes(router: web.UrlDispatcher, prefix: str, dialect: Dialect) -> None:
    jobs = job_handlers(dialect)
    router.add_post(f"{prefix}/batch/jobs", jobs["create"])
    router.add_get(f"{prefix}/batch/jobs", jobs["list"])
    router.add_get(f"{prefix}/batch/jobs/{{job_id}}", jobs["retrieve"])
    router.add_delete(f"{prefix}/batch/jobs/{{job_id}}", jobs["delete"])
    router.add_post(f"{prefix}/batch/jobs/{{job_id}}/cancel", jobs["cancel"])
    router.add_post(f"{prefix}/files", upload_file)
    router.add_get(f"{prefix}/files", list_files)
    router.add_get(f"{prefix}/files/{{file_id}}", retrieve_file)
    router.add_delete(f"{prefix}/files/{{file_id}}", files_routes.delete_file)
    router.add_get(f"{prefix}/files/{{file_id}}/content", files_routes.file_content)
    router.add_get(f"{prefix}/files/{{file_id}}/url", signed_url)
