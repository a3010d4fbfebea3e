"""How the suite lets time pass while a batch runs: the server's clock API when `--admin-url` points at one
(this emulator's `/_emulator/clock/advance`: virtual seconds, no waiting), else polling in wall time with a
growing interval. Either way the run stops at its budget (`BudgetExceeded`)."""

from __future__ import annotations

import asyncio
import time

import aiohttp

FIRST_POLL = 0.05
LONGEST_POLL = 5.0
CLOCK_STEP = 1.0


class BudgetExceeded(RuntimeError):
    """The run's time budget is spent."""


class Waiter:
    """Lets time pass in steps until `deadline` (a `time.monotonic()` value)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self._interval = FIRST_POLL

    def check_budget(self) -> None:
        if time.monotonic() >= self.deadline:
            raise BudgetExceeded("the time budget ran out")

    async def step(self) -> None:
        """Let a little time pass on the server."""
        self.check_budget()
        wait = min(self._interval, max(self.deadline - time.monotonic(), 0.0))
        await asyncio.sleep(wait)
        self._interval = min(self._interval * 2, LONGEST_POLL)

    def restart(self) -> None:
        """Start again from short steps (a new batch to watch)."""
        self._interval = FIRST_POLL

    @property
    def description(self) -> str:
        return "polling in wall time"


class AdminClock(Waiter):
    """Moves the server's virtual clock by `CLOCK_STEP` seconds per step through its admin API."""

    def __init__(
        self, deadline: float, session: aiohttp.ClientSession, admin_url: str, admin_token: str | None = None
    ) -> None:
        super().__init__(deadline)
        self.session = session
        self.admin_url = admin_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}

    async def probe(self) -> bool:
        """True when `admin_url` answers like the emulator's clock API."""
        try:
            async with self.session.get(self.admin_url + "/_emulator/clock", headers=self.headers) as response:
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, ValueError, TimeoutError):
            return False
        return response.status == 200 and isinstance(body, dict) and "now" in body

    async def step(self) -> None:
        self.check_budget()
        url = self.admin_url + "/_emulator/clock/advance"
        async with self.session.post(url, json={"seconds": CLOCK_STEP}, headers=self.headers) as response:
            if response.status != 200:
                raise RuntimeError(f"the clock API answered {response.status} to {url}")

    @property
    def description(self) -> str:
        return f"the clock API at {self.admin_url}"
