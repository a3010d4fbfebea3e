"""Client findings through the openai SDK: a careful client has none; tight polling, resubmitting a running or
completed input, and never downloading output or error files are each reported once, with the batch."""

from __future__ import annotations

from tests.conftest import chat_batch_file, chat_line, jsonl

SLOW = {"name": "slow", "timing": {"requests_per_second": 0.01}}
FAILING = {"name": "failing", "lines": [{"match": {"custom_id": "bad-*"}, "status": 500}]}


def run(client, batch_emulator, upload_batch_file, data):
    file = upload_batch_file(data)
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    batch_emulator.run_until_idle()
    return client.batches.retrieve(batch.id)


def kinds(batch_emulator):
    return [(finding["kind"], finding["batch_id"]) for finding in batch_emulator.client_findings()]


def test_a_careful_client_has_no_findings(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario(FAILING)
    done = run(client, batch_emulator, upload_batch_file, jsonl([chat_line("ok-1"), chat_line("bad-1")]))
    client.files.content(done.output_file_id)
    client.files.content(done.error_file_id)
    assert batch_emulator.client_findings() == []


def test_undownloaded_output_and_error_files_are_reported(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario(FAILING)
    done = run(client, batch_emulator, upload_batch_file, jsonl([chat_line("ok-1"), chat_line("bad-1")]))
    findings = batch_emulator.client_findings()
    assert [(f["kind"], f["file_id"]) for f in findings] == [
        ("error_file_not_downloaded", done.error_file_id),
        ("output_file_not_downloaded", done.output_file_id),
    ]
    assert all(f["batch_id"] == done.id and f["message"] for f in findings)
    client.files.content(done.error_file_id)
    assert kinds(batch_emulator) == [("output_file_not_downloaded", done.id)]


def test_an_expired_batch_whose_partial_output_is_ignored_is_reported(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario(SLOW)
    file = upload_batch_file(chat_batch_file(2000))
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    batch_emulator.advance(hours=25)
    expired = client.batches.retrieve(batch.id)
    assert expired.status == "expired"
    client.files.content(expired.error_file_id)
    findings = batch_emulator.client_findings()
    assert [(f["kind"], f["status"]) for f in findings] == [("output_file_not_downloaded", "expired")]
    assert "did not complete" in findings[0]["message"]


def slow_batch(client, batch_emulator, upload_batch_file):
    """A three-line batch that stays in progress for a long while."""
    batch_emulator.use_scenario(SLOW)
    file = upload_batch_file(chat_batch_file(3))
    return client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")


def test_tight_polling_is_reported_once_per_batch(client, batch_emulator, upload_batch_file):
    batch = slow_batch(client, batch_emulator, upload_batch_file)
    for _ in range(10):
        client.batches.retrieve(batch.id)
        batch_emulator.advance(0.05)  # ten polls in half a virtual second: still fine
    assert kinds(batch_emulator) == []
    for _ in range(12):
        client.batches.retrieve(batch.id)  # the clock does not move: a busy loop
    findings = batch_emulator.client_findings()
    assert [(f["kind"], f["batch_id"]) for f in findings] == [("tight_polling", batch.id)]
    assert findings[0]["polls"] > 10


def test_polls_with_backoff_are_fine(client, batch_emulator, upload_batch_file):
    batch = slow_batch(client, batch_emulator, upload_batch_file)
    for _ in range(40):
        client.batches.retrieve(batch.id)
        batch_emulator.advance(1)
    assert kinds(batch_emulator) == []


def test_resubmitting_a_running_or_completed_input_is_reported_but_a_retry_after_failure_is_not(
    client, batch_emulator, upload_batch_file
):
    file = upload_batch_file(chat_batch_file(2))

    def create():
        return client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")

    first = create()
    client.batches.cancel(first.id)
    batch_emulator.run_until_idle()
    retry = create()  # the first was cancelled: a fair retry
    twin = create()  # the retry is still validating: a duplicate
    batch_emulator.run_until_idle()
    for batch in (retry, twin):
        done = client.batches.retrieve(batch.id)
        client.files.content(done.output_file_id)
    late = create()  # after a completed run: a duplicate too
    found = [(f["kind"], f["batch_id"], f["first_batch_id"]) for f in batch_emulator.client_findings()]
    assert found == [("resubmitted_input", twin.id, retry.id), ("resubmitted_input", late.id, twin.id)]
    assert late.input_file_id == file.id
