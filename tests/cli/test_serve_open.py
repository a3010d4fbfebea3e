"""`serve --open` opens the dashboard in the default browser (here the BROWSER variable names a script that
records the address instead of opening anything), with the admin token when the server has one, and the startup
banner prints the dashboard's address."""

from __future__ import annotations

import os
import stat
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.serve_process import launch, stop, wait_for_url

OPEN_TIMEOUT = 30.0


def _recording_browser(tmp_path: Path) -> tuple[Path, Path]:
    record = tmp_path / "opened.txt"
    script = tmp_path / "record-browser"
    script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{record}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, record


def _banner_line(process) -> str:
    assert process.stdout is not None
    return process.stdout.readline().decode().strip()


def _opened_page(record: Path) -> str:
    """The address the browser script was given, once it was (checked to serve the dashboard)."""
    deadline = time.monotonic() + OPEN_TIMEOUT
    while not (record.exists() and record.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)  # a real child process: poll its output file, bounded
    address = record.read_text()
    with urllib.request.urlopen(address, timeout=10) as response:
        assert "Run until idle" in response.read().decode()
    return address


@pytest.mark.parametrize(
    ("token", "banner_note", "query"),
    [(None, "", ""), ("s3cret admin", " (add ?token=ADMIN_TOKEN)", "?token=s3cret+admin")],
    ids=["open", "behind-an-admin-token"],
)
def test_serve_open_opens_the_dashboard_and_the_banner_prints_it(tmp_path, token, banner_note, query):
    script, record = _recording_browser(tmp_path)
    env = {**os.environ, "BROWSER": str(script)}
    if token is not None:
        env["BATCH_EMULATOR_ADMIN_TOKEN"] = token
    process = launch("--port", "0", "--clock", "manual", "--open", env=env)
    try:
        url = wait_for_url(process)
        assert _banner_line(process) == f"dashboard: {url}/_emulator/ui{banner_note}"
        assert _opened_page(record) == f"{url}/_emulator/ui{query}"
    finally:
        assert stop(process) == 0


def test_serve_without_open_opens_nothing(tmp_path):
    script, record = _recording_browser(tmp_path)
    process = launch("--port", "0", "--clock", "manual", env={**os.environ, "BROWSER": str(script)})
    try:
        url = wait_for_url(process)
        assert _banner_line(process) == f"dashboard: {url}/_emulator/ui"
        with urllib.request.urlopen(url + "/_emulator/health", timeout=10) as response:
            assert response.status == 200
    finally:
        assert stop(process) == 0
    assert not record.exists()
