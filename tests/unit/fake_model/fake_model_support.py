"""Shared helpers for the fake model tests: strict SDK validation and a format-aware schema validator."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from typing import Any

import jsonschema
from openai._models import validate_type

from emulator.fake_model import FakeModel

CHAT = "/v1/chat/completions"
RESPONSES = "/v1/responses"
EMBEDDINGS = "/v1/embeddings"
COMPLETIONS = "/v1/completions"
MODERATIONS = "/v1/moderations"
IMAGES = "/v1/images/generations"
IMAGE_EDITS = "/v1/images/edits"
VIDEOS = "/v1/videos"

FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo)


@FORMATS.checks("uri", raises=ValueError)
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urllib.parse.urlsplit(value)
    return bool(parts.scheme and parts.netloc)


@FORMATS.checks("time")
def _time(value: object) -> bool:
    """RFC 3339 full-time: HH:MM:SS, optional fraction, then Z or an offset."""
    return not isinstance(value, str) or bool(re.fullmatch(r"\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value))


@FORMATS.checks("hostname")
def _hostname(value: object) -> bool:
    return not isinstance(value, str) or all(label.isalnum() for label in value.split("."))


def strict(model_type: Any, body: dict[str, Any]) -> Any:
    """Validate `body` the way the SDK does with `_strict_response_validation=True`, then with pydantic strict mode.

    The first step fails on a missing required field or a value of the wrong type; the second also
    refuses values pydantic would otherwise coerce (a number sent as a string, for example).
    """
    parsed = validate_type(type_=model_type, value=body)
    model_type.model_validate(body, strict=True)
    return parsed


def validate_instance(instance: Any, schema: dict[str, Any]) -> None:
    jsonschema.validate(instance, schema, format_checker=FORMATS)


def chat_body(content: str = "Tell me about rivers", **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}], **extra}


def ok(model: FakeModel, endpoint: str, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    result = model.respond(endpoint, body, **kwargs)
    assert result.status_code == 200, result.body
    return result.body
