"""What the `batch_emulator` fixture's handle offers about contract mode (mixed into `EmulatorHandle`)."""

from __future__ import annotations

from typing import Any, Protocol


class AdminAPI(Protocol):
    def admin(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> Any: ...


class ContractViolations:
    """Contract violations of the handle's server, for a test and for the pytest plugin.

    `contract` is the test's setting: True or False is applied after every reset; None leaves the server's own
    setting alone, and the plugin then does not look at violations.
    """

    def __init__(self, admin: AdminAPI, contract: bool | None) -> None:
        self._admin = admin
        self._contract = contract
        self._pending_violations: list[dict[str, Any]] = []

    def _apply_contract_setting(self) -> None:
        if self._contract is not None:
            self._admin.admin("PUT", "/contract", {"enabled": self._contract})

    def contract_violations(self) -> list[dict[str, Any]]:
        """Requests and answers since the last reset that the official OpenAPI document does not allow (contract
        mode: `batch_emulator(contract=True)`): direction, operation, method, path, where, message, sent, allowed."""
        result: list[dict[str, Any]] = self._admin.admin("GET", "/contract")["violations"]
        return result

    def clear_contract_violations(self) -> None:
        """Forget the violations so far (e.g. after asserting on the ones a test provoked on purpose)."""
        self._admin.admin("DELETE", "/contract")
        self._pending_violations.clear()

    def _collect_violations(self) -> None:
        if self._contract:
            self._pending_violations.extend(self._admin.admin("DELETE", "/contract")["violations"])

    def take_contract_violations(self) -> list[dict[str, Any]]:
        """Violations not handed out before (across resets in the same test); none unless the test turned contract
        mode on."""
        self._collect_violations()
        violations, self._pending_violations = self._pending_violations, []
        return violations
