"""The `batch_emulator` fixture: registration, the handle's surface, and the OPENAI_* environment fixture."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_the_plugin_is_loaded_through_its_entry_point(project):
    config = project.parseconfig()
    assert config.pluginmanager.has_plugin("batch_emulator")
    project.makepyfile("def test_uses_it(batch_emulator):\n    pass\n")
    disabled = project.runpytest("-p", "no:batch_emulator")
    disabled.assert_outcomes(errors=1)
    disabled.stdout.fnmatch_lines(["*fixture 'batch_emulator' not found*"])


def test_the_handle_drives_a_batch_through_the_sdk(project):
    project.makepyfile(
        """
        from helpers import submit

        def test_batch(batch_emulator):
            assert batch_emulator.base_url.endswith("/v1")
            assert batch_emulator.in_process
            client = batch_emulator.openai()
            batch = submit(client)
            assert batch.status == "validating"
            batch_emulator.advance(seconds=1)
            assert client.batches.retrieve(batch.id).status == "validating"
            batch_emulator.advance(seconds=1)
            assert client.batches.retrieve(batch.id).status == "in_progress"
            batch_emulator.run_until_idle()
            done = client.batches.retrieve(batch.id)
            assert done.status == "completed"
            assert batch_emulator.batch(batch.id)["status"] == "completed"
            assert batch_emulator.file(done.output_file_id)["purpose"] == "batch_output"
            assert batch_emulator.requests.polls(batch.id) == 3
            batch_emulator.requests.assert_called("POST", "/v1/files", times=1)
            batch_emulator.requests.assert_not_called("POST", "/v1/batches/*/cancel")
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_advance_takes_minutes_hours_and_days(project):
    project.makepyfile(
        """
        def test_units(batch_emulator):
            start = batch_emulator.now()
            assert start == 1767225600  # 2026-01-01T00:00:00Z
            batch_emulator.advance(seconds=5, minutes=1, hours=1, days=1)
            assert batch_emulator.now() == start + 5 + 60 + 3600 + 86400
            batch_emulator.sleep(10)
            assert batch_emulator.clock()["iso"] == "2026-01-02T01:01:15Z"
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_a_failed_journal_assertion_lists_the_requests_seen(project):
    project.makepyfile(
        """
        def test_expects_a_poll(batch_emulator):
            batch_emulator.openai().files.list()
            batch_emulator.requests.assert_called("GET", "/v1/batches/*")
        """
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*expected GET /v1/batches/* at least once, saw 0*", "*GET /v1/files*"])


def test_reset_inside_a_test_returns_to_the_tests_start(project):
    project.makepyfile(
        """
        import pytest

        @pytest.mark.batch_emulator(start_time="2030-01-01T00:00:00Z", scenario="partial_line_failures")
        def test_reset(batch_emulator):
            client = batch_emulator.openai()
            client.files.create(file=("a.jsonl", b"{}\\n"), purpose="batch")
            batch_emulator.use_scenario("happy_path")
            batch_emulator.advance(hours=3)
            batch_emulator.reset()
            assert client.files.list().data == []
            assert batch_emulator.clock()["iso"] == "2030-01-01T00:00:00Z"
            assert [e["path"] for e in batch_emulator.requests] == ["/v1/files"]
            batch_emulator.reset(start_time="2031-01-01T00:00:00Z")
            assert batch_emulator.clock()["iso"] == "2031-01-01T00:00:00Z"
        """
    )
    project.runpytest().assert_outcomes(passed=1)


@pytest.mark.parametrize("fixture", ["batch_emulator_openai_env", "batch_emulator_env"])
def test_env_fixture_points_a_default_client_at_the_emulator(project, fixture):
    project.makepyfile(
        f"""
        import os
        import openai

        def test_env({fixture}):
            assert os.environ["OPENAI_BASE_URL"] == {fixture}.base_url
            client = openai.OpenAI()  # reads OPENAI_BASE_URL and OPENAI_API_KEY
            client.files.create(file=("a.jsonl", b"{{}}\\n"), purpose="batch")
            assert {fixture}.requests.calls() == ["POST /v1/files"]
            assert {fixture}.requests[0]["headers"]["user-agent"].startswith("OpenAI/Python")
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_a_conftest_can_change_the_server_config(project):
    project.makeconftest(
        """
        import pytest
        from emulator.config import EmulatorConfig, Timing

        @pytest.fixture(scope="session")
        def batch_emulator_config():
            return EmulatorConfig(port=0, clock="manual", api_keys=("sk-team",), timing=Timing(validating=30))
        """
    )
    project.makepyfile(
        """
        import openai
        import pytest
        from helpers import submit

        def test_config(batch_emulator):
            assert batch_emulator.api_key == "sk-team"
            batch = submit(batch_emulator.openai())
            batch_emulator.advance(29)
            assert batch_emulator.batch(batch.id)["status"] == "validating"
            batch_emulator.advance(1)
            assert batch_emulator.batch(batch.id)["status"] == "in_progress"
            with pytest.raises(openai.AuthenticationError):
                batch_emulator.openai(api_key="sk-other", max_retries=0).files.list()
        """
    )
    project.runpytest().assert_outcomes(passed=1)
