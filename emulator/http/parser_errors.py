"""How the server's connections answer and end outside the routes.

Requests aiohttp rejects before any handler runs (a malformed request line or header, an oversized or
NUL-carrying header, raw non-ASCII bytes in the query, broken chunked encoding) answered as JSON in the
OpenAI error envelope instead of aiohttp's plain text.

aiohttp offers no hook for these answers (aio-libs/aiohttp#3287), so the runner builds its server with a
request handler whose `handle_error` renders the envelope. The connection is closed after the answer, as
aiohttp does, since the rest of the stream cannot be trusted.
"""

from __future__ import annotations

import secrets
from http import HTTPStatus

import orjson
from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from emulator.dialects.envelopes import OPENAI_ERRORS, OPENAI_VERSION
from emulator.engine.errors import INVALID_REQUEST, EmulatorError, ServerError

MSG_BAD_HTTP = "The HTTP request could not be parsed: {detail}"
MSG_SERVER_ERROR = "The server had an error while processing your request."


def parser_error(status: int, message: str | None) -> EmulatorError:
    """The error for a request aiohttp could not parse (or a failure outside every handler)."""
    if status >= 500:
        return ServerError(MSG_SERVER_ERROR, status=status)
    detail = " ".join((message or HTTPStatus(status).phrase).split())
    return EmulatorError(MSG_BAD_HTTP.format(detail=detail), type=INVALID_REQUEST, status=status)


class EnvelopeRequestHandler(RequestHandler):
    """aiohttp's connection handler with its error answers in the OpenAI envelope."""

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        self.log_debug("Rejected request: %s %s", status, message, exc_info=exc)
        if request.writer.output_size > 0:
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        request_id = "req_" + secrets.token_hex(16)
        body = OPENAI_ERRORS.body(parser_error(status, message), request_id)
        headers = {"x-request-id": request_id, "openai-version": OPENAI_VERSION}
        response = web.Response(
            body=orjson.dumps(body), status=status, content_type="application/json", headers=headers
        )
        response.force_close()
        return response

    def skip_lingering(self) -> None:
        """End the connection after the current response instead of draining the rest of its request body."""
        self._force_close = True


def close_after_response(request: web.Request) -> None:
    """Close the connection once the response is sent, without reading (and inflating) the rest of the body.

    aiohttp otherwise keeps reading an unread body for up to 10 seconds after answering, inflating a compressed
    one as it goes; for a decompression bomb that is seconds of work on the event loop."""
    protocol = request.protocol
    if isinstance(protocol, EnvelopeRequestHandler):
        protocol.skip_lingering()


class EnvelopeServer(web.Server):
    """An aiohttp `Server` whose connections use `EnvelopeRequestHandler`."""

    def __call__(self) -> RequestHandler:
        return EnvelopeRequestHandler(self, loop=self._loop, **self._kwargs)


class EnvelopeAppRunner(web.AppRunner):
    """An `AppRunner` serving its application through an `EnvelopeServer`."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = EnvelopeServer
        return server
