"""The conformance suite's HTTP client: plain aiohttp, so any OpenAI-compatible server can be checked as it is.

Every answer is checked against the operation it belongs to in the OpenAI document (through the contract
validator, allow-list included); what is wrong is kept per check, for the `schema` check to report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from emulator.contract.monitor import UNDOCUMENTED, violations_of
from emulator.contract.validator import ContractValidator
from emulator.contract.violations import Problem, Violation

TIMEOUT = aiohttp.ClientTimeout(total=60)


@dataclass
class Answer:
    """One answer: status, content type, the raw body and the body parsed as JSON (None when it is not JSON)."""

    status: int
    content_type: str
    body: bytes
    json: Any = None

    def error(self) -> dict[str, Any] | None:
        """The `error` object of an error envelope, when the body is one."""
        error = self.json.get("error") if isinstance(self.json, dict) else None
        return error if isinstance(error, dict) else None


@dataclass
class SchemaFinding:
    """A violation of the document in an answer, with the check that got it."""

    check: str
    violation: Violation


@dataclass
class ConformanceClient:
    """Requests to `base_url` (the `/v1` root) with `api_key`; answers checked against `validator`'s document."""

    session: aiohttp.ClientSession
    base_url: str
    api_key: str
    validator: ContractValidator
    check: str = ""
    findings: list[SchemaFinding] = field(default_factory=list)

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        form: aiohttp.FormData | None = None,
    ) -> Answer:
        """`method path` (relative to the base URL, e.g. `/files`); the answer, checked against the document."""
        headers = {"Authorization": f"Bearer {self.api_key}"}
        data: Any = form
        if json is not None:
            data = orjson.dumps(json)
            headers["Content-Type"] = "application/json"
        url = self.base_url.rstrip("/") + path
        async with self.session.request(method, url, data=data, params=params, headers=headers) as response:
            body = await response.read()
            answer = Answer(response.status, response.content_type, body)
        if answer.content_type == "application/json":
            try:
                answer.json = orjson.loads(body)
            except orjson.JSONDecodeError:
                answer.json = None
        self._check_answer(method, path, answer)
        return answer

    def _check_answer(self, method: str, path: str, answer: Answer) -> None:
        found = self.validator.index.find(method, path.split("?", 1)[0])
        if found is None:
            problems = [Problem(where="path", message="the document has no such operation")]
            violations = violations_of("response", UNDOCUMENTED, method, path, problems, None)
        else:
            operation = found[0]
            problems = self.validator.check_response(operation, answer.status, answer.content_type, answer.body)
            violations = violations_of("response", operation.operation_id, method, path, problems, None)
        self.findings.extend(SchemaFinding(self.check, violation) for violation in violations)
