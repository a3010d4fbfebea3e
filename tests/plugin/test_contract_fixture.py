"""Contract mode in the pytest plugin: a test whose client breaks the OpenAPI contract fails with a report naming
the operation, where, what was sent and what the document allows; the same test with the request fixed passes."""

from __future__ import annotations

pytest_plugins = ["pytester"]

CLIENT_UNDER_TEST = """
import io

import openai


def list_batches(client, limit):
    return client.batches.list(extra_query={"limit": limit})


def start_job(client, tier):
    file = client.files.create(file=("in.jsonl", io.BytesIO(b"{}\\n")), purpose="batch")
    try:
        client.batches.create(
            input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h", metadata={"tier": tier}
        )
    except openai.BadRequestError:
        pass  # the client under test swallows the refusal
"""


def test_a_forbidden_request_fails_the_test_with_a_report_and_passes_once_fixed(project):
    project.makepyfile(client_under_test=CLIENT_UNDER_TEST)
    project.makepyfile(
        """
        import pytest

        from client_under_test import start_job


        @pytest.mark.batch_emulator(contract=True)
        def test_sends_a_number_as_metadata(batch_emulator):
            start_job(batch_emulator.openai(max_retries=0), 1)


        @pytest.mark.batch_emulator(contract=True)
        def test_sends_a_string_as_metadata(batch_emulator):
            start_job(batch_emulator.openai(max_retries=0), "1")


        def test_without_contract_mode_nothing_is_checked(batch_emulator):
            start_job(batch_emulator.openai(max_retries=0), 1)
        """
    )
    result = project.runpytest("-rf")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_sends_a_number_as_metadata*",
            "*the batch emulator recorded 1 contract violation against the official OpenAPI document*",
            "*request of POST /v1/batches (operation createBatch, request req_*)",
            "*at $.metadata.tier: 1 is not of type 'string'",
            "*sent:    1",
            '*allowed: type: "string"',
        ]
    )


def test_the_ini_option_turns_contract_mode_on_and_violations_are_listed_on_the_handle(project):
    project.makeini(
        """
        [pytest]
        asyncio_default_fixture_loop_scope = function
        addopts = -p no:cacheprovider
        batch_emulator_contract = true
        """
    )
    project.makepyfile(client_under_test=CLIENT_UNDER_TEST)
    project.makepyfile(
        """
        import openai
        import pytest

        from client_under_test import list_batches


        def test_bad_limit_is_reported(batch_emulator):
            with pytest.raises(openai.BadRequestError):
                list_batches(batch_emulator.openai(max_retries=0), "abc")


        def test_a_test_may_look_at_the_violations_it_provoked(batch_emulator):
            with pytest.raises(openai.BadRequestError):
                list_batches(batch_emulator.openai(max_retries=0), "abc")
            (violation,) = batch_emulator.contract_violations()
            assert (violation["operation"], violation["where"], violation["sent"]) == ("listBatches", "limit", "abc")
            batch_emulator.clear_contract_violations()


        def test_violations_before_a_reset_still_count(batch_emulator):
            with pytest.raises(openai.BadRequestError):
                list_batches(batch_emulator.openai(max_retries=0), "abc")
            batch_emulator.reset()
            assert list_batches(batch_emulator.openai(), 5).data == []


        @pytest.mark.batch_emulator(contract=False)
        def test_the_marker_turns_it_off(batch_emulator):
            with pytest.raises(openai.BadRequestError):
                list_batches(batch_emulator.openai(max_retries=0), "abc")
        """
    )
    result = project.runpytest("-rf")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(["FAILED *test_bad_limit_is_reported*", "FAILED *test_violations_before_a_reset*"])
    result.stdout.fnmatch_lines(["*at limit: 'abc' is not of type 'integer'*"])


def test_a_bad_contract_marker_value_is_a_usage_error(project):
    project.makepyfile(
        """
        import pytest


        @pytest.mark.batch_emulator(contract="yes")
        def test_it(batch_emulator):
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*contract must be True or False, got 'yes'*"])
