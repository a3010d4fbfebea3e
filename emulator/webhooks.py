"""Webhook deliveries driven by the emulator clock.

Two kinds of notification leave the emulator when a batch reaches a terminal status:

- OpenAI's account-level events (`batch.completed|failed|expired|cancelled`) to every configured endpoint,
  signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`);
- a per-batch `webhook_url` given at create (Inference.net), which receives the batch object itself.

Each attempt is a scheduler timer, so retries (on 5xx, timeouts and connection errors, never on 4xx) are
spaced by virtual time. The network call itself is asynchronous: the timer starts a task on the running
event loop through a `sender` that the HTTP layer registers (domain code never imports an HTTP client).
`drain()` awaits every attempt in flight, so tests can wait for deliveries deterministically.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from .batch_state import TERMINAL
from .dialects.openai import batch_wire
from .ids import derived_hex

if TYPE_CHECKING:
    from .backend import Backend

OPENAI_BACKOFF: tuple[float, ...] = (5, 30, 120, 600, 1800, 3600, 7200)
URL_BACKOFF: tuple[float, ...] = (5, 30, 120)
OPENAI_DIALECTS = (None, "openai")


@dataclass(slots=True, frozen=True)
class SendResult:
    """What one POST gave: an HTTP status, or an error (timeout, refused connection) and no status."""

    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status >= 500


Sender = Callable[[str, bytes, dict[str, str], float], Awaitable[SendResult]]


@dataclass(slots=True)
class Delivery:
    """One notification to one URL, with its attempts so far."""

    key: str
    event_id: str
    event_type: str
    batch_id: str
    url: str
    body: bytes
    headers: dict[str, str]
    secret: str | None
    backoff: tuple[float, ...]
    source: str
    attempts: list[dict[str, Any]] = field(default_factory=list)
    state: str = "pending"

    def describe(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "type": self.event_type,
            "batch_id": self.batch_id,
            "url": self.url,
            "source": self.source,
            "state": self.state,
            "attempts": list(self.attempts),
            "body": orjson.loads(self.body),
        }


def default_secret(seed: int) -> str:
    """A stable `whsec_` secret for a seed, used when none is configured."""
    digest = hashlib.blake2b(f"{seed}:webhook-secret".encode(), digest_size=32).digest()
    return "whsec_" + base64.b64encode(digest).decode()


def secret_bytes(secret: str) -> bytes:
    """The HMAC key: the base64-decoded part after `whsec_`, or the string itself without that prefix."""
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[6:])
    return secret.encode()


def check_secret(secret: str) -> str:
    """Raise ValueError when a `whsec_` secret is not valid base64."""
    if secret.startswith("whsec_"):
        try:
            base64.b64decode(secret[6:], validate=True)
        except ValueError:
            raise ValueError("a whsec_ secret must be followed by base64") from None
    return secret


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one message (Standard Webhooks, version 1)."""
    signed = message_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class WebhookService:
    """Turns terminal batch transitions into deliveries and runs their attempts by the clock."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        config = backend.config
        self.secret = check_secret(config.webhook_secret) if config.webhook_secret else default_secret(config.seed)
        self.endpoints: list[str] = list(config.webhook_urls)
        self.timeout = config.webhook_timeout
        self.sender: Sender | None = None
        self.deliveries: list[Delivery] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._generation = 0
        backend.batches.listeners.append(self.on_batch)

    # -- configuration --------------------------------------------------------------------------

    def configure(self, *, endpoints: list[str] | None = None, secret: str | None = None) -> None:
        if endpoints is not None:
            self.endpoints = list(endpoints)
        if secret is not None:
            self.secret = check_secret(secret)

    def reset(self) -> None:
        """Forget deliveries and attempts in flight; endpoints and secret return to the configured ones."""
        config = self.backend.config
        self._generation += 1
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self.deliveries.clear()
        self.endpoints = list(config.webhook_urls)
        self.secret = check_secret(config.webhook_secret) if config.webhook_secret else default_secret(config.seed)

    def describe(self) -> dict[str, Any]:
        return {
            "endpoints": list(self.endpoints),
            "secret": self.secret,
            "in_flight": len(self._tasks),
            "deliveries": [delivery.describe() for delivery in self.deliveries],
        }

    # -- events ---------------------------------------------------------------------------------

    def on_batch(self, record: dict[str, Any], event: str) -> None:
        status = record["status"]
        if status not in TERMINAL:
            return
        at = float(record.get(f"{status}_at") or self.backend.clock.now())
        event_type = f"batch.{status}"
        event_id = "evt_" + derived_hex(str(self.backend.seed), record["id"], event_type)
        if record.get("dialect") in OPENAI_DIALECTS and self.endpoints:
            body = orjson.dumps(
                {
                    "id": event_id,
                    "object": "event",
                    "type": event_type,
                    "created_at": int(at),
                    "data": {"id": record["id"]},
                }
            )
            for index, endpoint in enumerate(self.endpoints):
                self._enqueue(
                    Delivery(
                        f"{event_id}:{index}",
                        event_id,
                        event_type,
                        record["id"],
                        endpoint,
                        body,
                        {"content-type": "application/json"},
                        self.secret,
                        OPENAI_BACKOFF,
                        "openai",
                    ),
                    at,
                )
        hook = record.get("webhook_url")
        if hook:
            headers = {
                "content-type": "application/json",
                "x-inference-event": event_type,
                "x-inference-webhook-id": event_id,
            }
            delivery = Delivery(
                f"{event_id}:url",
                event_id,
                event_type,
                record["id"],
                str(hook),
                orjson.dumps(batch_wire(record)),
                headers,
                None,
                URL_BACKOFF,
                str(record.get("dialect") or "openai"),
            )
            self._enqueue(delivery, at)

    def _enqueue(self, delivery: Delivery, at: float) -> None:
        self.deliveries.append(delivery)
        self._schedule(delivery, at)

    def _schedule(self, delivery: Delivery, due: float) -> None:
        generation = self._generation
        self.backend.scheduler.call_at(
            due, f"webhook:{delivery.key}", lambda at: self._attempt(delivery, at, generation)
        )

    # -- attempts -------------------------------------------------------------------------------

    def _attempt(self, delivery: Delivery, at: float, generation: int) -> None:
        if generation != self._generation:
            return
        timestamp = int(at)
        headers = dict(delivery.headers)
        if delivery.secret is not None:
            headers["webhook-id"] = delivery.event_id
            headers["webhook-timestamp"] = str(timestamp)
            headers["webhook-signature"] = sign(delivery.secret, delivery.event_id, timestamp, delivery.body)
        number = len(delivery.attempts) + 1
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self.sender is None or loop is None:
            self._settle(delivery, number, at, SendResult(None, "no HTTP sender is running"), generation, final=True)
            return
        task = loop.create_task(self._send(delivery, number, at, headers, generation))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, delivery: Delivery, number: int, at: float, headers: dict[str, str], generation: int) -> None:
        assert self.sender is not None
        result = await self.sender(delivery.url, delivery.body, headers, self.timeout)
        self._settle(delivery, number, at, result, generation)

    def _settle(
        self, delivery: Delivery, number: int, at: float, result: SendResult, generation: int, final: bool = False
    ) -> None:
        if generation != self._generation:
            return
        if result.ok:
            outcome = "delivered"
        elif result.retryable and not final and number <= len(delivery.backoff):
            outcome = "retry"
        else:
            outcome = "failed"
        attempt = {"attempt": number, "time": at, "status": result.status, "error": result.error, "outcome": outcome}
        delivery.attempts.append(attempt)
        delivery.state = {"delivered": "delivered", "retry": "pending", "failed": "failed"}[outcome]
        self.backend.journal.add(
            {
                "kind": "webhook",
                "event_id": delivery.event_id,
                "type": delivery.event_type,
                "batch_id": delivery.batch_id,
                "url": delivery.url,
                "source": delivery.source,
                **attempt,
            }
        )
        if outcome == "retry":
            self._schedule(delivery, at + delivery.backoff[number - 1])

    async def drain(self) -> None:
        """Wait until no attempt is in flight (attempts that are due later stay scheduled)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
