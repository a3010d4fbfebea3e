"""/_emulator/contract: contract mode's state and violations (GET), taking them (DELETE), switching it (PUT)."""

from __future__ import annotations

from aiohttp import web

from emulator.contract.document import DocumentError
from emulator.engine.errors import InvalidRequest
from emulator.http.responses import backend_of, json_body, json_response


async def get_contract(request: web.Request) -> web.Response:
    return json_response(backend_of(request).contract.state())


async def clear_contract(request: web.Request) -> web.Response:
    """Forget the violations; the answer lists the ones forgotten (so a reader can take them exactly once)."""
    monitor = backend_of(request).contract
    state = monitor.state()
    monitor.clear()
    return json_response(state)


async def put_contract(request: web.Request) -> web.Response:
    """`{"enabled": true|false}`: check (or stop checking) until the next reset."""
    body = await json_body(request)
    enabled = body.get("enabled") if isinstance(body, dict) else None
    if not isinstance(enabled, bool):
        raise InvalidRequest("'enabled' must be true or false.", param="enabled")
    monitor = backend_of(request).contract
    try:
        monitor.set_enabled(enabled)
    except DocumentError as exc:
        raise InvalidRequest(str(exc), param="openapi") from None
    return json_response(monitor.state())


def setup_routes(app: web.Application, prefix: str = "/_emulator") -> None:
    app.router.add_get(f"{prefix}/contract", get_contract)
    app.router.add_delete(f"{prefix}/contract", clear_contract)
    app.router.add_put(f"{prefix}/contract", put_contract)
