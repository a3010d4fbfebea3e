"""The example batch client against every bundled scenario: the tests an application would write for its own
batch code. The client waits through `batch_emulator.sleep`, so backoff moves virtual time, not wall time."""

from __future__ import annotations

import json

import pytest

from tests.examples.batch_client import BatchRunner


def chat_requests(n: int, prefix: str = "q") -> list[dict]:
    return [
        {
            "custom_id": f"{prefix}-{i}",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"Summarise note {i}"}]},
        }
        for i in range(1, n + 1)
    ]


@pytest.fixture
def runner(batch_emulator):
    yield BatchRunner(batch_emulator.openai(), sleep=batch_emulator.sleep)
    # a well-behaved client: it backs off, never reruns an input and reads every output and error file
    assert batch_emulator.client_findings() == []


def test_happy_path_returns_every_answer_after_a_few_polls(runner, batch_emulator):
    report = runner.run(chat_requests(5))

    assert report.succeeded == ["q-1", "q-2", "q-3", "q-4", "q-5"]
    assert all(report.text(cid) for cid in report.succeeded)
    assert [b.status for b in report.batches] == ["completed"]
    # validating 2 s + 5 lines at 100/s + finalizing 1 s: polls after 5 s find it done
    assert batch_emulator.requests.polls(report.batches[0].id) == 2
    assert batch_emulator.now() - report.batches[0].created_at == 5


@pytest.mark.batch_emulator(scenario="partial_line_failures")
def test_partial_failures_retry_server_errors_but_not_client_errors(runner, batch_emulator):
    requests = chat_requests(6)
    requests[0]["custom_id"] = "fail-1"  # the scenario answers 500 to "fail-*" ids, in every batch
    report = runner.run(requests)

    assert report.failed == ["fail-1", "q-4"]
    assert report.results["q-4"].error_code == "context_length_exceeded"
    assert report.results["q-4"].attempts == 1  # a 400 is not worth retrying
    assert report.results["fail-1"].status_code == 500
    assert report.results["fail-1"].attempts == 3  # retried until max_attempts
    assert [b.request_counts.total for b in report.batches] == [6, 1, 1]
    assert batch_emulator.requests.count("POST", "/v1/batches") == 3


@pytest.mark.batch_emulator(scenario="validation_failure")
def test_validation_failure_maps_line_errors_to_custom_ids_without_retrying(runner, batch_emulator):
    report = runner.run(chat_requests(3))

    assert report.batches[0].status == "failed"
    assert report.results["q-2"].error_code == "invalid_url"
    assert report.results["q-3"].error_code == "missing_required_parameter"
    assert report.results["q-1"].error_code == "batch_failed"
    assert len(report.batches) == 1
    batch_emulator.requests.assert_not_called("GET", "/v1/files/*/content")


@pytest.mark.batch_emulator(scenario="expiry_mid_run")
def test_expired_lines_are_resubmitted_and_finished_lines_kept(batch_emulator):
    runner = BatchRunner(batch_emulator.openai(), sleep=batch_emulator.sleep, max_delay=3600)
    report = runner.run(chat_requests(10))

    first, second = report.batches
    assert first.status == "expired"
    assert (first.request_counts.completed, first.request_counts.failed) == (8, 2)
    assert second.status == "completed" and second.request_counts.total == 2
    assert report.failed == []
    assert [cid for cid, r in report.results.items() if r.attempts == 2] == ["q-9", "q-10"]


@pytest.mark.batch_emulator(scenario="slow_cancellation")
def test_giving_up_cancels_and_waits_for_the_cancellation(batch_emulator):
    runner = BatchRunner(batch_emulator.openai(), sleep=batch_emulator.sleep, first_delay=2, give_up_after=4)
    report = runner.run(chat_requests(20))

    (batch,) = report.batches
    assert batch.status == "cancelled"
    assert batch.cancelled_at - batch.cancelling_at == 600
    finished = report.succeeded
    assert finished == [f"q-{i}" for i in range(1, len(finished) + 1)] and 0 < len(finished) < 20
    assert {report.results[cid].error_code for cid in report.failed} == {"not_run"}
    batch_emulator.requests.assert_called("POST", f"/v1/batches/{batch.id}/cancel", times=1)


