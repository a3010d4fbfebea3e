"""The checks of image requests: sizes, qualities and counts per model, and the references of an edit.

Image options are checked against the values the model takes where the OpenAPI document names them for that
model; a model it does not describe keeps only the checks every model shares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from emulator.engine.errors import InvalidRequest, invalid_type
from emulator.fake_model.validation.fields import (
    FieldCheck,
    array_too_long,
    check_bool,
    check_choice,
    check_int,
    choices,
    ints,
    non_empty_list,
    objects_in,
)

# The sizes a model takes where the OpenAPI document lists them (gpt-image-2 takes any WIDTHxHEIGHT within limits
# not checked here, so it has no entry), and, for a body that names no model, every size the endpoint's enum lists.
_GPT_IMAGE_SIZES = ("1024x1024", "1024x1536", "1536x1024", "auto")
IMAGE_SIZES: dict[str, tuple[str, ...]] = {
    "dall-e-2": ("256x256", "512x512", "1024x1024"),
    "dall-e-3": ("1024x1024", "1024x1792", "1792x1024"),
    **dict.fromkeys(("gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5"), _GPT_IMAGE_SIZES),
}
GENERATION_SIZES = ("auto", "1024x1024", "1536x1024", "1024x1536", "256x256", "512x512", "1792x1024", "1024x1792")
EDIT_SIZES = ("256x256", "512x512", "1024x1024", "1536x1024", "1024x1536", "auto")
GPT_IMAGE_MODELS = frozenset(
    {"gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2", "gpt-image-2-2026-04-21"}
)
GPT_IMAGE_QUALITIES = ("low", "medium", "high", "auto")
GENERATION_QUALITIES = ("standard", "hd", "low", "medium", "high", "auto")
EDIT_QUALITIES = ("standard", "low", "medium", "high", "auto")
MAX_EDIT_IMAGES = 16


def _image_sizes(without_model: Sequence[str]) -> FieldCheck:
    """`size`: one the model takes where the document lists them, one the endpoint lists when no model is named."""

    def check(body: Mapping[str, Any], name: str) -> None:
        model = body.get("model")
        options = without_model if model is None else IMAGE_SIZES.get(model)
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise invalid_type(name, "a string", value)
        if options is not None:
            check_choice(body, name, options)

    return check


def _image_qualities(options: Sequence[str]) -> FieldCheck:
    """`quality`: one the endpoint lists, narrowed to the GPT image qualities for a GPT image model."""
    return lambda body, name: check_choice(
        body, name, GPT_IMAGE_QUALITIES if body.get("model") in GPT_IMAGE_MODELS else options
    )


def _image_count(body: Mapping[str, Any], name: str) -> None:
    check_int(body, name, 1, 10)
    if body.get("model") == "dall-e-3" and body.get(name) not in (None, 1):
        raise InvalidRequest("You must provide n=1 for this model.")


def _image_references(body: Mapping[str, Any], name: str) -> None:
    if body.get(name) is None:
        return
    references = non_empty_list(body, name)
    if len(references) > MAX_EDIT_IMAGES:
        raise array_too_long(name, MAX_EDIT_IMAGES, len(references))
    for _path, _reference in objects_in(references, name, "an object"):
        pass  # each reference is an object


_IMAGE_FIELDS: dict[str, FieldCheck] = {
    "n": _image_count,
    "response_format": choices("url", "b64_json"),
    "output_format": choices("png", "jpeg", "webp"),
    "output_compression": ints(0, 100),
    "background": choices("transparent", "opaque", "auto"),
    "moderation": choices("low", "auto"),
    "partial_images": ints(0, 3),
    "stream": check_bool,
}
GENERATION_FIELDS: dict[str, FieldCheck] = {
    **_IMAGE_FIELDS,
    "size": _image_sizes(GENERATION_SIZES),
    "quality": _image_qualities(GENERATION_QUALITIES),
    "style": choices("vivid", "natural"),
}
EDIT_FIELDS: dict[str, FieldCheck] = {
    **_IMAGE_FIELDS,
    "size": _image_sizes(EDIT_SIZES),
    "quality": _image_qualities(EDIT_QUALITIES),
    "input_fidelity": choices("high", "low"),
    "images": _image_references,
}
