"""`batch-emulator conformance`: every check passes against this emulator, and each one fails against a stand-in
server that breaks the promise it checks."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.cli import main
from emulator.config import EmulatorConfig
from emulator.conformance.runner import CHECKS, Options, Run, run_suite
from emulator.server import ThreadedEmulator
from tests.conformance.standin import Breakage, Exchange, StandIn
from tests.support.serve_process import launch, stop, wait_for_url

ALL_CHECKS = [name for name, _, _ in CHECKS] + ["schema"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[ThreadedEmulator]:
    with ThreadedEmulator(EmulatorConfig(port=0, clock="manual")) as server:
        yield server


def _results(run: Run) -> dict[str, str]:
    return {result["name"]: result["result"] for result in run.results}


def _run(url: str, admin_url: str | None) -> Run:
    return asyncio.run(run_suite(Options(base_url=url + "/v1", admin_url=admin_url, budget=120)))


def test_every_check_passes_against_a_served_emulator_process(tmp_path: Path):
    process = launch("--port", "0", "--clock", "manual")
    try:
        url = wait_for_url(process)
        report_path = tmp_path / "report.json"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "emulator",
                "conformance",
                "--base-url",
                f"{url}/v1",
                "--admin-url",
                url,
                "--json",
                str(report_path),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        stop(process)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "16 checks: 16 pass, 0 fail, 0 skip" in result.stdout
    assert "batches.lifecycle       PASS    validating -> in_progress -> finalizing -> completed" in result.stdout
    report = json.loads(report_path.read_text())
    assert report["passed"] is True
    assert [check["name"] for check in report["checks"]] == ALL_CHECKS
    assert {check["result"] for check in report["checks"]} == {"pass"}
    assert report["spec"]["title"] == "OpenAI API"


def test_polling_without_a_clock_api_passes_against_a_real_clock_server():
    with ThreadedEmulator(EmulatorConfig(port=0, clock="real", speed=10)) as server:
        run = _run(server.url, None)
    assert run.waiting == "polling in wall time"
    assert set(_results(run).values()) == {"pass"}, run.results


def _on(method: str, pattern: str, change: Callable[[Exchange], None]) -> Callable[[Exchange], None]:
    """Apply `change` to exchanges of `method` on paths matching `pattern`."""

    def apply(exchange: Exchange) -> None:
        if exchange.method == method and fnmatch.fnmatchcase(exchange.path, pattern):
            change(exchange)

    return apply


def _edit(edit: Callable[[dict], None]) -> Callable[[Exchange], None]:
    def change(exchange: Exchange) -> None:
        if exchange.status == 200:
            body = exchange.json()
            edit(body)
            exchange.set_json(body)

    return change


def _drop_last_line_if(marker: bytes) -> Callable[[Exchange], None]:
    def change(exchange: Exchange) -> None:
        if marker in exchange.answer:
            exchange.answer = b"".join(exchange.answer.splitlines(keepends=True)[:-1])

    return change


def _hide_in_progress(batch: dict) -> None:
    if batch["status"] == "in_progress":
        batch["status"] = "validating"
    batch["in_progress_at"] = None


def _answer_without_forwarding(status: int, body: dict) -> Callable[[Exchange], None]:
    def change(exchange: Exchange) -> None:
        exchange.forward = False
        exchange.status = status
        exchange.set_json({**body, "id": exchange.path.rsplit("/", 1)[-1]})

    return change


def _with_status(old: int, new: int, body: dict | None = None) -> Callable[[Exchange], None]:
    def change(exchange: Exchange) -> None:
        if exchange.status == old:
            exchange.status = new
            if body is not None:
                exchange.set_json(body)

    return change


def _failed_as_completed(batch: dict) -> None:
    if batch["status"] == "failed":
        batch.update(status="completed", errors=None)


BREAKAGES = {
    "files.upload": Breakage(after=_on("POST", "/v1/files", _edit(lambda f: f.update(bytes=f["bytes"] + 1)))),
    "files.retrieve": Breakage(after=_on("GET", "/v1/files/file-*", _edit(lambda f: f.update(filename="other.jsonl")))),
    "files.content": Breakage(after=_on("GET", "/v1/files/*/content", _drop_last_line_if(b"Question"))),
    "files.list": Breakage(before=_on("GET", "/v1/files", lambda e: e.query.pop("after", None))),
    "uploads.api": Breakage(after=_on("POST", "/v1/uploads/*/complete", _edit(lambda u: u.update(status="pending")))),
    "batches.create": Breakage(after=_on("POST", "/v1/batches", _edit(lambda b: b.update(metadata=None)))),
    "batches.lifecycle": Breakage(after=_on("GET", "/v1/batches/batch_*", _edit(_hide_in_progress))),
    "batches.request_counts": Breakage(
        after=_on("GET", "/v1/batches/batch_*", _edit(lambda b: b["request_counts"].update(total=2)))
    ),
    "batches.output": Breakage(after=_on("GET", "/v1/files/*/content", _drop_last_line_if(b'"response"'))),
    "batches.list": Breakage(after=_on("GET", "/v1/batches", _edit(lambda page: page.update(data=[], has_more=False)))),
    "files.delete": Breakage(
        before=_on("DELETE", "/v1/files/*", _answer_without_forwarding(200, {"object": "file", "deleted": True}))
    ),
    "errors.unknown_ids": Breakage(after=_with_status(404, 500)),
    "errors.bad_parameters": Breakage(after=_with_status(400, 400, {"detail": "bad request"})),
    "errors.bad_jsonl": Breakage(after=_on("GET", "/v1/batches/batch_*", _edit(_failed_as_completed))),
    "schema": Breakage(after=_on("GET", "/v1/files/file-*", _edit(lambda f: f.update(status_details=7)))),
}


def _cancel_as_retrieve(exchange: Exchange) -> None:
    if exchange.method == "POST" and fnmatch.fnmatchcase(exchange.path, "/v1/batches/*/cancel"):
        exchange.method, exchange.path = "GET", exchange.path.removesuffix("/cancel")


BREAKAGES["batches.cancel"] = Breakage(before=_cancel_as_retrieve)


def _finalizing_as_validating(batch: dict) -> None:
    if batch["status"] == "finalizing":
        batch["status"] = "validating"  # back to a status the batch had left


def test_a_status_that_goes_backwards_fails_the_lifecycle(emulator: ThreadedEmulator):
    emulator.call(lambda: emulator.backend.reset())
    backwards = Breakage(after=_on("GET", "/v1/batches/batch_*", _edit(_finalizing_as_validating)))
    with StandIn(emulator.url, backwards) as stand_in:
        run = _run(stand_in.url, stand_in.url)
    lifecycle = next(r for r in run.results if r["name"] == "batches.lifecycle")
    assert lifecycle["result"] == "fail"
    assert lifecycle["detail"] == "statuses went backwards: validating -> in_progress -> validating -> completed"


def test_every_check_has_a_breakage():
    assert sorted(BREAKAGES) == sorted(ALL_CHECKS)


@pytest.mark.parametrize("check", sorted(BREAKAGES))
def test_each_check_fails_against_a_server_that_breaks_its_promise(emulator: ThreadedEmulator, check: str):
    emulator.call(lambda: emulator.backend.reset())
    with StandIn(emulator.url, BREAKAGES[check]) as stand_in:
        run = _run(stand_in.url, stand_in.url)
    results = _results(run)
    assert results[check] == "fail", run.results
    assert not run.passed
    detail = next(r["detail"] for r in run.results if r["name"] == check)
    assert detail


def test_an_api_without_uploads_is_a_skip_not_a_failure(emulator: ThreadedEmulator):
    emulator.call(lambda: emulator.backend.reset())
    not_found = {
        "message": "Invalid URL (POST /v1/uploads)",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }

    def refuse(exchange: Exchange) -> None:
        exchange.forward, exchange.status = False, 404
        exchange.set_json({"error": not_found})

    not_offered = Breakage(before=_on("POST", "/v1/uploads", refuse))
    with StandIn(emulator.url, not_offered) as stand_in:
        run = _run(stand_in.url, stand_in.url)
    results = _results(run)
    assert results["uploads.api"] == "skip"
    assert run.passed, run.results


def test_the_command_exits_1_with_a_table_and_json_when_a_check_fails(emulator: ThreadedEmulator, tmp_path: Path):
    emulator.call(lambda: emulator.backend.reset())
    with StandIn(emulator.url, BREAKAGES["errors.unknown_ids"]) as stand_in:
        result = CliRunner().invoke(
            main,
            ["conformance", "--base-url", stand_in.url + "/v1", "--admin-url", stand_in.url, "--json", "-"],
        )
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["passed"] is False
    failed = {check["name"]: check["detail"] for check in report["checks"] if check["result"] == "fail"}
    assert "errors.unknown_ids" in failed
    assert "expected HTTP 404, got 500" in failed["errors.unknown_ids"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "ftp://example"], "expected an http:// or https:// URL"),
        (["--base-url", "http://127.0.0.1:9/v1"], "cannot reach http://127.0.0.1:9/v1"),
        (["--budget", "5"], "Missing option '--base-url'"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str):
    result = CliRunner().invoke(main, ["conformance", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_a_clock_api_that_is_not_there_is_a_usage_error(emulator: ThreadedEmulator):
    result = CliRunner().invoke(
        main, ["conformance", "--base-url", emulator.base_url, "--admin-url", emulator.url + "/nothing"]
    )
    assert result.exit_code == 2
    assert "no clock API at" in result.output


def test_a_clock_api_behind_an_admin_token_is_used_with_the_token():
    with ThreadedEmulator(EmulatorConfig(port=0, clock="manual", admin_token="admin-secret")) as server:
        without = CliRunner().invoke(main, ["conformance", "--base-url", server.base_url, "--admin-url", server.url])
        run = asyncio.run(
            run_suite(Options(base_url=server.base_url, admin_url=server.url, admin_token="admin-secret", budget=120))
        )
    assert without.exit_code == 2 and "no clock API at" in without.output
    assert set(_results(run).values()) == {"pass"}, run.results
