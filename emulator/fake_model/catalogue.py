"""Facts about model names: the default catalogue, embedding sizes, context windows, reasoning models."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# Fixed `created` times keep GET /v1/models deterministic.
_CATALOGUE_CREATED = 1_700_000_000

DEFAULT_MODELS: tuple[str, ...] = (
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "o1",
    "o3",
    "o3-mini",
    "o4-mini",
    "gpt-3.5-turbo",
    "gpt-3.5-turbo-instruct",
    "text-embedding-3-small",
    "text-embedding-3-large",
    "text-embedding-ada-002",
    "omni-moderation-latest",
    "text-moderation-latest",
    "gpt-image-1",
    "dall-e-2",
    "dall-e-3",
    "sora-2",
    "sora-2-pro",
)

NATIVE_EMBEDDING_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
DEFAULT_EMBEDDING_DIMENSIONS = 1536
# Models that refuse the `dimensions` parameter.
FIXED_DIMENSION_MODELS = frozenset({"text-embedding-ada-002"})

DEFAULT_MODERATION_MODEL = "omni-moderation-latest"
DEFAULT_IMAGE_MODEL = "dall-e-2"
DEFAULT_VIDEO_MODEL = "sora-2"

_CONTEXT_WINDOWS = (
    ("gpt-4.1", 1_047_576),
    ("gpt-5", 400_000),
    ("o1-mini", 128_000),
    ("o1", 200_000),
    ("o3", 200_000),
    ("o4", 200_000),
    ("gpt-4o", 128_000),
    ("gpt-4-turbo", 128_000),
    ("gpt-4", 8_192),
    ("gpt-3.5-turbo-instruct", 4_096),
    ("gpt-3.5", 16_385),
)
DEFAULT_CONTEXT_WINDOW = 128_000


@lru_cache(maxsize=1024)
def is_reasoning_model(name: str) -> bool:
    """o-series (o1, o3, o4-mini, ...) and gpt-5 family models think before answering."""
    lowered = name.lower()
    if lowered.startswith("gpt-5"):
        return not lowered.startswith("gpt-5-chat")
    return len(lowered) > 1 and lowered[0] == "o" and lowered[1].isdigit()


@lru_cache(maxsize=1024)
def context_window(name: str) -> int:
    """Prompt plus completion tokens the model accepts."""
    lowered = name.lower()
    for prefix, window in _CONTEXT_WINDOWS:
        if lowered.startswith(prefix):
            return window
    return DEFAULT_CONTEXT_WINDOW


def owner_of(name: str) -> str:
    return "openai" if name.startswith(("gpt-5", "o3", "o4", "gpt-4.1", "gpt-image", "sora")) else "system"


def model_entries(names: tuple[str, ...]) -> list[dict[str, Any]]:
    """`GET /v1/models` entries for `names`, with deterministic `created` times."""
    return [
        {"id": name, "object": "model", "created": _CATALOGUE_CREATED + 86_400 * index, "owned_by": owner_of(name)}
        for index, name in enumerate(names)
    ]
