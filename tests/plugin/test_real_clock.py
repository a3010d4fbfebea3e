"""`clock="real"`: the emulator follows `time.time()`, so freezegun's `freeze_time(..., real_asyncio=True)` and
`tick()` move batches through their statuses when the server runs in the test's process."""

from __future__ import annotations

pytest_plugins = ["pytester"]


def test_freezegun_ticks_drive_a_batch_through_every_status(project):
    project.makepyfile(
        """
        import pytest
        from freezegun import freeze_time
        from helpers import lines, submit

        SLOW = {"name": "one_per_second", "timing": {"requests_per_second": 1}}

        @pytest.mark.batch_emulator(clock="real", scenario=SLOW)
        def test_statuses(batch_emulator):
            client = batch_emulator.openai()
            with freeze_time("2026-01-01T00:00:00Z", real_asyncio=True) as frozen:
                batch = submit(client, lines(10))
                assert batch.created_at == 1767225600
                assert batch_emulator.clock()["iso"] == "2026-01-01T00:00:00Z"
                seen = [batch.status]
                for _ in range(15):
                    frozen.tick(1)
                    seen.append(client.batches.retrieve(batch.id).status)
                done = client.batches.retrieve(batch.id)
            assert seen == ["validating"] * 2 + ["in_progress"] * 10 + ["finalizing"] + ["completed"] * 3
            assert done.in_progress_at == 1767225602
            assert done.completed_at == 1767225613
            assert done.request_counts.completed == 10
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_a_big_tick_runs_every_transition_due_on_the_way(project):
    project.makepyfile(
        """
        import pytest
        from freezegun import freeze_time
        from helpers import lines, submit

        @pytest.mark.batch_emulator(clock="real")
        def test_one_hour(batch_emulator):
            client = batch_emulator.openai()
            with freeze_time("2026-06-01", real_asyncio=True) as frozen:
                batch = submit(client)
                frozen.tick(3600)
                assert batch_emulator.batch(batch.id)["status"] == "completed"
                done = client.batches.retrieve(batch.id)
                assert done.finalizing_at - done.created_at == 2  # validating 2 s, one line in 0.01 s
                assert done.completed_at - done.finalizing_at == 1
                assert len(client.files.content(done.output_file_id).content.splitlines()) == 1

        @pytest.mark.batch_emulator(clock="real")
        def test_expiry_by_moving_to_a_date(batch_emulator):
            client = batch_emulator.openai()
            batch_emulator.use_scenario("expiry_mid_run")
            with freeze_time("2026-06-01T00:00:00Z", real_asyncio=True) as frozen:
                batch = submit(client, lines(10))
                frozen.move_to("2026-06-02T00:00:01Z")
                assert client.batches.retrieve(batch.id).status == "expired"
        """
    )
    project.runpytest().assert_outcomes(passed=2)


def test_a_real_clock_without_freezegun_follows_the_wall_clock(project):
    project.makepyfile(
        """
        import time
        import pytest

        @pytest.mark.batch_emulator(clock="real")
        def test_wall(batch_emulator):
            created = batch_emulator.openai().files.create(file=("a.jsonl", b"{}\\n"), purpose="batch").created_at
            assert abs(created - time.time()) < 5

        @pytest.mark.batch_emulator(clock="real", start_time="2030-01-01T00:00:00Z")
        def test_real_from_a_start(batch_emulator):
            assert 1893456000 <= batch_emulator.now() < 1893456000 + 5
            batch_emulator.advance(hours=1)  # a real clock can still be moved forward
            assert batch_emulator.now() >= 1893456000 + 3600
        """
    )
    project.runpytest().assert_outcomes(passed=2)
