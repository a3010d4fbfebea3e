"""Configuration: one frozen `EmulatorConfig`, built at the edges (CLI, pytest plugin), never from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from emulator.engine.clock import ClockMode
from emulator.engine.nesting import JSON_DEPTH_CEILING

MB = 1024 * 1024
ADMIN_PREFIX = "/_emulator"  # where the admin API is served (fixed: clients and the pytest handle rely on it)
YAML_DEPTH_CEILING = 200  # below the depth at which composing a YAML document exhausts Python's stack


class Timing(BaseModel):
    """Virtual seconds each batch phase takes; every value can be overridden by a scenario."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    validating: float = Field(2.0, ge=0)
    requests_per_second: float = Field(100.0, gt=0)
    finalizing: float = Field(1.0, ge=0)
    cancelling: float = Field(2.0, ge=0)
    completion_window: float = Field(86400.0, gt=0)


class Limits(BaseModel):
    """Size and count limits, defaulting to the real API's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file_max_bytes: int = Field(512 * MB, gt=0)
    batch_max_requests: int = Field(50_000, gt=0)
    batch_max_bytes: int = Field(200 * MB, gt=0)
    batch_max_embedding_inputs: int = Field(50_000, gt=0)
    batch_max_line_bytes: int = Field(16 * MB, gt=0)  # one request line of a batch input file (ours)
    upload_part_max_bytes: int = Field(64 * MB, gt=0)
    upload_max_bytes: int = Field(8 * 1024 * MB, gt=0)
    upload_lifetime_seconds: int = Field(3600, gt=0)
    batch_file_default_ttl: int = Field(30 * 86400, gt=0)
    batch_output_default_ttl: int = Field(30 * 86400, gt=0)


class RequestLimits(BaseModel):
    """Bounds that keep hostile or careless input from taking the server down: body sizes (counted after
    decompression), JSON and YAML nesting, YAML aliases, and the memory the journal and error log may hold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    body_max_bytes: int = Field(64 * MB, gt=0)  # JSON and form bodies of inference, batch and dialect routes
    admin_body_max_bytes: int = Field(1 * MB, gt=0)  # JSON bodies of /_emulator
    scenario_max_bytes: int = Field(1 * MB, gt=0)  # YAML or JSON scenario documents over the admin API
    json_max_depth: int = Field(JSON_DEPTH_CEILING, gt=0, le=JSON_DEPTH_CEILING)
    yaml_max_depth: int = Field(64, gt=0, le=YAML_DEPTH_CEILING)
    yaml_max_aliases: int = Field(100, ge=0)
    journal_max_entries: int = Field(10_000, gt=0)
    journal_max_bytes: int = Field(32 * MB, gt=0)
    handler_errors_max: int = Field(1000, gt=0)


WORKER_MIN_LINES = 200_000  # lines a batch must have left before worker processes answer them
# or result bytes, at the size of its answers so far: big answers (embeddings) cost much CPU to encode and write
WORKER_MIN_BYTES = 256 * 1024 * 1024


class EmulatorConfig(BaseModel):
    """Everything that shapes one emulator instance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = 8000
    clock: ClockMode = "real"
    speed: float = Field(1.0, gt=0)
    start_time: float | None = None
    seed: int = 0
    data_dir: Path | None = None
    api_keys: tuple[str, ...] = ()
    timing: Timing = Timing()
    limits: Limits = Limits()
    scenario_files: tuple[Path, ...] = ()
    models: tuple[str, ...] = ()
    embedding_dimensions: dict[str, int] = Field(default_factory=dict)
    should_retry_header: bool = False
    unknown_input_file: Literal["not_found", "fail_batch"] = "not_found"
    dialect: str | None = None
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: str | None = None
    webhook_timeout: float = Field(10.0, gt=0)
    request_limits: RequestLimits = RequestLimits()
    admin_token: str | None = None  # every /_emulator request then needs `Authorization: Bearer <token>`
    public_url: str | None = None  # origin of the URLs the emulator hands out (default: the address it serves on)
    # worker processes that answer the lines of big batches (0: none), started for the first batch with at
    # least `worker_min_lines` lines, or `worker_min_bytes` of results, to answer at once (below that, starting
    # them costs more CPU than it saves: about 0.4 s each)
    batch_workers: int = Field(2, ge=0)
    worker_min_lines: int = Field(WORKER_MIN_LINES, ge=1)
    worker_min_bytes: int = Field(WORKER_MIN_BYTES, ge=1)
    contract: bool = False  # check requests and answers against the official OpenAPI document (emulator.contract)
    openapi: Path | None = None  # the OpenAI document contract mode uses instead of the bundled one
