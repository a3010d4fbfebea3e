"""What every command shares: short usage errors, environment variables named after the options, the
parameter types (ports, positive numbers, scenario names or files) and the limits built from options."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from emulator.config import Limits

ENV_PREFIX = "BATCH_EMULATOR"
POSITIVE = click.IntRange(min=1)
PORT = click.IntRange(0, 65535)
POSITIVE_FLOAT = click.FloatRange(min=0, min_open=True)
F = TypeVar("F", bound=Callable[..., Any])


class CommandLine(click.Group):
    """The top-level group: a usage error is one line naming the problem plus one pointing at --help, exit 2;
    a failure the user can fix (a file that cannot be written, a port in use) is one line, never a traceback."""

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            _usage_exit(exc)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt, EOFError):
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def _usage_exit(exc: click.UsageError) -> NoReturn:
    click.echo(f"Error: {exc.format_message()}", err=True)
    if exc.ctx is not None:
        click.echo(f"Try '{exc.ctx.command_path} --help'.", err=True)
    sys.exit(exc.exit_code)


def env_var(command_path: list[str], option: click.Option) -> str:
    """`BATCH_EMULATOR_<COMMAND>_<OPTION>`: the command's words and the option's long name, upper-cased."""
    longest = max(option.opts, key=len).lstrip("-")
    return "_".join([ENV_PREFIX, *command_path, longest]).upper().replace("-", "_")


def name_env_vars(group: click.Group, path: list[str] | None = None) -> None:
    """Give every option of every command its environment variable, shown in --help."""
    for name, command in group.commands.items():
        words = [*(path or []), name]
        if isinstance(command, click.Group):
            name_env_vars(command, words)
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                name = env_var(words, param)
                others = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar or [])
                param.envvar = name if others in ([], [name]) else [name, *(v for v in others if v != name)]
                param.show_envvar = True


class ScenarioParam(click.ParamType[Path]):
    """A bundled scenario name (`partial_line_failures`) or a scenario file; converts to the file's path."""

    name = "NAME|FILE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        if isinstance(value, Path):
            return value
        text = str(value)
        path = Path(text).expanduser()
        if path.is_file():
            return path
        from emulator.scenario.registry import bundled_directory

        bundled = bundled_directory()
        names = sorted(p.stem for p in bundled.glob("*.yaml")) if bundled is not None else []
        if text in names and bundled is not None:
            return bundled / f"{text}.yaml"
        self.fail(f"{text!r} is neither a file nor a bundled scenario (bundled: {', '.join(names)})", param, ctx)


def limits(
    max_requests: int | None,
    max_batch_bytes: int | None,
    max_file_bytes: int | None = None,
    max_line_bytes: int | None = None,
) -> Limits:
    """The default limits with the ones given on the command line replaced."""
    given = {
        "batch_max_requests": max_requests,
        "batch_max_bytes": max_batch_bytes,
        "file_max_bytes": max_file_bytes,
        "batch_max_line_bytes": max_line_bytes,
    }
    return Limits(**{name: value for name, value in given.items() if value is not None})


def max_requests_option() -> Callable[[F], F]:
    return click.option(
        "--max-requests",
        type=POSITIVE,
        default=None,
        show_default="50,000",
        help="Per-batch request limit (raise or lower it).",
    )


def max_batch_bytes_option() -> Callable[[F], F]:
    return click.option(
        "--max-batch-bytes",
        type=POSITIVE,
        default=None,
        show_default="200 MB",
        help="Batch input file size limit in bytes (raise or lower it).",
    )