@pytest.mark.batch_emulator(scenario="rate_limited_api")
def test_rate_limits_are_absorbed_by_the_sdk_retries(runner, batch_emulator):
    report = runner.run(chat_requests(2))

    assert report.failed == []
    log = batch_emulator.requests
    assert [e["status"] for e in log.matching("POST", "/v1/files")] == [429, 429, 200]
    assert [e["status"] for e in log.matching("POST", "/v1/batches")] == [429, 429, 200]
    assert len(log.retries()) == 4


@pytest.mark.batch_emulator(scenario="flaky_server")
def test_flaky_polls_and_downloads_are_retried(runner, batch_emulator):
    report = runner.run(chat_requests(3))

    assert report.succeeded == ["q-1", "q-2", "q-3"]
    log = batch_emulator.requests
    assert [e["status"] for e in log.matching("GET", "/v1/batches/*")][:3] == [500, 503, 200]
    assert [e["status"] for e in log.matching("GET", "/v1/files/*/content")][:3] == [503, 500, 200]
    assert len(log.retries()) == 4


def test_flaky_server_without_sdk_retries_surfaces_the_error(batch_emulator):
    import openai

    batch_emulator.use_scenario("flaky_server")
    runner = BatchRunner(batch_emulator.openai(max_retries=0), sleep=batch_emulator.sleep)
    with pytest.raises(openai.InternalServerError):
        runner.run(chat_requests(1))


@pytest.mark.batch_emulator(scenario="all_lines_failed")
def test_all_lines_failed_is_a_completed_batch_with_only_an_error_file(runner):
    report = runner.run(chat_requests(4))

    (batch,) = report.batches
    assert batch.status == "completed" and batch.output_file_id is None
    assert report.succeeded == []
    assert {r.error_code for r in report.results.values()} == {"invalid_value"}


@pytest.mark.batch_emulator(scenario="token_limit_exceeded")
def test_token_limit_is_retried_then_reported(runner, batch_emulator):
    report = runner.run(chat_requests(2))

    assert [b.status for b in report.batches] == ["failed"] * 3
    assert {r.error_code for r in report.results.values()} == {"token_limit_exceeded"}
    assert report.results["q-1"].error_message.startswith("Enqueued token limit reached for")


@pytest.mark.batch_emulator(scenario="status_code_zero_lines")
def test_status_code_zero_lines_are_treated_as_lost_and_retried(runner):
    report = runner.run(chat_requests(10))

    first = report.batches[0]
    assert (first.request_counts.completed, first.request_counts.failed) == (10, 0)  # the counts say all is well
    assert report.failed == []
    assert [cid for cid, r in report.results.items() if r.attempts == 2] == ["q-5", "q-10"]


@pytest.mark.batch_emulator(scenario="missing_output_lines")
def test_lines_missing_from_the_output_are_resubmitted(runner):
    report = runner.run(chat_requests(10))

    assert report.batches[0].request_counts.completed == 10
    assert [cid for cid, r in report.results.items() if r.attempts == 2] == ["q-4", "q-8"]
    assert report.failed == []


@pytest.mark.batch_emulator(scenario="empty_string_file_ids")
def test_empty_string_file_ids_are_not_downloaded(runner, batch_emulator):
    report = runner.run(chat_requests(2))

    assert report.batches[0].error_file_id == ""
    assert report.failed == []
    batch_emulator.requests.assert_not_called("GET", "/v1/files//content")


@pytest.mark.batch_emulator(scenario="shuffled_output")
def test_shuffled_output_is_joined_on_custom_id(runner, batch_emulator):
    requests = chat_requests(12)
    report = runner.run(requests)

    assert list(report.results) == [r["custom_id"] for r in requests]
    assert report.failed == []
    raw = runner.client.files.content(report.batches[0].output_file_id).text.splitlines()
    file_order = [json.loads(line)["custom_id"] for line in raw]
    assert sorted(file_order) == sorted(report.results) and file_order != list(report.results)
