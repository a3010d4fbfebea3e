"""`batch-emulator serve --data-dir` as a child process, for the tests that kill it with SIGKILL and start it
again on the same directory."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from emulator.cli.serve import CRASH_AT_ENV, CRASH_TRACE_ENV

READY = re.compile(rb"serving on (http://\S+)/v1")
STARTUP_LINES = 50
DEFAULT_START = "2026-03-01T00:00:00Z"


def launch(*args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`python -m emulator serve ARGS` with warnings-only logging; output on the process's stdout."""
    return subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--log-level", "warning", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )


def wait_for_url(process: subprocess.Popen[bytes]) -> str:
    """Read the process output until it prints its URL; the root URL (no `/v1`). Kills it if it never does."""
    assert process.stdout is not None
    for _ in range(STARTUP_LINES):
        line = process.stdout.readline()
        if not line:
            break
        match = READY.search(line)
        if match:
            return match.group(1).decode()
    process.kill()
    process.wait()
    raise AssertionError("the server did not print its URL")


def start_serving(
    data_dir: Path, start_time: str | int = DEFAULT_START, *extra: str, env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Serve on a free port with a manual clock (unless `extra` says otherwise: later options win); the process
    and its root URL, once it printed that URL."""
    process = launch(
        "--port",
        "0",
        "--clock",
        "manual",
        "--start-time",
        str(start_time),
        "--data-dir",
        str(data_dir),
        *extra,
        env=env,
    )
    return process, wait_for_url(process)


def crash_env(point: str | None = None, trace: Path | None = None) -> dict[str, str]:
    """This process's environment plus the test-only switch: exit abruptly at `point` (`NAME` or `NAME#N`),
    and/or list every persistence point reached in the file `trace`."""
    env = {key: value for key, value in os.environ.items() if key not in (CRASH_AT_ENV, CRASH_TRACE_ENV)}
    if point is not None:
        env[CRASH_AT_ENV] = point
    if trace is not None:
        env[CRASH_TRACE_ENV] = str(trace)
    return env


def exit_code(process: subprocess.Popen[bytes], timeout: float = 30) -> int:
    """Wait (bounded) for a process that should end on its own, e.g. at a crash point."""
    return process.wait(timeout=timeout)


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no shutdown code runs, as in a crash."""
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, and the exit code of the clean shutdown that follows."""
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=15)
