"""Every dialect the emulator speaks, by name, with its documented limits (DIALECTS.md)."""

from __future__ import annotations

from emulator.config import MB
from emulator.dialects.base import DAY, Dialect
from emulator.dialects.envelopes import ANTHROPIC_ERRORS, MISTRAL_ERRORS

GB = 1024 * MB

GROQ = Dialect(
    name="groq",
    title="Groq",
    prefix="/groq/openai/v1",
    root="/openai/v1",
    endpoints=("/v1/chat/completions",),
    limits={"batch_max_bytes": 100 * MB},
    max_window_seconds=7 * DAY,
)
NEBIUS = Dialect(
    name="nebius",
    title="Nebius AI Studio",
    prefix="/nebius/v1",
    root="/v1",
    endpoints=("/v1/chat/completions", "/v1/embeddings"),
    limits={"batch_max_requests": 5_000_000, "batch_max_bytes": 10 * GB},
    list_default=10,
    file_list_default=10,
    max_active_batches=500,
    max_files=500,
    extensions=("override_settings",),
    result_style="unwrapped",
)
INFERENCE_NET = Dialect(
    name="inference-net",
    title="Inference.net",
    prefix="/inference-net/v1",
    root="/v1",
    endpoints=("/v1/chat/completions", "/v1/completions"),
    extensions=("webhook_url",),
)
NETMIND = Dialect(
    name="netmind",
    title="Netmind",
    prefix="/netmind/inference-api/openai/v1",
    root="/inference-api/openai/v1",
    endpoints=("/v1/chat/completions",),
    limits={"batch_max_bytes": 100 * MB},
    sparse_create=True,
    native_files=True,
)
NERIF = Dialect(
    name="nerif",
    title="Nerif",
    prefix="/nerif/v1",
    root="/v1",
    endpoints=("/v1/chat/completions", "/v1/embeddings", "/v1/completions"),
    lines_follow_endpoint=True,
)
ANTHROPIC = Dialect(
    name="anthropic",
    title="Anthropic Message Batches",
    prefix="/anthropic/v1",
    root="/v1",
    limits={"batch_max_requests": 100_000, "batch_max_bytes": 256 * MB},
    list_default=20,
    list_max=1000,
    errors=ANTHROPIC_ERRORS,
)
MISTRAL = Dialect(
    name="mistral",
    title="Mistral",
    prefix="/mistral/v1",
    root="/v1",
    endpoints=("/v1/chat/completions", "/v1/embeddings", "/v1/moderations"),
    limits={"batch_max_requests": 100_000, "batch_max_bytes": 512 * MB},
    list_default=100,
    list_max=10_000,
    errors=MISTRAL_ERRORS,
)

COMPATIBLE = (GROQ, NEBIUS, INFERENCE_NET, NETMIND, NERIF)
DIALECTS = {d.name: d for d in (*COMPATIBLE, ANTHROPIC, MISTRAL)}
DIALECT_NAMES = tuple(DIALECTS)
