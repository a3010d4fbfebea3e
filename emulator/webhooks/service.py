"""Webhook deliveries driven by the emulator clock.

Two kinds of notification leave the emulator when a batch reaches a terminal status:

- OpenAI's account-level events (`batch.completed|failed|expired|cancelled`) to every configured endpoint,
  signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`);
- a per-batch `webhook_url` given at create (Inference.net), which receives the batch object itself.

Each attempt is a scheduler timer, so retries are spaced by virtual time: OpenAI's events are retried after any
non-2xx answer, a timeout or a refused connection for about 68 virtual hours (the real service says "up to 72
hours"); a `webhook_url` is retried on 5xx and timeouts only, three times. The network call itself is
asynchronous: the timer starts a task on the running event loop through a `sender` that the HTTP layer
registers (domain code never imports an HTTP client). `drain()` awaits every attempt in flight, so tests can
wait for deliveries deterministically.

The batch's scenario may shape each delivery (`webhooks` rules): a virtual delay, duplicate copies with the
same `webhook-id`, a spoiled first attempt (wrong signature, stale timestamp, truncated body), or a drop.

Every delivery is written to the metadata store when it is decided and after each attempt (see
`webhook_ledger`), together with the endpoints and secret set at run time. A service started on a store that
holds them (a restart under --data-dir) takes the settings back and schedules each pending delivery at the
virtual time its next attempt was due, so retries go on where they stopped, with the same webhook-id, body
and signature. An attempt cut off by a kill before its answer was saved is made again, identical. Deliveries
are keyed by event and endpoint, so a batch whose ending is replayed after a restart does not deliver twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import orjson

from emulator.batches.events import BatchEvents
from emulator.batches.records import BatchEvent, BatchRecord, dialect_of
from emulator.batches.state import TERMINAL
from emulator.engine.clock import Clock
from emulator.engine.ids import IdFactory, derived_hex
from emulator.engine.journal import Journal
from emulator.engine.scheduler import Scheduler
from emulator.engine.storage import MetadataStore
from emulator.scenario.selection import ScenarioSelection
from emulator.webhooks.ledger import AttemptOutcome, AttemptRecord, DeliveryRecord, DeliveryState, WebhookLedger
from emulator.webhooks.signing import check_secret, default_secret, sign

# OpenAI retries any non-2xx answer with exponential backoff for up to 72 hours: 12 attempts over about 68 hours.
OPENAI_BACKOFF: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000, 36000, 36000, 36000, 36000)
URL_BACKOFF: tuple[float, ...] = (5, 30, 120)
OPENAI_DIALECTS = (None, "openai")
OPENAI_USER_AGENT = "OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)"
STALE_SECONDS = 3600  # how old a "timestamp"-corrupted attempt claims to be


@dataclass(slots=True, frozen=True)
class SendResult:
    """What one POST gave: an HTTP status, or an error (timeout, refused connection) and no status."""

    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def retryable(self, any_failure: bool) -> bool:
        """Worth another attempt: always for a timeout or a refused connection, for 5xx, and for every other
        non-2xx status when the sender retries any failure (OpenAI does)."""
        return not self.ok and (self.status is None or self.status >= 500 or any_failure)


Sender = Callable[[str, bytes, dict[str, str], float], Awaitable[SendResult]]
BatchPayload = Callable[[BatchRecord], dict[str, Any]]
AFTER_ATTEMPT: dict[AttemptOutcome, DeliveryState] = {"delivered": "delivered", "retry": "pending", "failed": "failed"}


@dataclass(slots=True)
class Delivery:
    """One notification to one URL, with its attempts so far.

    `source` is "openai" (account-level, signed, any failure retried) or "url" (a batch's own `webhook_url`,
    unsigned, retried on 5xx and timeouts). `message_id` is the `webhook-id` header: the same on every retry and
    every duplicate copy, so receivers can deduplicate. `copy` is 0 for the original and n for the nth copy a
    scenario adds; `corrupt` spoils the first attempt; `rule` names the scenario rule that shaped it. `due` is the
    virtual time of the next attempt while one is scheduled.
    """

    key: str
    event_id: str
    message_id: str
    event_type: str
    batch_id: str
    url: str
    body: bytes
    headers: dict[str, str]
    secret: str | None
    backoff: tuple[float, ...]
    source: str
    dialect: str
    copy: int = 0
    corrupt: str | None = None
    rule: str | None = None
    attempts: list[AttemptRecord] = field(default_factory=list)
    state: DeliveryState = "pending"
    due: float | None = None

    def to_record(self) -> DeliveryRecord:
        """Every field as JSON-able data (the body as text: it is always JSON)."""
        record = dataclasses.asdict(self)
        record["body"] = self.body.decode()
        return cast(DeliveryRecord, record)

    @classmethod
    def from_record(cls, record: DeliveryRecord) -> Delivery:
        fields: dict[str, Any] = {**record, "body": record["body"].encode(), "backoff": tuple(record["backoff"])}
        return cls(**fields)

    def describe(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "webhook_id": self.message_id,
            "type": self.event_type,
            "batch_id": self.batch_id,
            "url": self.url,
            "source": self.source,
            "dialect": self.dialect,
            "copy": self.copy,
            "rule": self.rule,
            "state": self.state,
            "next_attempt_at": self.due,
            "attempts": list(self.attempts),
            "body": orjson.loads(self.body),
        }


class WebhookService:
    """Turns terminal batch transitions into deliveries and runs their attempts by the clock.

    Starts from what the metadata store holds: the run-time settings and the deliveries of an earlier run.
    `batch_payload` renders the batch object a `webhook_url` receives (the dialect layer's OpenAI shape);
    `ids` carries the run's seed, which event and message ids derive from. The configured `urls` and
    `secret` (or one derived from `config_seed`) are what a reset returns to.
    """

    def __init__(
        self,
        store: MetadataStore,
        clock: Clock,
        ids: IdFactory,
        scheduler: Scheduler,
        scenarios: ScenarioSelection,
        journal: Journal,
        events: BatchEvents,
        batch_payload: BatchPayload,
        *,
        urls: tuple[str, ...],
        secret: str | None,
        config_seed: int,
        timeout: float,
    ) -> None:
        self.clock = clock
        self.ids = ids
        self.scheduler = scheduler
        self.scenarios = scenarios
        self.journal = journal
        self.batch_payload = batch_payload
        self._urls = urls
        self._secret = secret
        self._config_seed = config_seed
        self.timeout = timeout
        self.sender: Sender | None = None
        self.ledger = WebhookLedger(store)
        self.deliveries: list[Delivery] = []
        self._known: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._generation = 0
        self._use_startup_settings()
        self._restore()
        events.subscribe(self.on_batch)

    # -- configuration --------------------------------------------------------------------------

    def _use_startup_settings(self) -> None:
        """The endpoints and secret of the command line (or config), the secret derived from the seed if none."""
        self.endpoints: list[str] = list(self._urls)
        self.secret = check_secret(self._secret) if self._secret else default_secret(self._config_seed)

    def configure(self, *, endpoints: list[str] | None = None, secret: str | None = None) -> None:
        """Set the endpoints and/or the secret until the next reset (kept in the store, so across restarts)."""
        if secret is not None:
            self.secret = check_secret(secret)
        if endpoints is not None:
            self.endpoints = list(endpoints)
        self.ledger.save_settings(endpoints=endpoints, secret=secret)

    def reset(self) -> None:
        """Forget deliveries and attempts in flight; endpoints and secret return to the configured ones.

        The backend clears the store first, which takes the stored settings and deliveries with it."""
        self._generation += 1
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self.deliveries.clear()
        self._known.clear()
        self._use_startup_settings()

    def _restore(self) -> None:
        """Take back the run-time settings and deliveries of an earlier run; schedule the pending ones."""
        settings = self.ledger.settings()
        self.endpoints = list(settings.get("endpoints", self.endpoints))
        self.secret = settings.get("secret", self.secret)
        for record in self.ledger.deliveries():
            delivery = Delivery.from_record(record)
            self.deliveries.append(delivery)
            self._known.add(delivery.key)
            if delivery.state == "pending" and delivery.due is not None:
                self._schedule(delivery, delivery.due)

    def describe(self) -> dict[str, Any]:
        return {
            "endpoints": list(self.endpoints),
            "secret": self.secret,
            "in_flight": len(self._tasks),
            "deliveries": [delivery.describe() for delivery in self.deliveries],
        }

    # -- events ---------------------------------------------------------------------------------

    def on_batch(self, record: BatchRecord, event: BatchEvent) -> None:
        status = record["status"]
        if status not in TERMINAL:
            return
        ended = {"failed": record["failed_at"], "completed": record["completed_at"]}
        ended.update(expired=record["expired_at"], cancelled=record["cancelled_at"])
        at = float(ended[status] or self.clock.now())
        event_type = f"batch.{status}"
        seed = str(self.ids.seed)
        event_id = "evt_" + derived_hex(seed, record["id"], event_type)
        message_id = "wh_" + derived_hex(seed, record["id"], event_type, "message")
        dialect = dialect_of(record)
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
            headers = {"content-type": "application/json", "user-agent": OPENAI_USER_AGENT}
            for index, endpoint in enumerate(self.endpoints):
                delivery = Delivery(
                    f"{event_id}:{index}",
                    event_id,
                    message_id,
                    event_type,
                    record["id"],
                    endpoint,
                    body,
                    headers,
                    self.secret,
                    OPENAI_BACKOFF,
                    "openai",
                    dialect,
                )
                self._enqueue(record, delivery, at)
        hook = record.get("webhook_url")
        if hook:
            headers = {
                "content-type": "application/json",
                "x-inference-event": event_type,
                "x-inference-webhook-id": message_id,
            }
            delivery = Delivery(
                f"{event_id}:url",
                event_id,
                message_id,
                event_type,
                record["id"],
                str(hook),
                orjson.dumps(self.batch_payload(record)),
                headers,
                None,
                URL_BACKOFF,
                "url",
                dialect,
            )
            self._enqueue(record, delivery, at)

    def _enqueue(self, record: BatchRecord, delivery: Delivery, at: float) -> None:
        """Apply the batch's scenario to a new delivery (drop, delay, corrupt, duplicate), then schedule it.

        A delivery decided before (a batch's ending replayed after a restart) is left as it is."""
        if delivery.key in self._known:
            return
        engine = self.scenarios.engine_for(record["scenario"])
        effect = engine.webhook_effect(
            event=delivery.event_type, url=delivery.url, source=delivery.source, key=delivery.key
        )
        if effect is None:
            self._begin([delivery], at)
            return
        delivery.rule = effect.rule
        if effect.drop:
            delivery.state = "dropped"
            self._keep([delivery])
            self._record(delivery, {"attempt": 0, "time": at, "status": None, "error": None, "outcome": "dropped"})
            return
        delivery.corrupt = effect.corrupt
        twins = [
            dataclasses.replace(delivery, key=f"{delivery.key}:copy{copy}", copy=copy, corrupt=None, attempts=[])
            for copy in range(1, effect.duplicate + 1)
        ]
        self._begin([delivery, *twins], at + effect.delay_seconds)

    def _begin(self, deliveries: list[Delivery], due: float) -> None:
        """Schedule the first attempt of new deliveries (a delivery and its copies) and keep them."""
        for delivery in deliveries:
            self._schedule(delivery, due)
        self._keep(deliveries)

    def _keep(self, deliveries: list[Delivery]) -> None:
        """Add new deliveries to the log, stored in one write so that a delivery never lacks its copies."""
        self.ledger.save_deliveries([delivery.to_record() for delivery in deliveries])
        self.deliveries.extend(deliveries)
        self._known.update(delivery.key for delivery in deliveries)

    def _schedule(self, delivery: Delivery, due: float) -> None:
        delivery.due = due
        generation = self._generation
        self.scheduler.call_at(due, f"webhook:{delivery.key}", lambda at: self._attempt(delivery, at, generation))

    # -- attempts -------------------------------------------------------------------------------

    def _signed(self, delivery: Delivery, timestamp: int, first: bool) -> tuple[bytes, dict[str, str]]:
        """The body and headers of one attempt; the first one spoiled when the delivery says so."""
        corrupt = delivery.corrupt if first else None
        headers = dict(delivery.headers)
        body = delivery.body
        if delivery.secret is not None:
            secret = delivery.secret
            if corrupt == "timestamp":
                timestamp -= STALE_SECONDS
            signature = sign(secret, delivery.message_id, timestamp, body)
            if corrupt == "signature":
                signature = sign("corrupted:" + secret, delivery.message_id, timestamp, body)
            headers["webhook-id"] = delivery.message_id
            headers["webhook-timestamp"] = str(timestamp)
            headers["webhook-signature"] = signature
        if corrupt == "body":
            body = body[: len(body) // 2]
        return body, headers

    def _attempt(self, delivery: Delivery, at: float, generation: int) -> None:
        if generation != self._generation:
            return
        number = len(delivery.attempts) + 1
        body, headers = self._signed(delivery, int(at), number == 1)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self.sender is None or loop is None:
            self._settle(delivery, number, at, SendResult(None, "no HTTP sender is running"), generation, final=True)
            return
        task = loop.create_task(self._send(delivery, number, at, body, headers, generation))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(
        self, delivery: Delivery, number: int, at: float, body: bytes, headers: dict[str, str], generation: int
    ) -> None:
        assert self.sender is not None
        result = await self.sender(delivery.url, body, headers, self.timeout)
        self._settle(delivery, number, at, result, generation)

    def _settle(
        self, delivery: Delivery, number: int, at: float, result: SendResult, generation: int, final: bool = False
    ) -> None:
        if generation != self._generation:
            return
        if result.ok:
            outcome: AttemptOutcome = "delivered"
        elif result.retryable(delivery.source == "openai") and not final and number <= len(delivery.backoff):
            outcome = "retry"
        else:
            outcome = "failed"
        attempt: AttemptRecord = {
            "attempt": number,
            "time": at,
            "status": result.status,
            "error": result.error,
            "outcome": outcome,
        }
        if number == 1 and delivery.corrupt is not None:
            attempt["corrupt"] = delivery.corrupt
        delivery.attempts.append(attempt)
        delivery.state = AFTER_ATTEMPT[outcome]
        delivery.due = None
        if outcome == "retry":
            self._schedule(delivery, at + delivery.backoff[number - 1])
        self.ledger.save_deliveries([delivery.to_record()])
        self._record(delivery, attempt)

    def _record(self, delivery: Delivery, attempt: AttemptRecord) -> None:
        """One journal entry per attempt (or per dropped delivery)."""
        self.journal.add(
            {
                "kind": "webhook",
                "event_id": delivery.event_id,
                "webhook_id": delivery.message_id,
                "type": delivery.event_type,
                "batch_id": delivery.batch_id,
                "url": delivery.url,
                "source": delivery.source,
                "dialect": delivery.dialect,
                "copy": delivery.copy,
                "rule": delivery.rule,
                **attempt,
            }
        )

    def in_flight(self) -> bool:
        """Whether any attempt is waiting for its answer."""
        return bool(self._tasks)

    async def drain(self) -> None:
        """Wait until no attempt is in flight (attempts that are due later stay scheduled)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
