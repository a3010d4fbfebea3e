"""The whole emulator as one object: stores, clock, scheduler, services, model, scenarios and journal.

Everything the HTTP layer, the pytest plugin and the CLI do goes through a `Backend`. Domain code is
synchronous and runs on one thread, so nothing here needs a lock.
"""

from __future__ import annotations

import contextlib
import shutil
from collections import deque
from typing import Any

from emulator.batches import state as batch_state
from emulator.batches.client_findings import client_findings
from emulator.batches.events import BatchEvents
from emulator.batches.line_workers import LinePool
from emulator.batches.service import KIND as BATCHES
from emulator.batches.service import BatchesService
from emulator.config import EmulatorConfig
from emulator.contract.monitor import ContractMonitor
from emulator.dialects.openai.wire import batch_wire
from emulator.engine.clock import Clock, ClockError, ClockMode, SwitchableClock, check_time, iso, make_clock
from emulator.engine.ids import IdFactory
from emulator.engine.journal import Journal
from emulator.engine.reconcile import remove_orphans
from emulator.engine.scheduler import Scheduler
from emulator.engine.storage import open_storage
from emulator.fake_model import FakeModel
from emulator.files.presigned import PresignedFiles
from emulator.files.service import FilesService
from emulator.files.uploads import UploadsService
from emulator.scenario.registry import ScenarioEngine, ScenarioRegistry
from emulator.scenario.selection import ScenarioSelection
from emulator.videos.service import VideosService
from emulator.webhooks.service import WebhookService

DEFAULT_IDLE_LIMIT = 172_800.0
META = "meta"


