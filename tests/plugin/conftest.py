"""Helpers for testing the pytest plugin with `pytester`: each test writes a small test project and runs it."""

from __future__ import annotations

import textwrap

import freezegun
import hypothesis
import openai
import pytest

import emulator.server

# In-process `runpytest` drops the modules an inner run imported; importing the server (and what it uses) and
# the plugins that import lazily here keeps one copy of each module (and keeps inner runs fast).
PRELOADED = (emulator.server, freezegun, hypothesis, openai)

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
addopts = -p no:cacheprovider
"""

# Shared by the inner projects: one input line and a helper that runs a one-line batch to completion.
HELPERS = """
import io

LINE = (
    b'{"custom_id": "row-1", "method": "POST", "url": "/v1/chat/completions", '
    b'"body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}}\\n'
)


def lines(n):
    return b"".join(LINE.replace(b"row-1", f"row-{i}".encode()) for i in range(1, n + 1))


def submit(client, data=LINE):
    file = client.files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch")
    return client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester project with an ini file and `helpers.py` (LINE, lines(n), submit(client, data)) for its tests."""
    pytester.makeini(INI)
    pytester.makepyfile(helpers=textwrap.dedent(HELPERS))
    pytester.syspathinsert()
    return pytester
