"""One request body per inference endpoint, how the openai SDK sends it, and how its answer is checked.

Shared by the synchronous and the batch tests, so both prove the same thing about the same bodies.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pydantic
from openai._models import validate_type
from openai.types import Completion, CreateEmbeddingResponse, ImagesResponse, Model, ModerationCreateResponse, Video
from openai.types.chat import ChatCompletion
from openai.types.responses import Response

from emulator.fake_model.media import tiny_png
from tests.support.openapi import check_schema

PNG = tiny_png(200, 40, 90)
PNG_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()
# The SDK marks the video API as scheduled to close; tests that send videos ignore that warning.
IGNORE_VIDEO_DEPRECATION = "ignore:The Sora API:DeprecationWarning"
# Keys whose values depend on the custom_id or on the time, not on the body.
VOLATILE = frozenset({"id", "call_id", "created", "created_at", "completed_at", "expires_at"})
# Fields the real API sends that neither the SDK type nor the OpenAPI document declares.
UNDECLARED_BUT_SENT = {"Response": frozenset({"store"})}


@dataclass(frozen=True)
class Job:
    """How to follow an endpoint that answers with a queued job: the job is finished `seconds` virtual seconds
    after create, and `retrieve` fetches it again. Every create queues a new job under a new id."""

    seconds: float
    retrieve: Callable[[Any, str], Any]  # (client, id) -> raw response


@dataclass(frozen=True)
class Case:
    """An endpoint, a body for it, the SDK call that sends that body, the SDK type and OpenAPI schema of the answer,
    and for an endpoint that queues jobs (videos), how to follow the job."""

    endpoint: str
    body: dict[str, Any]
    send: Callable[[Any, dict[str, Any]], Any]  # (client, body) -> raw response (awaitable for async clients)
    sdk_type: type[pydantic.BaseModel]
    schema: str
    job: Job | None = None


def _image_edit(client: Any, body: dict[str, Any]) -> Any:
    """The SDK sends image edits as multipart: the image goes up as a file, not as the JSON data URL."""
    fields = {key: value for key, value in body.items() if key != "images"}
    return client.images.with_raw_response.edit(image=("input.png", PNG, "image/png"), **fields)


CASES: dict[str, Case] = {
    "chat": Case(
        "/v1/chat/completions",
        {
            "model": "gpt-4o-mini",
            "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a colour."}],
            "n": 2,
            "logprobs": True,
            "top_logprobs": 2,
        },
        lambda c, b: c.chat.completions.with_raw_response.create(**b),
        ChatCompletion,
        "CreateChatCompletionResponse",
    ),
    "chat_tools": Case(
        "/v1/chat/completions",
        {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "What is the weather in Oslo?"}],
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "parameters": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                            "required": ["city", "days"],
                            "additionalProperties": False,
                        },
                        "strict": True,
                    },
                }
            ],
            "tool_choice": "required",
        },
        lambda c, b: c.chat.completions.with_raw_response.create(**b),
        ChatCompletion,
        "CreateChatCompletionResponse",
    ),
    "completions": Case(
        "/v1/completions",
        {"model": "gpt-3.5-turbo-instruct", "prompt": ["Once upon a time", "In a galaxy"], "max_tokens": 12},
        lambda c, b: c.completions.with_raw_response.create(**b),
        Completion,
        "CreateCompletionResponse",
    ),
    "embeddings": Case(
        "/v1/embeddings",
        {"model": "text-embedding-3-small", "input": ["alpha", "beta"], "dimensions": 64, "encoding_format": "float"},
        lambda c, b: c.embeddings.with_raw_response.create(**b),
        CreateEmbeddingResponse,
        "CreateEmbeddingResponse",
    ),
    "responses": Case(
        "/v1/responses",
        {"model": "gpt-4o-mini", "instructions": "Be brief.", "input": "Write a haiku about rain."},
        lambda c, b: c.responses.with_raw_response.create(**b),
        Response,
        "Response",
    ),
    "moderations": Case(
        "/v1/moderations",
        {"model": "omni-moderation-latest", "input": ["I will kill you", "What a lovely day"]},
        lambda c, b: c.moderations.with_raw_response.create(**b),
        ModerationCreateResponse,
        "CreateModerationResponse",
    ),
    "image_generations": Case(
        "/v1/images/generations",
        {"model": "dall-e-2", "prompt": "a red fox in snow", "n": 2, "response_format": "b64_json"},
        lambda c, b: c.images.with_raw_response.generate(**b),
        ImagesResponse,
        "ImagesResponse",
    ),
    "image_edits": Case(
        "/v1/images/edits",
        {"model": "gpt-image-1", "prompt": "add a small hat", "images": [{"image_url": PNG_URL}], "n": 1},
        _image_edit,
        ImagesResponse,
        "ImagesResponse",
    ),
    "videos": Case(
        "/v1/videos",
        {"model": "sora-2", "prompt": "waves on a beach", "seconds": "8", "size": "1280x720"},
        lambda c, b: c.videos.with_raw_response.create(**b),
        Video,
        "VideoResource",
        Job(8, lambda c, video_id: c.videos.with_raw_response.retrieve(video_id)),
    ),
}


def _models_in(value: Any) -> Iterator[pydantic.BaseModel]:
    if isinstance(value, pydantic.BaseModel):
        yield value
        for name in type(value).model_fields:
            yield from _models_in(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _models_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _models_in(item)


def check_answer(body: Any, sdk_type: type[pydantic.BaseModel], schema: str) -> Any:
    """Parse `body` as the SDK does under strict validation, reject fields the SDK does not declare, and check
    it against the OpenAPI schema. Returns the parsed object."""
    parsed = validate_type(type_=sdk_type, value=body)
    assert sdk_type.model_validate(body) == parsed
    for model in _models_in(parsed):
        extra = set(model.model_extra or ()) - UNDECLARED_BUT_SENT.get(type(model).__name__, frozenset())
        assert not extra, f"{type(model).__name__} has undeclared fields {sorted(extra)}"
    check_schema(body, schema)
    return parsed


def finished_answer(client: Any, batch_emulator: Any, case: Case) -> Any:
    """The JSON the synchronous endpoint answers for the case's body; for a queued job, the job once finished."""
    answer = case.send(client, case.body).http_response.json()
    if case.job is None:
        return answer
    batch_emulator.advance(case.job.seconds)
    return case.job.retrieve(client, answer["id"]).http_response.json()


def check_model_entry(body: Any) -> Model:
    return check_answer(body, Model, "Model")


def content_of(body: Any) -> Any:
    """`body` without the values that depend on the custom_id or the clock."""
    if isinstance(body, dict):
        return {key: content_of(value) for key, value in body.items() if key not in VOLATILE}
    if isinstance(body, list):
        return [content_of(item) for item in body]
    return body
