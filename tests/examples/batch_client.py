"""A small batch client of the kind an application would write, used to show how to test one with the emulator.

`BatchRunner.run(requests)` writes the requests as JSONL, uploads the file, creates a batch, polls it with
exponential backoff, downloads the output and error files, retries the lines that failed for a transient
reason in a new batch, and returns a report keyed by custom_id (in input order).

The runner never sleeps on its own: it takes a `sleep` callable. Production code passes `time.sleep`; a test
passes `batch_emulator.sleep`, so waiting moves the emulator's virtual clock instead of the wall clock.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openai import OpenAI
from openai.types import Batch

TERMINAL = {"completed", "failed", "expired", "cancelled"}
RETRY_STATUS_CODES = {0, 429, 500, 502, 503}  # status 0: the API lost the response
RETRY_LINE_CODES = {"batch_expired"}
RETRY_BATCH_CODES = {"token_limit_exceeded"}


@dataclass
class LineResult:
    """What happened to one request: `ok` with the response body, or an error code and message."""

    custom_id: str
    ok: bool
    status_code: int | None = None
    body: dict[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None
    attempts: int = 1

    @property
    def retryable(self) -> bool:
        return not self.ok and (
            self.status_code in RETRY_STATUS_CODES
            or self.error_code in RETRY_LINE_CODES
            or self.error_code in RETRY_BATCH_CODES
            or self.error_code == "missing_result"
        )


@dataclass
class Report:
    """Results by custom_id in input order, and every batch the run created (final state)."""

    results: dict[str, LineResult]
    batches: list[Batch] = field(default_factory=list)

    @property
    def succeeded(self) -> list[str]:
        return [cid for cid, result in self.results.items() if result.ok]

    @property
    def failed(self) -> list[str]:
        return [cid for cid, result in self.results.items() if not result.ok]

    def text(self, custom_id: str) -> str:
        """The assistant message of a successful chat completion."""
        body = self.results[custom_id].body or {}
        return str(body["choices"][0]["message"]["content"])


class BatchRunner:
    """Runs chat completion requests through the Batch API, retrying transient failures."""

    def __init__(
        self,
        client: OpenAI,
        *,
        sleep: Callable[[float], object],
        endpoint: str = "/v1/chat/completions",
        first_delay: float = 5.0,
        max_delay: float = 600.0,
        max_attempts: int = 3,
        give_up_after: float | None = None,
    ) -> None:
        self.client = client
        self.sleep = sleep
        self.endpoint = endpoint
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.max_attempts = max_attempts
        self.give_up_after = give_up_after  # waiting longer than this cancels the batch

    def run(self, requests: list[dict[str, Any]]) -> Report:
        """Submit, wait, collect; resubmit retryable failures up to `max_attempts` batches in all."""
        report = Report({request["custom_id"]: LineResult(request["custom_id"], ok=False) for request in requests})
        pending = requests
        for attempt in range(1, self.max_attempts + 1):
            batch = self.wait(self.submit(pending).id)
            report.batches.append(batch)
            for custom_id, result in self.collect(batch, [r["custom_id"] for r in pending]).items():
                result.attempts = attempt
                report.results[custom_id] = result
            pending = [r for r in pending if report.results[r["custom_id"]].retryable]
            if not pending or batch.status == "cancelled":
                break
        return report

    def submit(self, requests: list[dict[str, Any]]) -> Batch:
        lines = [
            {"custom_id": r["custom_id"], "method": "POST", "url": self.endpoint, "body": r["body"]} for r in requests
        ]
        data = "".join(json.dumps(line) + "\n" for line in lines).encode()
        upload = self.client.files.create(file=("requests.jsonl", io.BytesIO(data)), purpose="batch")
        return self.client.batches.create(
            input_file_id=upload.id,
            endpoint=self.endpoint,  # type: ignore[arg-type]
            completion_window="24h",
        )

    def wait(self, batch_id: str) -> Batch:
        """Poll until the batch is finished, backing off from `first_delay` to `max_delay` seconds."""
        delay, waited, cancelled = self.first_delay, 0.0, False
        batch = self.client.batches.retrieve(batch_id)
        while batch.status not in TERMINAL:
            if self.give_up_after is not None and waited >= self.give_up_after and not cancelled:
                batch = self.client.batches.cancel(batch_id)
                cancelled = True
                continue
            self.sleep(delay)
            waited += delay
            delay = min(delay * 2, self.max_delay)
            batch = self.client.batches.retrieve(batch_id)
        return batch

    def collect(self, batch: Batch, custom_ids: list[str]) -> dict[str, LineResult]:
        """A result for each custom_id the batch was given, joined on custom_id (files may come in any order)."""
        if batch.status == "failed":
            return self._batch_failed(batch, custom_ids)
        results: dict[str, LineResult] = {}
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:  # some accounts report a missing file as "" rather than null
                for line in self.client.files.content(file_id).text.splitlines():
                    if line.strip():
                        result = _line_result(json.loads(line))
                        results[result.custom_id] = result
        for custom_id in custom_ids:
            if custom_id not in results:
                code = "not_run" if batch.status == "cancelled" else "missing_result"
                results[custom_id] = LineResult(custom_id, ok=False, error_code=code)
        return results

    @staticmethod
    def _batch_failed(batch: Batch, custom_ids: list[str]) -> dict[str, LineResult]:
        errors = batch.errors.data if batch.errors and batch.errors.data else []
        by_line = {error.line: error for error in errors if error.line is not None}
        general = next((error for error in errors if error.line is None), None)
        results = {}
        for number, custom_id in enumerate(custom_ids, start=1):
            error = by_line.get(number) or general
            code = error.code if error else "batch_failed"
            message = error.message if error else None
            results[custom_id] = LineResult(custom_id, ok=False, error_code=code, error_message=message)
        return results


def _line_result(line: dict[str, Any]) -> LineResult:
    response = line.get("response") or {}
    status = response.get("status_code")
    body = response.get("body") or {}
    if line.get("error"):
        error = line["error"]
        return LineResult(
            line["custom_id"],
            ok=False,
            status_code=status,
            error_code=error.get("code"),
            error_message=error.get("message"),
        )
    if status == 200:
        return LineResult(line["custom_id"], ok=True, status_code=200, body=body)
    error = body.get("error") or {}
    return LineResult(
        line["custom_id"],
        ok=False,
        status_code=status,
        error_code=error.get("code") or error.get("type") or f"status_{status}",
        error_message=error.get("message"),
    )
