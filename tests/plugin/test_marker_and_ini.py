"""Configuring tests: the `batch_emulator` marker (per test, class or module) and the `batch_emulator_*` ini options."""

from __future__ import annotations

pytest_plugins = ["pytester"]


def test_marker_sets_scenario_start_time_and_seed(project):
    project.makepyfile(
        """
        import pytest
        from helpers import submit

        @pytest.mark.batch_emulator(scenario="validation_failure", start_time="2027-03-04T05:06:07Z", seed=7)
        def test_configured(batch_emulator):
            assert batch_emulator.clock()["iso"] == "2027-03-04T05:06:07Z"
            client = batch_emulator.openai()
            batch = submit(client)
            batch_emulator.run_until_idle()
            assert client.batches.retrieve(batch.id).status == "failed"
            assert batch_emulator.requests.rules_fired()

        def test_other_seed_gives_other_ids(batch_emulator):
            with_seed_0 = batch_emulator.openai().files.create(file=("a.jsonl", b"{}\\n"), purpose="batch").id
            batch_emulator.reset(seed=7)
            with_seed_7 = batch_emulator.openai().files.create(file=("a.jsonl", b"{}\\n"), purpose="batch").id
            assert with_seed_0 != with_seed_7
        """
    )
    project.runpytest().assert_outcomes(passed=2)


def test_markers_merge_with_the_closest_winning(project):
    project.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.batch_emulator(start_time=0, seed=3)

        @pytest.mark.batch_emulator("flaky_server")
        class TestClass:
            @pytest.mark.batch_emulator(start_time=100)
            def test_merged(self, batch_emulator):
                assert batch_emulator.now() == 100
                active = batch_emulator._remote.admin("GET", "/scenario")
                assert active["name"] == "flaky_server"

            def test_class_and_module(self, batch_emulator):
                assert batch_emulator.now() == 0
        """
    )
    project.runpytest().assert_outcomes(passed=2)


def test_marker_takes_a_scenario_document_or_file(project):
    project.makepyfile(
        test_scenarios="""
        import pathlib
        import pytest
        from helpers import submit

        DOCUMENT = {"name": "slow_validation", "timing": {"validating": 600}}
        FILE = pathlib.Path(__file__).with_name("lines_fail.yaml")

        @pytest.mark.batch_emulator(scenario=DOCUMENT)
        def test_document(batch_emulator):
            batch = submit(batch_emulator.openai())
            batch_emulator.advance(599)
            assert batch_emulator.batch(batch.id)["status"] == "validating"
            batch_emulator.advance(1)
            assert batch_emulator.batch(batch.id)["status"] == "in_progress"

        @pytest.mark.batch_emulator(scenario=FILE)
        def test_file(batch_emulator):
            client = batch_emulator.openai()
            batch = submit(client)
            batch_emulator.run_until_idle()
            done = client.batches.retrieve(batch.id)
            assert (done.request_counts.completed, done.request_counts.failed) == (0, 1)
        """
    )
    project.makefile(".yaml", lines_fail="name: lines_fail\nlines:\n  - status: 500\n")
    project.runpytest().assert_outcomes(passed=2)


def test_bad_marker_options_fail_the_test_with_a_clear_message(project):
    project.makepyfile(
        """
        import pytest

        @pytest.mark.batch_emulator(scenaro="happy_path")
        def test_typo(batch_emulator):
            pass

        @pytest.mark.batch_emulator(clock="fast")
        def test_bad_clock(batch_emulator):
            pass

        @pytest.mark.batch_emulator(start_time="yesterday")
        def test_bad_start(batch_emulator):
            pass

        @pytest.mark.batch_emulator(scenario="no_such_scenario")
        def test_unknown_scenario(batch_emulator):
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(errors=4)
    result.stdout.fnmatch_lines_random(
        [
            "*batch_emulator: unknown marker option(s) scenaro; expected scenario, start_time, seed, clock*",
            "*batch_emulator: clock must be 'manual' or 'real', got 'fast'*",
            "*batch_emulator: start_time: not an epoch number or ISO 8601 time: 'yesterday'*",
            "*could not set up the test*unknown scenario 'no_such_scenario'*",
        ]
    )


def test_ini_options_configure_every_test_and_markers_override_them(project):
    project.makeini(
        """
        [pytest]
        asyncio_default_fixture_loop_scope = function
        batch_emulator_start_time = 2028-02-02T00:00:00Z
        batch_emulator_seed = 11
        batch_emulator_scenario = all_lines_failed
        """
    )
    project.makepyfile(
        """
        import pytest
        from helpers import submit

        def test_from_ini(batch_emulator):
            assert batch_emulator.clock()["iso"] == "2028-02-02T00:00:00Z"
            client = batch_emulator.openai()
            batch = submit(client)
            batch_emulator.run_until_idle()
            assert client.batches.retrieve(batch.id).request_counts.failed == 1

        @pytest.mark.batch_emulator(scenario="happy_path", seed=11)
        def test_marker_wins(batch_emulator):
            client = batch_emulator.openai()
            batch = submit(client)
            batch_emulator.run_until_idle()
            assert client.batches.retrieve(batch.id).request_counts.completed == 1

        def test_ini_seed_is_used(batch_emulator):
            ids = batch_emulator.openai().files.create(file=("a.jsonl", b"{}\\n"), purpose="batch").id
            batch_emulator.reset(seed=11)
            same = batch_emulator.openai().files.create(file=("a.jsonl", b"{}\\n"), purpose="batch").id
            assert ids == same
        """
    )
    project.runpytest().assert_outcomes(passed=3)


def test_ini_clock_real_follows_the_wall_clock(project):
    project.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\nbatch_emulator_clock = real\n")
    project.makepyfile(
        """
        import time

        def test_real(batch_emulator):
            clock = batch_emulator.clock()
            assert clock["mode"] == "real"
            assert abs(clock["now"] - time.time()) < 5
        """
    )
    project.runpytest().assert_outcomes(passed=1)
