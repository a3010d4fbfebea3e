"""The HTTP side of webhooks: an aiohttp client that POSTs deliveries, and `/_emulator/webhooks` to
inspect, configure and wait for them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
from yarl import URL

from emulator.admin import known_keys
from emulator.backend import Backend
from emulator.config import ADMIN_PREFIX
from emulator.engine.errors import InvalidRequest
from emulator.http.responses import backend_of, json_response
from emulator.http.routes.admin import admin_json
from emulator.webhooks.service import Sender, SendResult

USER_AGENT = "batch-emulator-webhooks/1"


def _sender(session: aiohttp.ClientSession) -> Sender:
    async def send(url: str, body: bytes, headers: dict[str, str], timeout: float) -> SendResult:
        try:
            async with session.post(
                url,
                data=body,
                headers={"user-agent": USER_AGENT, **headers},  # a delivery may name its own user-agent
                timeout=aiohttp.ClientTimeout(total=timeout),
                allow_redirects=False,
            ) as response:
                await response.read()
                return SendResult(response.status)
        except TimeoutError:
            return SendResult(None, "timeout")
        except aiohttp.ClientError as exc:
            return SendResult(None, f"{type(exc).__name__}: {exc}")

    return send


def is_http_url(text: str) -> bool:
    """Whether `text` is an absolute http(s) URL with a host."""
    try:
        url = URL(text)
    except ValueError:
        return False
    return url.scheme in ("http", "https") and bool(url.host)


def install_sender(app: web.Application, backend: Backend) -> None:
    """Open one client session for the app's lifetime and hand its sender to the webhook service."""

    async def session_ctx(app: web.Application) -> AsyncIterator[None]:
        session = aiohttp.ClientSession(trust_env=False)
        backend.webhooks.sender = _sender(session)
        yield
        backend.webhooks.sender = None
        await session.close()

    app.cleanup_ctx.append(session_ctx)


async def get_webhooks(request: web.Request) -> web.Response:
    return json_response(backend_of(request).webhooks.describe())


async def put_webhooks(request: web.Request) -> web.Response:
    """Set the endpoints (`{"endpoints": [url…]}`) and/or the secret (`{"secret": "whsec_…"}`) until the next reset
    (under --data-dir, across restarts too)."""
    backend = backend_of(request)
    body = await admin_json(request)
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    known_keys(body, ("endpoints", "secret"))
    endpoints = body.get("endpoints")
    if endpoints is not None and (
        not isinstance(endpoints, list) or not all(isinstance(url, str) and url for url in endpoints)
    ):
        raise InvalidRequest("'endpoints' must be a list of URLs.", param="endpoints")
    for url in endpoints or ():
        if not is_http_url(url):
            raise InvalidRequest(f"Webhook endpoints must be http or https URLs, got '{url}'.", param="endpoints")
    secret = body.get("secret")
    if secret is not None and not isinstance(secret, str):
        raise InvalidRequest("'secret' must be a string.", param="secret")
    try:
        backend.webhooks.configure(endpoints=endpoints, secret=secret)
    except ValueError as exc:
        raise InvalidRequest(str(exc), param="secret") from None
    return json_response(backend.webhooks.describe())


async def flush_webhooks(request: web.Request) -> web.Response:
    """Wait until every delivery attempt due by now has finished (retries that fall due meanwhile included),
    then answer with the delivery log."""
    backend = backend_of(request)
    backend.run_due()
    while backend.webhooks.in_flight():
        await backend.webhooks.drain()
        backend.run_due()
    return json_response(backend.webhooks.describe())


def setup_routes(app: web.Application, backend: Backend, prefix: str = ADMIN_PREFIX) -> None:
    install_sender(app, backend)
    app.router.add_get(f"{prefix}/webhooks", get_webhooks)
    app.router.add_put(f"{prefix}/webhooks", put_webhooks)
    app.router.add_post(f"{prefix}/webhooks/flush", flush_webhooks)
