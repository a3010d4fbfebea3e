"""The admin token: when the server has one, every `/_emulator` request must carry it as
`Authorization: Bearer <token>`, or it is answered 401 in the OpenAI envelope."""

from __future__ import annotations

import hmac

from aiohttp import web

from emulator.engine.errors import Unauthorized

MSG_ADMIN_TOKEN = (
    "This emulator's admin API needs its admin token: send it in an Authorization header using Bearer auth "
    "(i.e. Authorization: Bearer ADMIN_TOKEN)."
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def check_admin_token(request: web.Request, token: str | None) -> None:
    """Raise the 401 unless `token` is None or the request carries it."""
    if token is None:
        return
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
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
