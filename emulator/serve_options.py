"""The `serve` options that guard the server: request limits, the admin token and the public URL.

Each option also reads `BATCH_EMULATOR_SERVE_<OPTION>` (the admin token also `BATCH_EMULATOR_ADMIN_TOKEN`).
`guard_options` adds them to a click command; `guard_settings` turns their values into `EmulatorConfig`
fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from pydantic import ValidationError
from yarl import URL

from emulator.config import RequestLimits

F = TypeVar("F", bound=Callable[..., Any])
ENV_PREFIX = "BATCH_EMULATOR_SERVE_"
_DEFAULTS = RequestLimits()

# (option, RequestLimits field, help)
LIMIT_OPTIONS = (
    ("--max-body-bytes", "body_max_bytes", "Largest JSON or form body of an API request, after decompression."),
    ("--max-admin-body-bytes", "admin_body_max_bytes", "Largest JSON body of an admin (/_emulator) request."),
    ("--max-scenario-bytes", "scenario_max_bytes", "Largest scenario document PUT to /_emulator/scenario."),
    ("--max-json-depth", "json_max_depth", "Deepest nesting of arrays and objects in a JSON body (at most 254)."),
    ("--max-yaml-depth", "yaml_max_depth", "Deepest nesting of a scenario document."),
    ("--max-yaml-aliases", "yaml_max_aliases", "Most YAML aliases (*name) a scenario document may use."),
    ("--journal-max-bytes", "journal_max_bytes", "Memory the request journal may hold; the oldest entries go first."),
)


def _env(option: str) -> str:
    return ENV_PREFIX + option.removeprefix("--").replace("-", "_").upper()


def guard_options(command: F) -> F:
    """Add the limit, admin token and public URL options to `command`."""
    for option, field, text in reversed(LIMIT_OPTIONS):
        default = getattr(_DEFAULTS, field)
        command = click.option(
            option, field, type=click.IntRange(min=0), default=None, envvar=_env(option), help=f"{text} [{default:,}]"
        )(command)
    command = click.option(
        "--public-url",
        default=None,
        envvar=_env("--public-url"),
        help="Origin of the presigned and signed URLs handed out (default: the address a request arrived on).",
    )(command)
    return click.option(
        "--admin-token",
        default=None,
        envvar=[_env("--admin-token"), "BATCH_EMULATOR_ADMIN_TOKEN"],
        help="Require 'Authorization: Bearer TOKEN' on every /_emulator request.",
    )(command)


def _public_url(value: str | None) -> str | None:
    if value is None:
        return None
    url = URL(value)
    if url.scheme not in ("http", "https") or not url.host:
        message = f"expected an http(s) URL such as http://emulator:8000, got {value!r}"
        raise click.BadParameter(message, param_hint="--public-url")
    return value.rstrip("/")


def guard_settings(values: dict[str, Any]) -> dict[str, Any]:
    """The `EmulatorConfig` fields for the values of the options `guard_options` added."""
    given = {field: values[field] for _, field, _ in LIMIT_OPTIONS if values.get(field) is not None}
    try:
        limits = RequestLimits(**given)
    except ValidationError as exc:
        problem = exc.errors(include_url=False)[0]
        field = str(problem["loc"][0])
        option = next(option for option, name, _ in LIMIT_OPTIONS if name == field)
        raise click.BadParameter(problem["msg"], param_hint=option) from None
    token = values.get("admin_token") or None
    return {"request_limits": limits, "admin_token": token, "public_url": _public_url(values.get("public_url"))}
