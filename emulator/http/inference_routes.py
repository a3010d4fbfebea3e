"""The fake model served synchronously: /v1/chat/completions, /v1/completions, /v1/embeddings,
/v1/responses, /v1/moderations, images, videos, and /v1/models."""

from __future__ import annotations

from aiohttp import web


def setup_routes(app: web.Application, prefix: str = "/v1") -> None:
    """Register the inference routes (filled in by the synchronous endpoints work)."""
