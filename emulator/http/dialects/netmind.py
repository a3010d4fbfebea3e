"""Netmind's native Files API (`/netmind/v1/files`, JSON registration + presigned PUT) and the presigned
URLs themselves (`/_presigned/<token>`, no key needed)."""

from __future__ import annotations

from aiohttp import web

from emulator.dialects.compat import netmind
from emulator.engine.errors import InvalidRequest
from emulator.http.public_url import public_origin
from emulator.http.responses import CHUNK, backend_of, file_download, json_body, json_response, owner_of


def _url(request: web.Request, token: str) -> str:
    return f"{public_origin(request)}{netmind.PRESIGNED_PATH}{token}"


async def register_file(request: web.Request) -> web.Response:
    grant = netmind.register(backend_of(request).presigned, await json_body(request), owner_of(request))
    return json_response({"id": grant["id"], "presigned_url": _url(request, grant["token"])})


async def list_files(request: web.Request) -> web.Response:
    return json_response(netmind.list_files(backend_of(request).presigned, owner_of(request)))


async def retrieve_file(request: web.Request) -> web.Response:
    return json_response(
        netmind.file_object(backend_of(request).presigned, request.match_info["file_id"], owner_of(request))
    )


async def delete_file(request: web.Request) -> web.Response:
    return json_response(
        netmind.delete(backend_of(request).presigned, request.match_info["file_id"], owner_of(request))
    )


async def download_url(request: web.Request) -> web.Response:
    token = backend_of(request).presigned.download_token(request.match_info["file_id"], owner_of(request))
    return json_response({"presigned_url": _url(request, token)})


async def presigned_put(request: web.Request) -> web.Response:
    presigned = backend_of(request).presigned
    entry, pending = presigned.begin_upload(request.match_info["token"])
    try:
        while chunk := await request.content.read(CHUNK):
            pending.write(chunk)
    except BaseException:
        pending.writer.abort()
        raise
    if pending.writer.size == 0:
        pending.writer.abort()
        raise InvalidRequest("The uploaded file is empty.", param="file")
    presigned.finish_upload(entry, pending)
    return web.Response(status=200)


async def presigned_get(request: web.Request) -> web.StreamResponse:
    backend = backend_of(request)
    grant = backend.presigned.granted(request.match_info["token"], "download")
    path, _size = backend.files.content_path(grant["file_id"], grant["owner"])
    return file_download(path)


def add_native_file_routes(router: web.UrlDispatcher, prefix: str) -> None:
    router.add_post(f"{prefix}/files", register_file)
    router.add_get(f"{prefix}/files", list_files)
    router.add_get(f"{prefix}/files/{{file_id}}", retrieve_file)
    router.add_delete(f"{prefix}/files/{{file_id}}", delete_file)
    router.add_get(f"{prefix}/files/{{file_id}}/presigned_url", download_url)


def add_presigned_routes(router: web.UrlDispatcher) -> None:
    router.add_put(netmind.PRESIGNED_PATH + "{token}", presigned_put)
    router.add_get(netmind.PRESIGNED_PATH + "{token}", presigned_get)
