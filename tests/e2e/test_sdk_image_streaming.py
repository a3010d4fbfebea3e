"""Streamed image generation and edits through the openai SDK: partial images then the finished one, every
event valid for the SDK's strict models, the same final image as without streaming, and a 400 for models
that cannot stream."""

from __future__ import annotations

import base64

import openai
import pytest
from openai._models import validate_type
from openai.types import (
    ImageEditCompletedEvent,
    ImageEditPartialImageEvent,
    ImageGenCompletedEvent,
    ImageGenPartialImageEvent,
)

from tests.e2e.inference_cases import PNG
from tests.support.openapi import check_schema

PROMPT = "a lighthouse at dusk"


def strict(event, model_type):
    """The event, re-validated from its JSON with the SDK's own strict machinery and checked against the
    OpenAPI schema of the same name."""
    data = event.model_dump(mode="json", exclude_unset=True)
    check_schema(data, model_type.__name__)
    return validate_type(type_=model_type, value=data)


def test_generation_streams_partial_images_then_the_final_one(client):
    events = list(
        client.images.generate(model="gpt-image-1", prompt=PROMPT, stream=True, partial_images=2, size="1024x1536")
    )
    assert [event.type for event in events] == [
        "image_generation.partial_image",
        "image_generation.partial_image",
        "image_generation.completed",
    ]
    partials = [strict(event, ImageGenPartialImageEvent) for event in events[:2]]
    final = strict(events[2], ImageGenCompletedEvent)
    assert [p.partial_image_index for p in partials] == [0, 1]
    assert {p.size for p in partials} == {"1024x1536"} and final.size == "1024x1536"
    for event in events:
        assert base64.b64decode(event.b64_json).startswith(b"\x89PNG\r\n\x1a\n")
    assert len({event.b64_json for event in events}) == 3  # each partial differs from the final image
    whole = client.images.generate(model="gpt-image-1", prompt=PROMPT, size="1024x1536")
    assert final.b64_json == whole.data[0].b64_json
    assert final.usage.input_tokens == whole.usage.input_tokens and final.usage.output_tokens > 0


def test_without_partial_images_only_the_final_event_comes(client):
    events = list(client.images.generate(model="gpt-image-1", prompt=PROMPT, stream=True))
    assert [event.type for event in events] == ["image_generation.completed"]


def test_edits_stream_their_own_event_types(client):
    events = list(
        client.images.edit(
            model="gpt-image-1", image=("in.png", PNG, "image/png"), prompt=PROMPT, stream=True, partial_images=1
        )
    )
    assert [event.type for event in events] == ["image_edit.partial_image", "image_edit.completed"]
    strict(events[0], ImageEditPartialImageEvent)
    strict(events[1], ImageEditCompletedEvent)


def test_models_that_cannot_stream_are_refused(client):
    with pytest.raises(openai.BadRequestError) as info:
        client.images.generate(model="dall-e-3", prompt=PROMPT, stream=True)
    assert info.value.body["param"] == "stream"


async def test_the_async_client_streams_too(batch_emulator):
    client = batch_emulator.async_openai(max_retries=0)
    stream = await client.images.generate(model="gpt-image-1", prompt=PROMPT, stream=True, partial_images=1)
    kinds = [event.type async for event in stream]
    assert kinds == ["image_generation.partial_image", "image_generation.completed"]
    await client.close()
