"""Contract mode of one server: whether it is on, the documents (read on first use), and the violations found.

`MOUNTS` says which requests a document covers: paths under `/v1/` are OpenAI's (checked only when the
request is answered in OpenAI's own envelope, so a dialect mounted at the root is left out) and paths under
`/anthropic/v1/` are Anthropic's. The list of violations is bounded (`MAX_VIOLATIONS`); what is dropped
past it is counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulator.contract import allowlist
from emulator.contract.document import Provider, SpecInfo, load_document
from emulator.contract.operations import Operation
from emulator.contract.violations import Direction, Problem, Violation

if TYPE_CHECKING:
    from emulator.contract.validator import ContractValidator

MAX_VIOLATIONS = 1000


UNDOCUMENTED = "(undocumented)"


def violations_of(
    direction: Direction, operation: str, method: str, path: str, problems: list[Problem], request_id: str | None
) -> list[Violation]:
    """The problems of one request or answer as violations, less the ones the allow-list tolerates."""
    found = [
        Violation(
            direction=direction,
            operation=operation,
            method=method,
            path=path,
            journal_request_id=request_id,
            **problem,
        )
        for problem in problems
    ]
    return [violation for violation in found if not allowlist.allowed(violation)]


@dataclass(frozen=True)
class Mount:
    """Requests under `prefix` are checked against `provider`'s document, at their path less `strip`."""

    provider: Provider
    prefix: str
    strip: str


MOUNTS = (Mount("openai", "/v1/", "/v1"), Mount("anthropic", "/anthropic/v1/", "/anthropic"))


@dataclass(frozen=True)
class Target:
    """The operation a request addresses, in which document, with its path parameters."""

    provider: Provider
    operation: Operation
    path_values: Mapping[str, str]


class ContractMonitor:
    """The contract-mode switch of a server and the violations found since the last reset or clear."""

    def __init__(self, enabled: bool = False, openapi: Path | None = None) -> None:
        self.configured = enabled
        self.enabled = enabled
        self.openapi = openapi
        self.violations: list[Violation] = []
        self.dropped = 0
        self._validators: dict[Provider, ContractValidator] = {}
        if enabled:
            self.validator("openai")

    def validator(self, provider: Provider) -> ContractValidator:
        """The validator of `provider`'s document, built on first use (DocumentError for a bad file)."""
        found = self._validators.get(provider)
        if found is None:
            from emulator.contract.validator import ContractValidator  # jsonschema is imported only in contract mode

            path = self.openapi if provider == "openai" else None
            found = self._validators[provider] = ContractValidator(load_document(provider, path))
        return found

    def set_enabled(self, enabled: bool) -> None:
        """Turn checking on or off until the next reset (the document is read now, so a bad one fails here)."""
        if enabled:
            self.validator("openai")
        self.enabled = enabled

    def reset(self) -> None:
        """Back to the configured switch, with no violations."""
        self.enabled = self.configured
        self.clear()

    def clear(self) -> None:
        self.violations.clear()
        self.dropped = 0

    def target(self, method: str, path: str) -> Target | Mount | None:
        """The operation `method path` addresses; its mount when the document has no such operation; None when no
        document covers the path."""
        for mount in MOUNTS:
            if path.startswith(mount.prefix):
                found = self.validator(mount.provider).index.find(method, path[len(mount.strip) :])
                if found is None:
                    return mount
                return Target(mount.provider, found[0], found[1])
        return None

    def record(
        self,
        direction: Direction,
        target: Target | Mount,
        method: str,
        path: str,
        problems: list[Problem],
        request_id: str | None,
    ) -> None:
        """Keep the problems found in one request or answer, less the ones the allow-list tolerates."""
        operation = target.operation.operation_id if isinstance(target, Target) else UNDOCUMENTED
        for violation in violations_of(direction, operation, method, path, problems, request_id):
            if len(self.violations) >= MAX_VIOLATIONS:
                self.dropped += 1
            else:
                self.violations.append(violation)

    def spec(self) -> SpecInfo:
        return self.validator("openai").document.info

    def state(self) -> dict[str, Any]:
        """What `GET /_emulator/contract` answers."""
        return {
            "enabled": self.enabled,
            "spec": self.spec(),
            "violations": list(self.violations),
            "dropped": self.dropped,
            "allowances": allowlist.describe(),
        }
