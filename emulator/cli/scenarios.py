"""`batch-emulator scenario check|list|schema`: work with scenario files and the bundled scenarios."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson

from emulator.cli.options import ScenarioParam


@click.group(invoke_without_command=True)
@click.pass_context
def scenario(ctx: click.Context) -> None:
    """Work with scenario files: check them, list the bundled ones, print their JSON Schema.

    \b
    Examples:
      batch-emulator scenario list
      batch-emulator scenario check my_failures.yaml partial_line_failures
      batch-emulator scenario schema > scenario.schema.json
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@scenario.command("check")
@click.argument("scenarios", nargs=-1, required=True, type=ScenarioParam())
def scenario_check(scenarios: tuple[Path, ...]) -> None:
    """Check scenario files (or bundled names); print each problem as FILE:LINE: code [field]: message.

    \b
    Example:
      batch-emulator scenario check my_failures.yaml
    """
    from emulator.scenario.registry import check_files

    problems = check_files(list(scenarios))
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {len(scenarios)} scenario file(s)", err=True)
        sys.exit(1)
    click.echo(f"ok: {len(scenarios)} scenario file(s)")


@scenario.command("schema")
def scenario_schema() -> None:
    """Print the JSON Schema of scenario files (point your editor's YAML support at it).

    \b
    Example:
      batch-emulator scenario schema > scenario.schema.json
    """
    from emulator.scenario.registry import json_schema

    click.echo(orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2).decode())


@scenario.command("list")
def scenario_list() -> None:
    """List the bundled scenarios with what each one does.

    \b
    Example:
      batch-emulator scenario list
    """
    from emulator.scenario.registry import ScenarioRegistry

    for item in ScenarioRegistry().describe():
        click.echo(f"{item['name']}: {item.get('description', '')}")
