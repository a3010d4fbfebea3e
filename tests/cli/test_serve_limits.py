"""`serve` takes every request limit as an option and as a BATCH_EMULATOR_SERVE_* variable."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support import raw, serve_process

JSON = {**raw.AUTH, "Content-Type": "application/json"}


def test_limits_come_from_options_and_environment_variables():
    env = {**os.environ, "BATCH_EMULATOR_SERVE_MAX_BODY_BYTES": "2000", "BATCH_EMULATOR_SERVE_PUBLIC_URL": "http://e:1"}
    process = serve_process.launch("--port", "0", "--max-json-depth", "5", env=env)
    try:
        url = serve_process.wait_for_url(process)
        big = b'{"model": "gpt-4o-mini"' + b" " * 3000 + b"}"
        assert raw.request(url, "POST", "/v1/chat/completions", big, JSON).status == 413
        deep = b'{"model": "gpt-4o-mini", "messages": [[[[[[]]]]]]}'
        answer = raw.request(url, "POST", "/v1/chat/completions", deep, JSON)
        assert answer.status == 400 and "more than 5 levels" in answer.json()["error"]["message"]
    finally:
        serve_process.stop(process)


def test_a_limit_out_of_range_is_a_usage_error():
    for args in (["--max-json-depth", "300"], ["--max-body-bytes", "0"], ["--public-url", "ftp://example.com"]):
        command = [sys.executable, "-m", "emulator", "serve", "--port", "0", *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        assert args[0] in done.stderr
