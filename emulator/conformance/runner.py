"""Runs the checks in order within a time budget: each one passes, fails (with what the server did) or is skipped
(it does not apply, or needs what an earlier check failed to make). The last check, `schema`, fails when any
answer of the run broke the OpenAI document."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypedDict

import aiohttp

from emulator.conformance import batch_checks, files_checks
from emulator.conformance.client import TIMEOUT, ConformanceClient
from emulator.conformance.context import Check, CheckFailed, CheckSkipped, Context
from emulator.conformance.waiting import AdminClock, BudgetExceeded, Waiter
from emulator.contract.document import SpecInfo, load_document
from emulator.contract.validator import ContractValidator

SHOWN_FINDINGS = 5
CHECKS: tuple[tuple[str, str, Check], ...] = (
    ("files.upload", "multipart upload of a batch input file", files_checks.upload),
    ("files.retrieve", "retrieve gives the uploaded file's fields", files_checks.retrieve),
    ("files.content", "content download gives the uploaded bytes", files_checks.content),
    ("files.list", "list paging: limit, after, order", files_checks.list_paging),
    ("uploads.api", "the Uploads API: create, parts, complete", files_checks.uploads_api),
    ("batches.create", "batch create keeps metadata", batch_checks.create),
    ("batches.lifecycle", "statuses in order, never backwards, to completed", batch_checks.lifecycle),
    ("batches.request_counts", "request_counts match the output and error files", batch_checks.request_counts),
    ("batches.output", "output lines well formed, custom_id once each", batch_checks.output_lines),
    ("batches.list", "list paging finds the batch", batch_checks.listing),
    ("batches.cancel", "cancel leads to cancelled", batch_checks.cancel),
    ("files.delete", "delete, then 404", files_checks.delete),
    ("errors.unknown_ids", "unknown ids: 404 and the error envelope", batch_checks.unknown_ids),
    ("errors.bad_parameters", "bad parameters: 400 invalid_request_error", batch_checks.bad_parameters),
    ("errors.bad_jsonl", "bad JSONL is refused or fails the batch", batch_checks.bad_jsonl),
)
SCHEMA_CHECK = ("schema", "every answer valid against the OpenAPI document")


class CheckResult(TypedDict):
    name: str
    description: str
    result: Literal["pass", "fail", "skip"]
    detail: str
    seconds: float


class UsageProblem(ValueError):
    """The run cannot start: the server or its clock API cannot be reached, or the document cannot be read."""


@dataclass(frozen=True)
class Options:
    base_url: str
    api_key: str = "sk-conformance"
    admin_url: str | None = None
    admin_token: str | None = None
    budget: float = 600.0
    openapi: Path | None = None


@dataclass
class Run:
    """The outcome of one run."""

    results: list[CheckResult]
    spec: SpecInfo
    waiting: str

    @property
    def passed(self) -> bool:
        return all(result["result"] != "fail" for result in self.results)


async def run_suite(options: Options) -> Run:
    document = load_document("openai", options.openapi)
    deadline = time.monotonic() + options.budget
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        waiter: Waiter = Waiter(deadline)
        if options.admin_url:
            waiter = AdminClock(deadline, session, options.admin_url, options.admin_token)
            if not await waiter.probe():
                raise UsageProblem(f"no clock API at {options.admin_url}/_emulator/clock")
        client = ConformanceClient(session, options.base_url, options.api_key, ContractValidator(document))
        try:
            await client.call("GET", "/files", params={"limit": "1"})
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise UsageProblem(f"cannot reach {options.base_url}: {exc}") from None
        client.findings.clear()
        context = Context(client, waiter, secrets.token_hex(4))
        results = [await _run_one(context, name, description, check) for name, description, check in CHECKS]
    results.append(_schema_result(client))
    return Run(results, document.info, waiter.description)


async def _run_one(context: Context, name: str, description: str, check: Check) -> CheckResult:
    context.client.check = name
    started = time.monotonic()
    result: Literal["pass", "fail", "skip"] = "pass"
    try:
        detail = await check(context)
    except CheckSkipped as exc:
        result, detail = "skip", str(exc)
    except CheckFailed as exc:
        result, detail = "fail", str(exc)
    except BudgetExceeded as exc:
        result, detail = "fail", f"{exc} (raise --budget, or give --admin-url for a server with a clock API)"
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError, AttributeError) as exc:
        result, detail = "fail", f"unexpected answer: {exc!r}"
    return CheckResult(
        name=name, description=description, result=result, detail=detail, seconds=round(time.monotonic() - started, 3)
    )


def _schema_result(client: ConformanceClient) -> CheckResult:
    findings = client.findings
    name, description = SCHEMA_CHECK
    if not findings:
        return CheckResult(name=name, description=description, result="pass", detail="no violation", seconds=0.0)
    shown = [
        f"[{f.check}] {f.violation['method']} {f.violation['path']} ({f.violation['operation']}) at "
        f"{f.violation['where']}: {f.violation['message']}"
        for f in findings[:SHOWN_FINDINGS]
    ]
    more = f"; and {len(findings) - SHOWN_FINDINGS} more" if len(findings) > SHOWN_FINDINGS else ""
    detail = f"{len(findings)} violation(s): " + "; ".join(shown) + more
    return CheckResult(name=name, description=description, result="fail", detail=detail, seconds=0.0)
