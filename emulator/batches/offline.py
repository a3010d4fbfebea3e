"""`batch-emulator run`: process a batch input file offline through the same backend, engine and model
the server uses (manual clock, nothing served), streaming the input and the results."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from emulator.backend import Backend
from emulator.batches.endpoints import BATCH_ENDPOINTS
from emulator.batches.input import LineError
from emulator.batches.request_lines import first_url
from emulator.config import EmulatorConfig, Limits, Timing
from emulator.engine.params import one_of
from emulator.engine.storage import COPY_CHUNK

OFFLINE_RATE = 10_000.0
PROGRESS_STEP_LINES = 5_000
DEFAULT_ENDPOINT = "/v1/chat/completions"


@dataclass
class OfflineSummary:
    status: str
    completed: int = 0
    failed: int = 0
    errors: list[LineError] = field(default_factory=list)


def run_offline(
    path: Path,
    output: Path,
    errors_path: Path | None,
    *,
    endpoint: str | None = None,
    seed: int = 0,
    scenario: str | None = None,
    limits: Limits | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> OfflineSummary:
    """Run one batch over `path`; write its output (and error) lines; return the counts."""
    limits = (limits or Limits()).model_copy(
        update={"batch_max_bytes": max((limits or Limits()).batch_max_bytes, path.stat().st_size)}
    )
    config = EmulatorConfig(
        clock="manual",
        seed=seed,
        start_time=0,
        limits=limits.model_copy(update={"file_max_bytes": max(limits.file_max_bytes, path.stat().st_size)}),
        timing=Timing(validating=0, finalizing=0, requests_per_second=OFFLINE_RATE, completion_window=10**12),
    )
    backend = Backend(config)
    try:
        if scenario is not None:
            if Path(scenario).exists():
                backend.use_scenario(backend.scenarios.engine(backend.scenarios.load_file(Path(scenario)).name))
            else:
                backend.use_scenario(backend.scenarios.engine(scenario))
        pending = backend.files.begin(purpose="batch", filename="input.jsonl", ttl=None, owner=None)
        with open(path, "rb") as source:
            while chunk := source.read(COPY_CHUNK):
                pending.write(chunk)
        file = backend.files.finish(pending)
        target = one_of(endpoint or _default_endpoint(path), "endpoint", BATCH_ENDPOINTS)
        batch = backend.batches.create(input_file_id=file["id"], endpoint=target, owner=None)
        backend.advance(0)
        if on_progress is not None:
            _step_with_progress(backend, batch["id"], on_progress)
        backend.run_until_idle(float(10**12))
        record = backend.batches.get(batch["id"], None)
        summary = OfflineSummary(
            record["status"], record["request_counts"]["completed"], record["request_counts"]["failed"]
        )
        if record["status"] == "failed":
            summary.errors = [
                LineError(e["code"] or "", e["message"] or "", e["param"], e["line"]) for e in record["errors"] or []
            ]
            return summary
        _copy_out(backend, record.get("output_file_id"), output)
        if errors_path is not None:
            _copy_out(backend, record.get("error_file_id"), errors_path)
        return summary
    finally:
        backend.close()


def _default_endpoint(path: Path) -> str:
    found = first_url(path)
    return found[0] if found is not None else DEFAULT_ENDPOINT


def _copy_out(backend: Backend, file_id: str | None, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if not file_id:
        target.write_bytes(b"")
        return
    with backend.blobs.open(file_id) as source, open(target, "wb") as sink:
        shutil.copyfileobj(source, sink, COPY_CHUNK)


def _step_with_progress(backend: Backend, batch_id: str, on_progress: Callable[[int, int], None]) -> None:
    """Step the clock in slices so a caller can follow the line count."""
    record = backend.batches.get(batch_id, None)
    total = int(record["request_counts"]["total"])
    step = PROGRESS_STEP_LINES / float(record["plan"]["timing"]["requests_per_second"])
    while record["status"] == "in_progress":
        backend.advance(step)
        record = backend.batches.get(batch_id, None)
        on_progress(min(int(record["progress"]["cursor_line"]), total), total)
