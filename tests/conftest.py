"""Shared helpers for the test suite; the emulator fixtures come from the project's own pytest plugin."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import settings

from tests.support.webhooks import Receiver, running_receiver

# Property tests draw the same examples on every run, so a red CI run always reproduces;
# `pytest --hypothesis-profile=explore` draws fresh ones to hunt for new failures.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("repeatable")


def chat_line(custom_id: str, text: str = "Say hello", model: str = "gpt-4o-mini", **body: Any) -> dict[str, Any]:
    """One batch input line for /v1/chat/completions."""
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": model, "messages": [{"role": "user", "content": text}], **body},
    }


def jsonl(lines: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)


def chat_batch_file(n: int, prefix: str = "req") -> bytes:
    return jsonl([chat_line(f"{prefix}-{i}", f"Question number {i}") for i in range(n)])


def mixed_chat_batch_file(count: int, topic: str) -> bytes:
    """`count` chat lines of varied `max_tokens`, every 97th of which the model refuses (`n` 0: an error line)."""
    lines = []
    for i in range(count):
        options: dict[str, Any] = {"max_tokens": 5 + i % 40}
        if i % 97 == 0:
            options["n"] = 0
        lines.append(chat_line(f"req-{i}", f"Question {i} about {topic}", **options))
    return jsonl(lines) + b"\n"


def parse_jsonl(data: bytes) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in data.splitlines() if line.strip()]


@pytest.fixture
def client(batch_emulator: Any) -> Iterator[Any]:
    """A strict sync openai client against the test's emulator."""
    yield batch_emulator.openai(max_retries=0)


@pytest.fixture
def upload_batch_file(client: Any) -> Any:
    """Upload JSONL bytes as a batch input file and return the file object."""

    def upload(data: bytes, filename: str = "input.jsonl") -> Any:
        return client.files.create(file=(filename, io.BytesIO(data)), purpose="batch")

    return upload


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 that keeps every POST and answers as scripted."""
    with running_receiver() as state:
        yield state
