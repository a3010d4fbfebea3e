"""What the checks share: the client, the waiter, the inputs they upload and what earlier checks found, plus the
small assertions every check uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from emulator.conformance.client import Answer, ConformanceClient
from emulator.conformance.waiting import Waiter

CHAT_ENDPOINT = "/v1/chat/completions"
INPUT_LINES = 3
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


class CheckFailed(AssertionError):
    """The server broke a promise; the message says which."""


class CheckSkipped(Exception):
    """The check does not apply (e.g. the server does not offer the Uploads API)."""


def expect(condition: object, detail: str) -> None:
    if not condition:
        raise CheckFailed(detail)


def expect_status(answer: Answer, status: int, what: str) -> Any:
    """The answer's JSON when it has `status`; CheckFailed naming `what` otherwise."""
    if answer.status != status:
        raise CheckFailed(f"{what}: expected HTTP {status}, got {answer.status} {answer.body[:200]!r}")
    return answer.json


def expect_error(answer: Answer, status: int, what: str) -> dict[str, Any]:
    """The `error` object of an error answer with `status` and the OpenAI envelope (message and type strings)."""
    expect_status(answer, status, what)
    error = answer.error()
    expect(error is not None, f"{what}: the {status} answer has no error envelope: {answer.body[:200]!r}")
    assert error is not None
    expect(
        isinstance(error.get("message"), str) and isinstance(error.get("type"), str),
        f"{what}: the error envelope lacks a message or type: {error}",
    )
    return error


def chat_line(custom_id: str, question: str) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": CHAT_ENDPOINT,
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}], "max_tokens": 16},
    }


def jsonl(lines: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)


def upload_form(data: bytes, filename: str, purpose: str = "batch") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("purpose", purpose)
    form.add_field("file", data, filename=filename, content_type="application/jsonl")
    return form


@dataclass
class Context:
    """The state of one run."""

    client: ConformanceClient
    waiter: Waiter
    nonce: str
    input_file: dict[str, Any] | None = None
    extra_files: list[dict[str, Any]] = field(default_factory=list)
    batch: dict[str, Any] | None = None
    batch_statuses: list[str] = field(default_factory=list)
    output_lines: list[dict[str, Any]] = field(default_factory=list)
    error_lines: list[dict[str, Any]] = field(default_factory=list)
    other_batch_ids: list[str] = field(default_factory=list)

    @property
    def custom_ids(self) -> list[str]:
        return [f"conformance-{self.nonce}-{i}" for i in range(1, INPUT_LINES + 1)]

    def input_data(self) -> bytes:
        return jsonl([chat_line(custom_id, f"Question {i}") for i, custom_id in enumerate(self.custom_ids, 1)])

    def need_input(self) -> dict[str, Any]:
        if self.input_file is None:
            raise CheckSkipped("needs the file that files.upload uploads")
        return self.input_file

    def need_batch(self) -> dict[str, Any]:
        if self.batch is None:
            raise CheckSkipped("needs the batch that batches.lifecycle runs")
        return self.batch

    async def upload(self, data: bytes, filename: str) -> Answer:
        return await self.client.call("POST", "/files", form=upload_form(data, filename))

    async def watch(self, batch_id: str, seen: list[str]) -> dict[str, Any]:
        """Retrieve the batch, letting time pass, until it ends; every status seen is appended to `seen`."""
        self.waiter.restart()
        while True:
            batch = expect_status(await self.client.call("GET", f"/batches/{batch_id}"), 200, "retrieve batch")
            status = batch.get("status") if isinstance(batch, dict) else None
            expect(isinstance(status, str), f"retrieve batch: no status in {batch}")
            if not seen or seen[-1] != status:
                seen.append(str(status))
            if status in TERMINAL:
                return dict(batch)
            await self.waiter.step()


Check = Callable[[Context], Awaitable[str]]
