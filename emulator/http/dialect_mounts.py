"""Mounts the other providers' dialects at their prefixes (and one at the root with `serve --dialect`)."""

from __future__ import annotations

from aiohttp import web

from ..backend import Backend


def setup_routes(app: web.Application, backend: Backend) -> None:
    """Register every dialect's routes (filled in by the dialects work)."""
