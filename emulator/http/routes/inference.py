"""The fake model served synchronously: /v1/chat/completions, /v1/completions, /v1/embeddings,
/v1/responses, /v1/moderations, /v1/images/generations, /v1/images/edits, and /v1/models.

Each route hands the body to the same `FakeModel.respond` a batch line goes through (without a
custom_id), so a body answers the same here as in a batch. Request errors travel as `EmulatorError`s
to the middleware's error envelope. `stream: true` answers chat completions, completions, responses
and gpt-image images as server-sent events: `data: <json>` lines, chat and completions ending in
`data: [DONE]`, responses and image events also naming their type in an `event:` line. Image edits
accept the multipart form the SDK sends (see `forms`). Videos are jobs with a lifecycle of their own,
served by `videos_routes`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import orjson
from aiohttp import web

from emulator.engine.errors import NotFound
from emulator.fake_model.streaming import completion_chunks
from emulator.fake_model.validation.endpoints import (
    CHAT,
    COMPLETIONS,
    EMBEDDINGS,
    IMAGE_EDITS,
    IMAGE_GENERATIONS,
    MODERATIONS,
    RESPONSES,
)
from emulator.http.forms import form_body
from emulator.http.responses import backend_of, json_body, json_response, large_json_response, provider_headers

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
JSON_ENDPOINTS = (CHAT, COMPLETIONS, EMBEDDINGS, RESPONSES, MODERATIONS, IMAGE_GENERATIONS)
FORM_ENDPOINTS = (IMAGE_EDITS,)
SSE_HEADERS = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}
DONE = b"data: [DONE]\n\n"
LARGE_REQUEST_ITEMS = 64  # a body with more inputs or prompts than this is answered in pieces, never in one go


# ---- answers ------------------------------------------------------------------------------------


async def _send_events(
    request: web.Request, events: Iterable[dict[str, Any]], *, named: bool, done: bool
) -> web.StreamResponse:
    response = web.StreamResponse(status=200, headers={**SSE_HEADERS, **provider_headers(request)})
    await response.prepare(request)
    for event in events:
        head = b"event: " + str(event["type"]).encode() + b"\n" if named else b""
        await response.write(head + b"data: " + orjson.dumps(event) + b"\n\n")
    if done:
        await response.write(DONE)
    await response.write_eof()
    return response


def _include_usage(body: Mapping[str, Any]) -> bool:
    options = body.get("stream_options")
    return isinstance(options, Mapping) and options.get("include_usage") is True


def _large(body: Any) -> bool:
    """Whether a body asks for many answers at once (a long list of inputs or prompts)."""
    if not isinstance(body, Mapping) or body.get("stream") is True:
        return False
    value = body.get("input", body.get("prompt"))
    return isinstance(value, list) and len(value) > LARGE_REQUEST_ITEMS


def answer(endpoint: str, read: Callable[[web.Request], Awaitable[Any]]) -> Handler:
    """A handler that answers `endpoint` from the fake model, streamed when the body asks for it."""

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await read(request)
        backend = backend_of(request)
        created = int(backend.clock.now())
        streaming = isinstance(body, Mapping) and body.get("stream") is True
        if streaming and endpoint != COMPLETIONS:
            events = backend.model.stream_events(endpoint, body, created=created)
            named = endpoint in (RESPONSES, IMAGE_GENERATIONS, IMAGE_EDITS)
            return await _send_events(request, events, named=named, done=endpoint == CHAT)
        if _large(body):
            # validated on a worker thread (the loop keeps turning), then computed and sent in pieces, in slices
            result = await asyncio.to_thread(backend.model.respond_lazily, endpoint, body, created=created)
            if not result.ok:
                raise result.error()
            return await large_json_response(request, result.body)
        result = backend.model.respond(endpoint, body, created=created)
        if not result.ok:
            raise result.error()
        if streaming:
            chunks = completion_chunks(result.body, include_usage=_include_usage(body))
            return await _send_events(request, chunks, named=False, done=True)
        return json_response(result.body)

    return handle


# ---- models -------------------------------------------------------------------------------------


async def list_models(request: web.Request) -> web.Response:
    return json_response({"object": "list", "data": backend_of(request).model.list_models()})


async def retrieve_model(request: web.Request) -> web.Response:
    model_id = request.match_info["model_id"]
    for entry in backend_of(request).model.list_models():
        if entry["id"] == model_id:
            return json_response(entry)
    raise NotFound(f"The model '{model_id}' does not exist", param="model", code="model_not_found")


def setup_routes(app: web.Application, prefix: str = "/v1") -> None:
    """Register the inference routes and the model catalogue under `prefix`."""
    for endpoint in JSON_ENDPOINTS:
        app.router.add_post(prefix + endpoint.removeprefix("/v1"), answer(endpoint, json_body))
    for endpoint in FORM_ENDPOINTS:
        app.router.add_post(prefix + endpoint.removeprefix("/v1"), answer(endpoint, form_body))
    app.router.add_get(f"{prefix}/models", list_models)
    app.router.add_get(f"{prefix}/models/{{model_id:.+}}", retrieve_model)
