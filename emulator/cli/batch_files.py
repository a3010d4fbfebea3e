"""`batch-emulator validate` and `batch-emulator run`: check a batch input file as the server does, or process
it offline; both infer the endpoint from the lines as a batch of the file would have it."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

import click
import orjson

from emulator.batches.endpoints import BATCH_ENDPOINTS
from emulator.cli.options import F, ScenarioParam, limits, max_batch_bytes_option, max_requests_option
from emulator.cli.report import echo_errors, summary
from emulator.engine.errors import EmulatorError

DEFAULT_ENDPOINT = "/v1/chat/completions"
MAX_REPORTED = 1000
INPUT = click.Path(dir_okay=False, exists=True, path_type=Path)


def infer_endpoint(path: Path) -> tuple[str, str]:
    """(endpoint, how it was chosen): the `url` of the first request line, as a batch of this file would need.
    A first line whose url is not a batch endpoint is a usage error naming the choices."""
    from emulator.batches.request_lines import first_url

    found = first_url(path)
    if found is None:
        return DEFAULT_ENDPOINT, "the default: the first line has no url"
    url, line = found
    if url not in BATCH_ENDPOINTS:
        raise click.UsageError(
            f"{path}:{line}: url {url!r} is not a batch endpoint; pass --endpoint (one of {', '.join(BATCH_ENDPOINTS)})"
        )
    return url, f"from line {line}"


def _endpoint_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--endpoint",
        type=click.Choice(BATCH_ENDPOINTS),
        default=None,
        show_default="the url of the first line",
        help=help_text,
    )


@click.command()
@click.argument("path", type=INPUT)
@_endpoint_option("The batch endpoint the file is checked for.")
@max_requests_option()
@max_batch_bytes_option()
@click.option("--model", "models", multiple=True, show_default="any name", help="Accept only this model (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the errors as JSON lines.")
def validate(
    path: Path,
    endpoint: str | None,
    max_requests: int | None,
    max_batch_bytes: int | None,
    models: tuple[str, ...],
    as_json: bool,
) -> None:
    """Check a batch input file exactly as the server does; exit 1 when it has errors.

    Each problem is printed as FILE:LINE: code [param]: message.

    \b
    Examples:
      batch-emulator validate input.jsonl
      batch-emulator validate embeddings.jsonl --endpoint /v1/embeddings --model text-embedding-3-small
    """
    from emulator.batches.input import validate_batch_input

    chosen, how = (endpoint, "") if endpoint is not None else infer_endpoint(path)
    how = f" ({how})" if how else ""
    known = frozenset(models)
    report = validate_batch_input(
        path,
        chosen,
        limits(max_requests, max_batch_bytes),
        known_model=known.__contains__ if known else None,
        max_errors=MAX_REPORTED,
    )
    if as_json:
        for error in report.errors:
            fields = {"line": error.line, "code": error.code, "param": error.param, "message": error.message}
            click.echo(orjson.dumps(fields).decode())
    else:
        echo_errors(path, report.errors)
    if report.errors:
        click.echo(f"{summary(report.errors, report.total_requests, MAX_REPORTED)}; endpoint {chosen}{how}", err=True)
        sys.exit(1)
    click.echo(f"ok: {report.total_requests} request line(s), model {report.model}, endpoint {chosen}{how}")


def _refuse_overwriting(source: Path, target: Path | None, hint: str) -> None:
    if target is not None and target.resolve() == source.resolve():
        raise click.BadParameter(f"{target} is the input file; choose another path", param_hint=hint)


@click.command()
@click.argument("path", type=INPUT)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the output file (2xx lines); never the input file.",
)
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    show_default="not written",
    help="Where to write the error file (non-2xx lines).",
)
@_endpoint_option("The batch endpoint.")
@click.option("--seed", default=0, type=int, help="Seed for ids and the fake model's answers.")
@click.option(
    "--scenario", type=ScenarioParam(), default=None, show_default="happy_path", help="A bundled scenario or a file."
)
@max_requests_option()
@click.option("--progress/--no-progress", default=None, show_default="on a terminal", help="Show a progress bar.")
def run(
    path: Path,
    output: Path,
    errors_path: Path | None,
    endpoint: str | None,
    seed: int,
    scenario: Path | None,
    max_requests: int | None,
    progress: bool | None,
) -> None:
    """Process a batch input file offline through the same engine and fake model as the server.

    \b
    Examples:
      batch-emulator run input.jsonl -o output.jsonl --errors errors.jsonl
      batch-emulator run input.jsonl -o output.jsonl --scenario partial_line_failures --seed 7
    """
    from emulator.batches.offline import run_offline

    _refuse_overwriting(path, output, "'-o' / '--output'")
    _refuse_overwriting(path, errors_path, "'--errors'")
    if errors_path is not None and errors_path.resolve() == output.resolve():
        raise click.BadParameter("the error file cannot be the output file", param_hint="'--errors'")
    chosen = endpoint if endpoint is not None else infer_endpoint(path)[0]
    show = sys.stdout.isatty() if progress is None else progress
    with contextlib.ExitStack() as stack:
        callback = None
        if show:
            bar = stack.enter_context(click.progressbar(length=1, label="lines"))

            def callback(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

        try:
            outcome = run_offline(
                path,
                output,
                errors_path,
                endpoint=chosen,
                seed=seed,
                scenario=None if scenario is None else str(scenario),
                limits=limits(max_requests, None),
                on_progress=callback,
            )
        except EmulatorError as exc:
            raise click.ClickException(exc.message) from None
    if outcome.errors:
        echo_errors(path, outcome.errors, err=True)
        click.echo(summary(outcome.errors), err=True)
        sys.exit(1)
    click.echo(
        f"{outcome.completed} completed, {outcome.failed} failed; output {output}"
        + (f", errors {errors_path}" if errors_path else "")
    )
