"""`RequestLog`: a snapshot of the request journal, with helpers to assert what a client did."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any


class RequestLog:
    """A snapshot of the request journal, with helpers to assert what a client did.

    HTTP entries are dicts with `method`, `path`, `query`, `status`, `time` (virtual), `headers` (user-agent,
    x-stainless-retry-count, ...), `rule` (the scenario rule that fired, or None) and `request_id`. Paths are
    globs in the helpers: `"/v1/batches/*"`.
    """

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.entries[index]

    def http(self) -> list[dict[str, Any]]:
        """Entries for HTTP requests (not batch or line rule records)."""
        return [e for e in self.entries if "method" in e]

    def matching(
        self, method: str | None = None, path: str | None = None, status: int | None = None
    ) -> list[dict[str, Any]]:
        """HTTP entries by method, path glob and status."""
        return [
            e
            for e in self.http()
            if (method is None or e["method"] == method.upper())
            and (path is None or fnmatch.fnmatchcase(e["path"], path))
            and (status is None or e["status"] == status)
        ]

    def count(self, method: str | None = None, path: str | None = None, status: int | None = None) -> int:
        """How many HTTP requests match."""
        return len(self.matching(method, path, status))

    def polls(self, batch_id: str = "*") -> int:
        """How many times the client retrieved this batch (any batch by default)."""
        return self.count("GET", f"*/batches/{batch_id}")

    def calls(self) -> list[str]:
        """Each HTTP request as "METHOD /path", in order."""
        return [f"{e['method']} {e['path']}" for e in self.http()]

    def retries(self) -> list[dict[str, Any]]:
        """Requests the openai SDK sent as a retry (x-stainless-retry-count above 0)."""
        return [e for e in self.http() if int(e["headers"].get("x-stainless-retry-count") or 0) > 0]

    def rules_fired(self) -> list[dict[str, Any]]:
        """Every entry where a scenario rule fired (HTTP requests, batches and lines)."""
        return [e for e in self.entries if e.get("rule")]

    def assert_called(self, method: str, path: str, times: int | None = None) -> None:
        """AssertionError (listing every request seen) unless `method path` was called (exactly `times`)."""
        found = self.count(method, path)
        if (times is None and found == 0) or (times is not None and found != times):
            expected = "at least once" if times is None else f"{times} time(s)"
            seen = "\n  ".join(self.calls()) or "(no requests)"
            raise AssertionError(f"expected {method} {path} {expected}, saw {found}; requests were:\n  {seen}")

    def assert_not_called(self, method: str, path: str) -> None:
        """AssertionError (listing every request seen) if `method path` was called."""
        self.assert_called(method, path, times=0)
