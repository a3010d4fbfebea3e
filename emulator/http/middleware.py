"""Every request passes here: due transitions run, auth (API keys; the admin token on /_emulator), scenario
HTTP faults, the journal, the error envelope, and the response headers the real API sends.

Every error is rendered here, in the envelope of the dialect the request addresses (OpenAI's unless
`dialect_of` names another): the route handlers raise and never shape an error themselves. A request gets
a random id, except on a dialect whose envelope names its requests (Anthropic's `request-id`): there the id
comes from the seeded id factory, and the header, the journal entry and any error body agree. The headers
that carry it (and OpenAI's `openai-version` and `openai-processing-ms`) are the provider's own.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from emulator.config import ADMIN_PREFIX
from emulator.dialects.envelopes import OPENAI_ERRORS, ErrorEnvelope
from emulator.engine.budget import work_slice
from emulator.engine.errors import INVALID_REQUEST, MSG_INVALID_URL, EmulatorError, NotFound, ServerError
from emulator.http.access_log import log_request
from emulator.http.admin_auth import check_admin_token
from emulator.http.body import UNREADABLE_BODY_ERRORS, unreadable
from emulator.http.dialects.mounts import dialect_of
from emulator.http.faults import apply_fault
from emulator.http.parser_errors import close_after_response
from emulator.http.responses import (
    ENTRY,
    ENVELOPE,
    OWNER,
    STARTED,
    WORK_LEFT,
    backend_of,
    json_response,
    provider_headers,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PRESIGNED_PREFIX = "/_presigned/"
JOURNAL_HEADERS = ("user-agent", "x-stainless-retry-count", "x-stainless-async", "content-type", "x-emulator-scenario")


def _api_key(request: web.Request) -> str | None:
    """The key from `Authorization: Bearer <key>`, a bare `Authorization: <key>` (Netmind), or `x-api-key`."""
    header = request.headers.get("Authorization", "").strip()
    scheme, _, rest = header.partition(" ")
    if scheme.lower() == "bearer":
        header = rest.strip()  # "Bearer" with nothing after it carries no key
    if not header:
        header = request.headers.get("x-api-key", "").strip()
    return header or None


def _mask(key: str) -> str:
    return key[:3] + "*" * max(0, len(key) - 7) + key[-4:] if len(key) > 8 else "*" * len(key)


def authenticate(request: web.Request, envelope: ErrorEnvelope) -> str | None:
    """The owner the request acts for; raises the provider's 401 when the key is missing or unknown."""
    keys = backend_of(request).config.api_keys
    key = _api_key(request)
    if key is None:
        raise envelope.unauthorized(None)
    if keys and key not in keys:
        raise envelope.unauthorized(_mask(key))
    return key if keys else None


def error_response(
    exc: EmulatorError, envelope: ErrorEnvelope, request_id: str, should_retry_header: bool
) -> web.Response:
    """`exc` as a response to the request `request_id`: its status and headers, its body in `envelope`."""
    headers = dict(exc.headers)
    if should_retry_header and exc.status in (400, 404, 409) and "x-should-retry" not in headers:
        headers["x-should-retry"] = "false"
    return json_response(envelope.body(exc, request_id), status=exc.status, headers=headers)


def new_request_id(request: web.Request, envelope: ErrorEnvelope) -> str:
    """A seeded id when the envelope names its requests in a header, a random one otherwise."""
    if envelope.request_id_header is not None:
        return backend_of(request).ids.request()
    return "req_" + secrets.token_hex(16)


async def _answer(
    request: web.Request, handler: Handler, admin: bool, entry: dict[str, Any], request_id: str
) -> web.StreamResponse:
    """Run due transitions and the handler; any error becomes a response in the request's envelope."""
    backend = backend_of(request)
    envelope = request[ENVELOPE]
    response: web.StreamResponse
    try:
        backend.run_due()
        if not admin:
            presigned = request.path.startswith(PRESIGNED_PREFIX)  # the URL itself is the credential
            request[OWNER] = None if presigned else authenticate(request, envelope)
            fault = await apply_fault(request, entry)
            if fault is not None:
                response = fault
            else:
                response = await handler(request)
        else:
            check_admin_token(request, backend.config.admin_token)
            response = await handler(request)
    except EmulatorError as exc:
        response = error_response(exc, envelope, request_id, backend.config.should_retry_header)
    except UNREADABLE_BODY_ERRORS as exc:  # a body aiohttp could not decode, met by a handler reading it
        close_after_response(request)  # the rest of the stream cannot be read either
        response = error_response(unreadable(exc), envelope, request_id, False)
    except web.HTTPException as exc:
        error: EmulatorError
        if exc.status in (404, 405):
            error = NotFound(MSG_INVALID_URL.format(method=request.method, path=request.path))
        else:
            error = EmulatorError(exc.reason, type=INVALID_REQUEST, status=exc.status)
        response = error_response(error, envelope, request_id, False)
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception as exc:  # a bug: answer 500 and keep it for the test that caused it
        backend.handler_errors.append(
            {"method": request.method, "path": request.path, "error": repr(exc), "traceback": traceback.format_exc()}
        )
        error = ServerError("The server had an error while processing your request.")
        response = error_response(error, envelope, request_id, False)
    return response


@web.middleware
async def emulator_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    backend = backend_of(request)
    request[STARTED] = time.perf_counter()
    admin = request.path.startswith(ADMIN_PREFIX)
    dialect = None if admin else await dialect_of(request)
    envelope = request[ENVELOPE] = dialect.errors if dialect is not None else OPENAI_ERRORS
    request_id = new_request_id(request, envelope)
    entry: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "query": dict(request.query),
        "time": backend.clock.now(),
        "headers": {name: request.headers[name] for name in JOURNAL_HEADERS if name in request.headers},
        "status": None,
        "rule": None,
        "request_id": request_id,
    }
    request[ENTRY] = entry
    with work_slice() as own_slice:
        response = await _answer(request, handler, admin, entry, request_id)
    if own_slice.stopped:
        request.app[WORK_LEFT].set()
    if not admin:
        entry["status"] = None if entry.get("fault") == "connection_reset" else response.status
        backend.journal.add(entry)
    if not response.prepared:
        for name, value in provider_headers(request).items():
            response.headers.setdefault(name, value)
    log_request(request.method, request.path, response.status, request[STARTED], _api_key(request))
    return response
