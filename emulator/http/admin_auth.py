"""The admin token: when the server has one, every `/_emulator` request must carry it as
`Authorization: Bearer <token>` (the dashboard page may be opened with `?token=<token>`), or it is answered 401
in the OpenAI envelope."""

from __future__ import annotations

import hmac

from aiohttp import web

from emulator.engine.errors import Unauthorized

MSG_ADMIN_TOKEN = (
    "This emulator's admin API needs its admin token: send it in an Authorization header using Bearer auth "
    "(i.e. Authorization: Bearer ADMIN_TOKEN)."
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
DASHBOARD_PAGE = "/_emulator/ui"


def _given_token(request: web.Request) -> str | None:
    """The token a request carries: its Bearer header, or, for opening the dashboard page in a browser (which
    cannot add a header to an address), `?token=` (the page then sends it as a header on every call)."""
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer":
        return given.strip()
    if request.method == "GET" and request.path.rstrip("/") == DASHBOARD_PAGE:
        return request.query.get("token")
    return None


def check_admin_token(request: web.Request, token: str | None) -> None:
    """Raise the 401 unless `token` is None or the request carries it."""
    if token is None:
        return
    given = _given_token(request)
    if given is None or not hmac.compare_digest(given.encode(), token.encode()):
        raise Unauthorized(MSG_ADMIN_TOKEN, code="invalid_admin_token", headers={"WWW-Authenticate": "Bearer"})


def open_admin_warning(host: str, token: str | None) -> str | None:
    """The warning to print when the admin API listens beyond this machine without a token."""
    if token is not None or host in LOOPBACK_HOSTS or host.startswith("127."):
        return None
    return (
        f"WARNING: serving on {host} without --admin-token: anyone who can reach this port can read every "
        "tenant's files and batches, change the clock and reset the emulator through /_emulator. "
        "Set --admin-token (or BATCH_EMULATOR_ADMIN_TOKEN)."
    )
