"""Routes of an OpenAI-compatible dialect at its prefix: the OpenAI files and batches routes, with the
dialect's create rules, list defaults, file limits and result-line shape."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

from aiohttp import web

from emulator.batches.input_files import is_internal
from emulator.dialects.base import Dialect
from emulator.dialects.compat import providers as compat
from emulator.dialects.openai.wire import file_list_wire, list_wire
from emulator.engine.errors import InvalidRequest
from emulator.engine.params import one_of, query_int
from emulator.http.responses import backend_of, file_download, json_body, json_response, owner_of, stream_response
from emulator.http.routes import files as files_routes
from emulator.http.routes.batches import SCENARIO_HEADER

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _transformed(path: Path, transform: Callable[[bytes], bytes]) -> Iterator[bytes]:
    """The lines of a JSONL file through `transform`, read one at a time."""
    with path.open("rb") as stream:
        for raw in stream:
            yield transform(raw)


def batch_handlers(dialect: Dialect) -> dict[str, Handler]:
    async def create(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        body = await json_body(request)
        wire_input_file_id = None
        if dialect.native_files and isinstance(body, dict) and isinstance(body.get("input_file_id"), str):
            known = body["input_file_id"]
            body = {**body, "input_file_id": backend.presigned.stored_id(known, owner_of(request))}
            wire_input_file_id = known if known != body["input_file_id"] else None
        scenario = request.headers.get(SCENARIO_HEADER)
        record = compat.create_batch(
            backend.batches, backend.files, dialect, body, owner_of(request), scenario, wire_input_file_id
        )
        return json_response(compat.batch_object(backend.batches, dialect, record, created=True))

    async def listing(request: web.Request) -> web.StreamResponse:
        limit = query_int(request.query.get("limit"), "limit", 1, dialect.list_max, dialect.list_default)
        batches = backend_of(request).batches
        records, has_more = batches.page(
            owner_of(request), limit=limit, after=request.query.get("after"), where=dialect.owns
        )
        return json_response(list_wire([compat.batch_object(batches, dialect, r) for r in records], has_more))

    async def retrieve(request: web.Request) -> web.StreamResponse:
        batches = backend_of(request).batches
        record = compat.get_batch(batches, dialect, request.match_info["batch_id"], owner_of(request))
        return json_response(compat.batch_object(batches, dialect, record))

    async def cancel(request: web.Request) -> web.StreamResponse:
        batches = backend_of(request).batches
        record = compat.cancel_batch(batches, dialect, request.match_info["batch_id"], owner_of(request))
        return json_response(compat.batch_object(batches, dialect, record))

    return {"create": create, "list": listing, "retrieve": retrieve, "cancel": cancel}


def file_handlers(dialect: Dialect) -> dict[str, Handler]:
    async def create(request: web.Request) -> web.StreamResponse:
        if dialect.max_files is not None:
            backend = backend_of(request)
            count = sum(1 for r in backend.files.visible(owner_of(request), "batch") if not is_internal(r))
            if count >= dialect.max_files:
                raise InvalidRequest(
                    f"You can have at most {dialect.max_files} batch files. Delete some files to free space.",
                    param="file",
                    code="file_limit_exceeded",
                )
        return await files_routes.create_file(request)

    async def listing(request: web.Request) -> web.StreamResponse:
        query = request.query
        default = dialect.file_list_default or 10_000
        limit = query_int(query.get("limit"), "limit", 1, 10_000, default)
        order = one_of(query.get("order", "desc"), "order", ["asc", "desc"])
        records, has_more = backend_of(request).files.page(
            owner_of(request),
            purpose=query.get("purpose"),
            limit=limit,
            order=order,
            after=query.get("after"),
            where=lambda record: not is_internal(record),
        )
        return json_response(file_list_wire(records, has_more))

    async def content(request: web.Request) -> web.StreamResponse:
        backend = backend_of(request)
        file_id = request.match_info["file_id"]
        path, _size = backend.files.content_path(file_id, owner_of(request))
        record = backend.files.get(file_id, owner_of(request))
        if dialect.result_style == "unwrapped" and record["purpose"] == "batch_output":
            lines = _transformed(path, compat.unwrap_result_line)
            return await stream_response(request, lines, "application/octet-stream")
        return file_download(path)

    return {"create": create, "list": listing, "content": content}


def add_batch_routes(router: web.UrlDispatcher, prefix: str, dialect: Dialect) -> None:
    handlers = batch_handlers(dialect)
    router.add_post(f"{prefix}/batches", handlers["create"])
    router.add_get(f"{prefix}/batches", handlers["list"])
    router.add_get(f"{prefix}/batches/{{batch_id}}", handlers["retrieve"])
    router.add_post(f"{prefix}/batches/{{batch_id}}/cancel", handlers["cancel"])


def add_file_routes(router: web.UrlDispatcher, prefix: str, dialect: Dialect) -> None:
    handlers = file_handlers(dialect)
    router.add_post(f"{prefix}/files", handlers["create"])
    router.add_get(f"{prefix}/files", handlers["list"])
    router.add_get(f"{prefix}/files/{{file_id}}", files_routes.retrieve_file)
    router.add_delete(f"{prefix}/files/{{file_id}}", files_routes.delete_file)
    router.add_get(f"{prefix}/files/{{file_id}}/content", handlers["content"])


def add_routes(router: web.UrlDispatcher, prefix: str, dialect: Dialect) -> None:
    """Every route of an OpenAI-compatible dialect under `prefix`."""
    add_file_routes(router, prefix, dialect)
    add_batch_routes(router, prefix, dialect)