class Backend:
    """The composition root: every part is built here, in dependency order, from the parts it uses."""

    def __init__(self, config: EmulatorConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config = config or EmulatorConfig()
        self.clock = SwitchableClock(clock or make_clock(config.clock, config.start_time, config.speed))
        self._start = self.clock.now()
        self.ids = IdFactory(config.seed)
        self.scheduler = Scheduler()
        self.store, self.blobs, self._temp_root = open_storage(config.data_dir)
        limits = config.request_limits
        self.journal = Journal(limits.journal_max_entries, limits.journal_max_bytes)
        self.handler_errors: deque[dict[str, Any]] = deque(maxlen=limits.handler_errors_max)
        self.contract = ContractMonitor(config.contract, config.openapi)
        self.orphans_removed: list[str] = []
        self.scenarios_in_force = ScenarioSelection(config.scenario_files, config.timing)
        self.model = FakeModel(config.seed, config.models, config.embedding_dimensions)
        self.batch_events = BatchEvents()
        self.line_pool = LinePool(config.batch_workers, config.worker_min_lines, config.worker_min_bytes)
        self.files = FilesService(self.store, self.blobs, self.clock, self.ids, config.limits)
        self.uploads = UploadsService(self.store, self.blobs, self.clock, self.ids, config.limits, self.files)
        self.presigned = PresignedFiles(self.store, self.clock, self.ids, self.files)
        self.batches = BatchesService(
            self.store,
            self.blobs,
            self.clock,
            self.ids,
            self.scheduler,
            self.files,
            self.model,
            self.scenarios_in_force,
            self.journal,
            self.batch_events,
            limits=config.limits,
            timing=config.timing,
            unknown_input_file=config.unknown_input_file,
            handler_errors=self.handler_errors,
            line_pool=self.line_pool,
        )
        self.videos = VideosService(self.store, self.clock, self.ids, self.model, self.scenarios_in_force, self.journal)
        self.webhooks = WebhookService(
            self.store,
            self.clock,
            self.ids,
            self.scheduler,
            self.scenarios_in_force,
            self.journal,
            self.batch_events,
            batch_wire,
            urls=config.webhook_urls,
            secret=config.webhook_secret,
            config_seed=config.seed,
            timeout=config.webhook_timeout,
        )
        self._restore_meta()
        self.batches.restore()
        if self.config.data_dir is not None:
            active = (r["id"] for r in self.store.values(BATCHES) if r["status"] in batch_state.ACTIVE)
            self.orphans_removed = remove_orphans(self.store, self.blobs, active)

    @property
    def seed(self) -> int:
        """The seed of this run (the configured one, or the one a reset gave)."""
        return self.ids.seed

    @property
    def scenarios(self) -> ScenarioRegistry:
        return self.scenarios_in_force.registry

    @property
    def active_scenario(self) -> ScenarioEngine:
        """The engine of the active scenario."""
        return self.scenarios_in_force.active

    # -- what a restart needs besides records -------------------------------------------------

    def _restore_meta(self) -> None:
        """Continue the id counters and the clock of the previous run, and save them as they move."""
        if self.config.data_dir is None:
            return
        counters = self.store.get(META, "ids")
        if counters:
            self.ids.restore(counters)
        self.ids.on_change = self._save_ids
        self.clock.start_saving(self._save_clock, self.store.get(META, "clock"))

    def _save_ids(self, counters: dict[str, int]) -> None:
        self.store.put(META, "ids", dict(counters))

    def _save_clock(self, horizon: float) -> None:
        self.store.put(META, "clock", {"now": horizon})

    # -- time -----------------------------------------------------------------------------------

    def run_due(self) -> int:
        """Run every transition whose time has come (cheap when none is due). Inside a work slice (see
        `engine.budget`) it may stop early, with `scheduler.interrupted` set; the next call goes on. One that
        cannot be saved for lack of space waits for a later run (see `Scheduler.run_due_or_wait`)."""
        return self.scheduler.run_due_or_wait(self.clock.now())

    def catch_up_step(self) -> bool:
        """Run what is due and bring running batches up to the clock; False when a work slice ran out first."""
        self.run_due()
        return not self.scheduler.interrupted and self.batches.sync_all()

    def advance(self, seconds: float) -> int:
        return self.set_time(self.advance_target(seconds))

    def advance_target(self, seconds: float) -> float:
        """The time `advance(seconds)` moves to (checked like `check_target`)."""
        if seconds < 0:
            raise ClockError("cannot advance by a negative amount")
        target = self.clock.now() + seconds
        self.check_target(target)
        return target

    def set_time(self, target: float) -> int:
        """Move the clock to `target`, running due transitions in time order on the way."""
        self.check_target(target)
        tally = [0]
        while not self.time_step(target, tally):
            pass
        return tally[0]

    def check_target(self, target: float) -> None:
        check_time(target)
        if target < self.clock.now():
            raise ClockError("the clock cannot move backwards")

    def time_step(self, target: float, tally: list[int]) -> bool:
        """Go on moving the clock to `target` (checked by `check_target`), counting transitions in `tally[0]`.

        True when done; False when a work slice ran out first: call again (transitions keep their order)."""
        scheduler = self.scheduler
        while (due := scheduler.next_due()) is not None and due <= target:
            if due > self.clock.now():
                self.clock.set(due)
            tally[0] += scheduler.run_due(self.clock.now())
            if scheduler.interrupted:
                return False
        if target > self.clock.now():
            self.clock.set(target)
        tally[0] += scheduler.run_due(self.clock.now())
        return not scheduler.interrupted and self.batches.sync_all()

    def run_until_idle(self, max_seconds: float = DEFAULT_IDLE_LIMIT) -> int:
        """Jump from event to event until no batch is active and no video is rendering, or `max_seconds` of
        virtual time passed. A video's completion is an event, though no timer runs for it."""
        limit = self.clock.now() + max_seconds
        tally = [0]
        while not self.idle_step(limit, tally):
            pass
        return tally[0]

    def idle_step(self, limit: float, tally: list[int]) -> bool:
        """Go on with `run_until_idle` up to the virtual time `limit`; True when done, False when a work slice
        ran out first (call again)."""
        tally[0] += self.run_due()
        if self.scheduler.interrupted:
            return False
        while (video_due := self.videos.next_completion()) is not None or self.batches.any_active():
            due = min((t for t in (self.scheduler.next_due(), video_due) if t is not None), default=None)
            if due is None or due > limit:
                break
            before = (self.clock.now(), due)
            if not self.time_step(max(due, self.clock.now()), tally):
                return False
            if (self.clock.now(), self.scheduler.next_due()) == before:
                break  # a timer that keeps rescheduling itself at the same time must not hang the server
        return True

    def client_findings(self) -> list[dict[str, Any]]:
        """What the journal says about how clients used the API (see `client_findings`)."""
        self.run_due()
        return client_findings(self.journal.entries(), self.batches.table.values())

    def clock_state(self) -> dict[str, Any]:
        now = self.clock.now()
        return {"now": now, "iso": iso(now), "mode": self.clock.mode, "speed": self.clock.speed}

    # -- lifecycle ------------------------------------------------------------------------------

    def reset(
        self, *, start_time: float | None = None, seed: int | None = None, clock_mode: ClockMode | None = None
    ) -> None:
        """Wipe files, batches, uploads, videos, journal, scenarios registered at run time and scenario counters; the
        clock returns to its start and the scenario chosen at startup is active again.

        `start_time`, `seed` and `clock_mode` restart with other values than the configured ones for this run
        only: the next plain reset goes back to the configured ones. Without `start_time` a manual clock starts
        at the configured start and a real clock at the configured start time, or follows `time.time()` when
        none was configured (so freezegun moves it).
        """
        seed = self.config.seed if seed is None else seed
        if seed != self.seed:
            self.ids.seed = seed
            self.model.reseed(seed)
        mode = clock_mode or self.config.clock
        if start_time is None:
            start_time = self._start if mode == "manual" else self.config.start_time
        self.store.clear()
        self.clock.replace(make_clock(mode, start_time, self.config.speed))
        self.scheduler.clear()
        self.batches.forget_work()
        self.blobs.clear()
        self.journal.clear()
        self.handler_errors.clear()
        self.contract.reset()
        self.ids.reset()
        self.scenarios_in_force.reset()
        self.webhooks.reset()

    def use_scenario(self, engine: ScenarioEngine) -> None:
        self.scenarios_in_force.use(engine)

    def close(self) -> None:
        self.line_pool.close()
        with contextlib.suppress(Exception):  # a full disk: the saved horizon stays, a little ahead
            self.clock.save_exactly()
        self.store.close()
        if self._temp_root is not None:
            shutil.rmtree(self._temp_root, ignore_errors=True)
