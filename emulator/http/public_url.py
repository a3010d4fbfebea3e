"""The origin (scheme, host, port) of the URLs the emulator hands out: presigned and signed download URLs,
Anthropic's `results_url`. It comes from configuration (`--public-url`), by default the address the request
arrived on (the listening socket's own address), never from the client's `Host` header."""

from __future__ import annotations

from aiohttp import web

from emulator.http.responses import backend_of


def public_origin(request: web.Request) -> str:
    """`--public-url` without a trailing slash, else `http://<local address>:<port>` of the connection."""
    config = backend_of(request).config
    if config.public_url:
        return config.public_url.rstrip("/")
    sockname = request.transport.get_extra_info("sockname") if request.transport is not None else None
    host, port = (str(sockname[0]), int(sockname[1])) if sockname else (config.host, config.port)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
