"""Violations as a report a person reads: one block per violation, naming the operation, where, what was sent
and what the document allows there."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


def _value(value: Any) -> str:
    return value if isinstance(value, str) and value.startswith(("{", "[")) else json.dumps(value, default=str)


def format_violations(violations: Sequence[Mapping[str, Any]]) -> str:
    """Each violation as a block: direction, request, operation, where, message, what was sent and allowed."""
    blocks = []
    for violation in violations:
        lines = [
            f"{violation['direction']} of {violation['method']} {violation['path']} "
            f"(operation {violation['operation']}, request {violation.get('journal_request_id') or '-'})",
            f"  at {violation['where']}: {violation['message']}",
        ]
        if "sent" in violation:
            lines.append(f"  sent:    {_value(violation['sent'])}")
        if "allowed" in violation:
            lines.append(f"  allowed: {violation['allowed']}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def failure_text(violations: Sequence[Mapping[str, Any]]) -> str:
    """The message that fails a test whose requests or answers broke the contract."""
    count = f"{len(violations)} contract violation{'s' if len(violations) != 1 else ''}"
    return (
        f"the batch emulator recorded {count} against the official OpenAPI document "
        f"(a request the real API would refuse, or an answer it does not document):\n\n{format_violations(violations)}"
    )
