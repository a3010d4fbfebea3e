"""Every option of every command reads BATCH_EMULATOR_<COMMAND>_<OPTION> (named after the option, as the help
says), and a real `serve` process honours the variables that used to be ignored (API key, clock, scenario)."""

from __future__ import annotations

import os
import signal
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import click
import openai
import pytest
from click.core import ParameterSource

from emulator.cli import main
from tests.support.serve_process import launch, wait_for_url


def every_option(
    group: click.Group = main, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Option]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from every_option(command, (*path, name))
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                yield (*path, name), param


OPTIONS = list(every_option())


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = main
    for word in path:
        assert isinstance(command, click.Group)
        command = command.commands[word]
    return command


def sample(option: click.Option, tmp_path: Path) -> str:
    """A value the option accepts, written as it would be in the environment."""
    special = {
        "--start-time": "2026-01-01T00:00:00Z",
        "--embedding-dimensions": "my-model=8",
        "--webhook-secret": "whsec_c2VjcmV0",
        "--scenario": "partial_line_failures",
        "--data-dir": str(tmp_path / "data"),
        "--output": str(tmp_path / "out.jsonl"),
        "--errors": str(tmp_path / "errors.jsonl"),
        "--json": str(tmp_path / "report.json"),
        "--openapi": str(tmp_path / "input.jsonl"),  # an existing file; only the option's parsing is checked
    }
    longest = max(option.opts, key=len)
    if option.is_flag:
        return "true"
    if longest in special:
        return special[longest]
    if isinstance(option.type, click.Choice):
        return str(option.type.choices[-1])
    if isinstance(option.type, click.types.IntParamType):
        return "3"
    if isinstance(option.type, click.types.FloatParamType):
        return "2.5"
    return "value"


def test_there_are_options_on_every_command():
    assert {path for path, _ in OPTIONS} >= {("serve",), ("validate",), ("run",)}
    assert len(OPTIONS) >= 30


@pytest.mark.parametrize(("path", "option"), OPTIONS, ids=[f"{' '.join(p)} {max(o.opts, key=len)}" for p, o in OPTIONS])
def test_each_option_reads_its_environment_variable_named_after_the_option(path, option, tmp_path, monkeypatch):
    expected = "_".join(["BATCH_EMULATOR", *path, max(option.opts, key=len).lstrip("-")]).upper().replace("-", "_")
    names = [option.envvar] if isinstance(option.envvar, str) else list(option.envvar or [])
    assert names[0] == expected  # an option may also keep an older name after this one
    assert option.show_envvar
    command = command_at(path)
    source = tmp_path / "input.jsonl"
    source.write_text('{"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {}}\n')
    positional = {"validate": [str(source)], "run": [str(source)], "check": ["happy_path"]}.get(path[-1], [])
    monkeypatch.setenv(expected, sample(option, tmp_path))
    if path == ("run",) and option.name != "output":
        monkeypatch.setenv("BATCH_EMULATOR_RUN_OUTPUT", str(tmp_path / "out.jsonl"))
    if path == ("conformance",) and option.name != "base_url":
        monkeypatch.setenv("BATCH_EMULATOR_CONFORMANCE_BASE_URL", "http://127.0.0.1:9/v1")
    with command.make_context(path[-1], positional) as ctx:
        assert ctx.get_parameter_source(option.name) == ParameterSource.ENVIRONMENT
        assert ctx.params[option.name] not in (None, ())


def test_the_variables_click_derived_from_parameter_names_no_longer_apply(monkeypatch):
    monkeypatch.setenv("BATCH_EMULATOR_SERVE_API_KEYS", "ignored")
    monkeypatch.setenv("BATCH_EMULATOR_SERVE_CLOCK_MODE", "manual")
    with command_at(("serve",)).make_context("serve", []) as ctx:
        assert ctx.params["api_keys"] == () and ctx.params["clock_mode"] == "real"


def test_a_served_process_honours_api_key_clock_scenario_and_model_from_the_environment():
    env = {
        **os.environ,
        "BATCH_EMULATOR_SERVE_API_KEY": "secret",
        "BATCH_EMULATOR_SERVE_CLOCK": "manual",
        "BATCH_EMULATOR_SERVE_SCENARIO": "partial_line_failures",
        "BATCH_EMULATOR_SERVE_MODEL": "gpt-4o-mini",
    }
    process = launch("--port", "0", env=env)
    url = wait_for_url(process)
    try:
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=url + "/v1", api_key="wrong", max_retries=0).files.list()
        client = openai.OpenAI(base_url=url + "/v1", api_key="secret", max_retries=0)
        assert client.files.list().data == []
        with pytest.raises(openai.NotFoundError):
            client.models.retrieve("gpt-4.1")
        with urllib.request.urlopen(url + "/_emulator/clock", timeout=10) as answer:
            assert b'"mode":"manual"' in answer.read()
        with urllib.request.urlopen(url + "/_emulator/scenarios", timeout=10) as answer:
            assert b'"active":"partial_line_failures"' in answer.read()
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    assert process.returncode == 0


def test_the_help_of_each_command_names_its_variables():
    from click.testing import CliRunner

    for path in {p for p, _ in OPTIONS}:
        text = CliRunner().invoke(main, [*path, "--help"], terminal_width=200).stdout
        for option_path, option in OPTIONS:
            if option_path == path:
                first = option.envvar if isinstance(option.envvar, str) else option.envvar[0]
                assert first in text, (path, first)
