"""A reset restarts the model, the scenarios and the active scenario in place: every service keeps the objects it
was built with and sees the new seed and the startup scenario."""

from __future__ import annotations

from emulator.backend import Backend
from emulator.config import EmulatorConfig
from emulator.scenario.loader import parse_document

T0 = 1_780_000_000.0


def test_services_keep_their_model_and_scenarios_across_a_reset_with_another_seed() -> None:
    backend = Backend(EmulatorConfig(clock="manual", start_time=T0, seed=1))
    model, selection = backend.model, backend.scenarios_in_force
    backend.reset(seed=2)
    assert backend.model is model and model.seed == 2
    assert backend.batches.lifecycle.model is model
    assert backend.videos.model is model
    assert backend.ids.seed == 2 and backend.seed == 2
    assert backend.batches.scenarios is selection and backend.webhooks.scenarios is selection
    backend.reset()
    assert model.seed == 1
    backend.close()


def test_a_reset_forgets_run_time_scenarios_and_makes_the_startup_one_active_again() -> None:
    backend = Backend(EmulatorConfig(clock="manual", start_time=T0))
    startup = backend.active_scenario.name
    registry = backend.scenarios
    registry.register(parse_document({"name": "made_at_run_time", "timing": {"validating": 60}}))
    backend.use_scenario(registry.engine("made_at_run_time"))
    assert backend.videos.scenarios.active.name == "made_at_run_time"
    backend.reset()
    assert backend.scenarios is registry
    assert "made_at_run_time" not in registry
    assert backend.active_scenario.name == startup
    assert backend.videos.scenarios.active.name == startup
    backend.close()
