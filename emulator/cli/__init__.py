"""The `batch-emulator` command line: serve, validate, run, scenario check|list|schema.

Every option also comes from the environment variable `BATCH_EMULATOR_<COMMAND>_<OPTION>` (for example
`BATCH_EMULATOR_SERVE_API_KEY`; see `options.name_env_vars`). Usage errors are one or two lines on stderr and
exit 2, without a traceback. Environment variables are read here (and in the pytest plugin) only.
"""

from __future__ import annotations

import click

from emulator.cli.batch_files import run, validate
from emulator.cli.options import CommandLine, name_env_vars
from emulator.cli.scenarios import scenario
from emulator.cli.serve import serve
from emulator.conformance.command import conformance


@click.group(
    cls=CommandLine,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "show_default": True, "max_content_width": 110},
)
@click.version_option(package_name="batch-emulator")
@click.pass_context
def main(ctx: click.Context) -> None:
    """A local, offline, deterministic emulator of the OpenAI Files, Uploads and Batches APIs (and other
    providers' batch APIs).

    \b
    Examples:
      batch-emulator serve --clock manual          # serve on http://127.0.0.1:8000/v1
      batch-emulator validate input.jsonl          # check a batch file as the server would
      batch-emulator run input.jsonl -o out.jsonl  # process it offline
      batch-emulator scenario list                 # the bundled failure scenarios

    Every option can also be set with an environment variable BATCH_EMULATOR_<COMMAND>_<OPTION>,
    shown in each command's --help.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


main.add_command(serve)
main.add_command(validate)
main.add_command(run)
main.add_command(scenario)
main.add_command(conformance)
name_env_vars(main)

__all__ = ["main"]
