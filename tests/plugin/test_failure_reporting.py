"""A crash inside a server handler fails the test that caused it, with the server-side traceback."""

from __future__ import annotations

pytest_plugins = ["pytester"]

BROKEN_BACKEND = """
import openai
import pytest


@pytest.fixture
def broken_listing(batch_emulator_server, monkeypatch):
    def page(*args, **kwargs):
        raise RuntimeError("the file index is corrupt")

    monkeypatch.setattr(batch_emulator_server.server.backend.files, "page", page)
"""


def test_a_handler_crash_fails_a_test_that_swallowed_the_500(project):
    project.makeconftest(BROKEN_BACKEND)
    project.makepyfile(
        """
        import openai
        import pytest

        def test_swallows_it(batch_emulator, broken_listing):
            with pytest.raises(openai.InternalServerError):
                batch_emulator.openai(max_retries=0).files.list()

        def test_next_test_is_unaffected(batch_emulator):
            assert batch_emulator.openai().files.list().data == []
        """
    )
    result = project.runpytest("-rf")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*the batch emulator failed while handling a request:",
            "GET /v1/files -> RuntimeError('the file index is corrupt')",
            "Traceback (most recent call last):",
            '*File "*routes/files.py", line *, in list_files',
            "*in page",
            "RuntimeError: the file index is corrupt",
            "FAILED test_a_handler_crash_fails_a_test_that_swallowed_the_500.py::test_swallows_it*",
        ]
    )


def test_a_test_failing_on_the_500_shows_the_server_traceback_too(project):
    project.makeconftest(BROKEN_BACKEND)
    project.makepyfile(
        """
        def test_sees_the_500(batch_emulator, broken_listing):
            batch_emulator.openai(max_retries=0).files.list()
        """
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   *openai.InternalServerError: Error code: 500*",
            "*- batch-emulator server traceback -*",
            "GET /v1/files -> RuntimeError('the file index is corrupt')",
            "*in list_files",
            "RuntimeError: the file index is corrupt",
        ]
    )


def test_a_crash_while_the_clock_runs_a_timer_points_at_the_timer(project):
    project.makepyfile(
        """
        import pytest
        from helpers import submit

        def test_timer(batch_emulator, batch_emulator_server, monkeypatch):
            batch = submit(batch_emulator.openai())

            def explode(*args, **kwargs):
                raise ValueError("validation blew up")

            monkeypatch.setattr(batch_emulator_server.server.backend.batches.lifecycle, "_validate", explode)
            batch_emulator.run_until_idle()
        """
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*in run_until_idle",
            "*batches/lifecycle.py:*: in <lambda>",
            '*raise ValueError("validation blew up")',
            "E *ValueError*",
        ]
    )
