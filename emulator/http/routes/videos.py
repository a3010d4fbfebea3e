"""/v1/videos: create (JSON or multipart) and remix jobs, retrieve, list, delete, and download their assets."""

from __future__ import annotations

from aiohttp import web

from emulator.dialects.openai.videos import video_deleted_wire, video_list_wire, video_wire
from emulator.engine.params import one_of, query_int
from emulator.http.forms import form_body
from emulator.http.responses import backend_of, json_response, owner_of

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


async def create_video(request: web.Request) -> web.Response:
    backend = backend_of(request)
    record = backend.videos.create(await form_body(request), owner_of(request))
    return json_response(video_wire(record, backend.clock.now()))


async def remix_video(request: web.Request) -> web.Response:
    backend = backend_of(request)
    record = backend.videos.remix(request.match_info["video_id"], await form_body(request), owner_of(request))
    return json_response(video_wire(record, backend.clock.now()))


async def list_videos(request: web.Request) -> web.Response:
    query = request.query
    limit = query_int(query.get("limit"), "limit", 0, MAX_LIMIT, DEFAULT_LIMIT)
    order = one_of(query.get("order", "desc"), "order", ["asc", "desc"])
    backend = backend_of(request)
    records, has_more = backend.videos.page(owner_of(request), limit=limit, order=order, after=query.get("after"))
    return json_response(video_list_wire(records, has_more, backend.clock.now()))


async def retrieve_video(request: web.Request) -> web.Response:
    backend = backend_of(request)
    record = backend.videos.get(request.match_info["video_id"], owner_of(request))
    return json_response(video_wire(record, backend.clock.now()))


async def delete_video(request: web.Request) -> web.Response:
    record = backend_of(request).videos.delete(request.match_info["video_id"], owner_of(request))
    return json_response(video_deleted_wire(record["id"]))


async def video_content(request: web.Request) -> web.Response:
    variant = request.query.get("variant", "video")
    asset = backend_of(request).videos.asset(request.match_info["video_id"], owner_of(request), variant)
    return web.Response(body=asset.data, content_type=asset.content_type)


def setup_routes(app: web.Application, prefix: str = "/v1") -> None:
    app.router.add_post(f"{prefix}/videos", create_video)
    app.router.add_get(f"{prefix}/videos", list_videos)
    app.router.add_get(f"{prefix}/videos/{{video_id}}", retrieve_video)
    app.router.add_delete(f"{prefix}/videos/{{video_id}}", delete_video)
    app.router.add_get(f"{prefix}/videos/{{video_id}}/content", video_content)
    app.router.add_post(f"{prefix}/videos/{{video_id}}/remix", remix_video)
