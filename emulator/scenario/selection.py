"""Which scenario is in force: the registry of every known scenario plus the active one's engine.

One `ScenarioSelection` lives as long as the backend; a reset restores it in place (the registry back to the
bundled and configured scenarios, the startup scenario active again), so services that hold it stay valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from emulator.config import Timing
from emulator.scenario.engine import ScenarioEngine
from emulator.scenario.loader import ScenarioRegistry


class ScenarioSelection:
    """The scenario registry and the active scenario engine."""

    def __init__(self, files: Sequence[str | Path], base_timing: Timing) -> None:
        self._files = tuple(files)
        self.registry = ScenarioRegistry(base_timing=base_timing)
        loaded = [self.registry.load_file(Path(path)) for path in self._files]
        self._startup = loaded[0].name if loaded else self.registry.default().name
        self.active: ScenarioEngine = self.registry.engine(self._startup)

    def use(self, engine: ScenarioEngine) -> None:
        """Make `engine` the active one (new batches, videos and HTTP requests consult it)."""
        self.active = engine

    def engine(self, name: str | None) -> ScenarioEngine:
        """The engine of the scenario `name` (ScenarioError when unknown), or the active one for None."""
        return self.registry.engine(name) if name else self.active

    def engine_for(self, name: str | None) -> ScenarioEngine:
        """The engine a batch created under scenario `name` follows: its own, or the active one if that name
        is gone (registered at run time and wiped by a reset)."""
        if name and name in self.registry:
            return self.registry.engine(name)
        return self.active

    def reset(self) -> None:
        """Back to startup: scenarios registered at run time forgotten, counters at zero, the startup one active."""
        self.registry.restart()
        for path in self._files:
            self.registry.load_file(Path(path))
        self.active = self.registry.engine(self._startup)
