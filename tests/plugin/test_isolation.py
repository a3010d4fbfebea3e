"""Nothing leaks from one test to the next: files, batches, journal, scenarios and their counters, clock, ids."""

from __future__ import annotations

pytest_plugins = ["pytester"]


def test_each_test_starts_from_a_clean_emulator(project):
    project.makepyfile(
        """
        import pytest
        from helpers import LINE, submit

        FIRST_FILE_ID = []

        def _leave_a_mess(batch_emulator):
            client = batch_emulator.openai(max_retries=0)
            FIRST_FILE_ID.append(client.files.create(file=("a.jsonl", LINE), purpose="batch").id)
            submit(client)
            # a document registered under a bundled name replaces it for the rest of this test only
            batch_emulator.use_scenario({"name": "happy_path", "lines": [{"status": 500}]})
            batch_emulator.advance(hours=7)

        @pytest.mark.batch_emulator(scenario="flaky_server")
        def test_first(batch_emulator):
            client = batch_emulator.openai(max_retries=0)
            with pytest.raises(Exception):
                client.batches.retrieve("batch_x")  # consumes the first step of the flaky sequence
            _leave_a_mess(batch_emulator)

        @pytest.mark.batch_emulator(scenario="flaky_server")
        def test_second(batch_emulator):
            client = batch_emulator.openai(max_retries=0)
            assert batch_emulator.now() == 1767225600
            assert len(batch_emulator.requests) == 0
            assert client.files.list().data == []
            assert client.batches.list().data == []
            # the sequence starts again at its first step: 500
            with pytest.raises(Exception) as info:
                client.batches.retrieve("batch_x")
            assert info.value.status_code == 500

        def test_third(batch_emulator):
            client = batch_emulator.openai(max_retries=0)
            assert client.files.create(file=("a.jsonl", LINE), purpose="batch").id == FIRST_FILE_ID[0]
            batch = submit(client)
            batch_emulator.run_until_idle()
            done = client.batches.retrieve(batch.id)
            assert (done.status, done.request_counts.completed) == ("completed", 1)
        """
    )
    project.runpytest().assert_outcomes(passed=3)


def test_a_real_clock_test_does_not_leave_the_next_test_on_a_real_clock(project):
    project.makepyfile(
        """
        import pytest

        @pytest.mark.batch_emulator(clock="real")
        def test_real(batch_emulator):
            assert batch_emulator.clock()["mode"] == "real"

        def test_manual(batch_emulator):
            assert batch_emulator.clock() == {
                "now": 1767225600.0, "iso": "2026-01-01T00:00:00Z", "mode": "manual", "speed": 0.0
            }
        """
    )
    project.runpytest().assert_outcomes(passed=2)
