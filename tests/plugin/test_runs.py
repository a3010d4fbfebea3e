"""How a run finds its server: one per xdist worker, or an already running one given by URL; async tests too."""

from __future__ import annotations

import json

import pytest

from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator

pytest_plugins = ["pytester"]

RECORD_SERVER = """
import json, os, pathlib

def record(handle, name):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    line = json.dumps({"test": name, "worker": worker, "url": handle.url})
    with pathlib.Path(__file__).with_name("servers.jsonl").open("a") as out:
        out.write(line + "\\n")
"""


def test_under_xdist_each_worker_has_its_own_server(project):
    project.makepyfile(record=RECORD_SERVER)
    tests = "\n".join(
        f"""
def test_{i}(batch_emulator):
    from helpers import submit
    from record import record
    client = batch_emulator.openai()
    batch = submit(client)
    batch_emulator.run_until_idle()
    assert client.batches.retrieve(batch.id).status == "completed"
    assert batch_emulator.requests.count("POST", "/v1/batches") == 1
    record(batch_emulator, "test_{i}")
"""
        for i in range(6)
    )
    project.makepyfile(test_many=tests)
    result = project.runpytest("-n", "2")
    result.assert_outcomes(passed=6)
    rows = [json.loads(line) for line in (project.path / "servers.jsonl").read_text().splitlines()]
    by_worker: dict[str, set[str]] = {}
    for row in rows:
        by_worker.setdefault(row["worker"], set()).add(row["url"])
    assert sorted(by_worker) == ["gw0", "gw1"]
    assert all(len(urls) == 1 for urls in by_worker.values())
    assert by_worker["gw0"] != by_worker["gw1"]


def test_async_tests_use_the_async_client(project):
    project.makepyfile(
        """
        import io
        import pytest
        from helpers import LINE

        @pytest.mark.asyncio
        async def test_async_batch(batch_emulator):
            async with batch_emulator.async_openai() as client:
                file = await client.files.create(file=("in.jsonl", io.BytesIO(LINE)), purpose="batch")
                batch = await client.batches.create(
                    input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h"
                )
                batch_emulator.run_until_idle()
                done = await client.batches.retrieve(batch.id)
                assert done.status == "completed"
                content = await client.files.content(done.output_file_id)
                assert b'"custom_id":"row-1"' in content.content.replace(b" ", b"")
            assert batch_emulator.requests[0]["headers"]["x-stainless-async"].startswith("async:")

        @pytest.mark.asyncio
        @pytest.mark.batch_emulator(scenario="rate_limited_api")
        async def test_async_retries_are_journaled(batch_emulator):
            async with batch_emulator.async_openai() as client:
                await client.files.create(file=("in.jsonl", io.BytesIO(LINE)), purpose="batch")
            assert [e["status"] for e in batch_emulator.requests] == [429, 429, 200]
            assert len(batch_emulator.requests.retries()) == 2
        """
    )
    project.runpytest().assert_outcomes(passed=2)


def test_async_tests_in_auto_mode(project):
    project.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    project.makepyfile(
        """
        async def test_auto(batch_emulator):
            async with batch_emulator.async_openai() as client:
                assert (await client.batches.list()).data == []
        """
    )
    project.runpytest("-W", "error::pytest.PytestUnraisableExceptionWarning").assert_outcomes(passed=1)


def test_batch_emulator_url_uses_a_running_server(project, monkeypatch):
    monkeypatch.delenv("BATCH_EMULATOR_URL", raising=False)
    project.makepyfile(
        """
        from helpers import submit

        def test_remote(batch_emulator, batch_emulator_server):
            assert not batch_emulator.in_process
            assert batch_emulator_server.server is None
            client = batch_emulator.openai()
            batch = submit(client)
            batch_emulator.advance(minutes=1)
            assert client.batches.retrieve(batch.id).status == "completed"
            assert batch_emulator.requests.polls(batch.id) == 1
            client.files.create(file=("left.jsonl", b"{}\\n"), purpose="batch")

        def test_remote_is_reset_between_tests(batch_emulator):
            assert batch_emulator.now() == 1767225600
            assert batch_emulator.openai().files.list().data == []
        """
    )
    with ThreadedEmulator(EmulatorConfig(port=0, clock="real")) as server:
        result = project.runpytest(f"--batch-emulator-url={server.base_url}")
        result.assert_outcomes(passed=2)
        assert server.backend.clock.mode == "manual"  # the plugin reset the shared server for its tests
        assert [e["method"] for e in server.backend.journal.entries()] == ["GET"]


def test_the_url_can_come_from_the_environment(project, monkeypatch):
    project.makepyfile(
        """
        def test_remote(batch_emulator):
            assert not batch_emulator.in_process
            batch_emulator.openai().files.list()
        """
    )
    with ThreadedEmulator(EmulatorConfig(port=0, clock="manual")) as server:
        monkeypatch.setenv("BATCH_EMULATOR_URL", server.url)
        project.runpytest().assert_outcomes(passed=1)
        assert [e["path"] for e in server.backend.journal.entries()] == ["/v1/files"]


def test_xdist_workers_cannot_share_a_given_server(project):
    project.makepyfile("def test_one(batch_emulator):\n    pass\n")
    result = project.runpytest("-n", "2", "--batch-emulator-url=http://127.0.0.1:9")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*xdist workers cannot share the server given with --batch-emulator-url*"])
