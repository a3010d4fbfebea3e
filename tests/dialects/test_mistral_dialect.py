"""Mistral batch jobs and files through the `mistralai` SDK (3.x, `client.batch.jobs`)."""

from __future__ import annotations

import orjson
import pytest
from mistralai.client import Mistral
from mistralai.client.errors import SDKError
from mistralai.client.utils import BackoffStrategy, RetryConfig

from tests.support.raw import request as raw_request

START = 1_767_225_600
SLOW = {"name": "slow", "timing": {"requests_per_second": 1 / 100_000}}


def lines(n, model="mistral-small-latest"):
    rows = [
        {"custom_id": f"q{i}", "body": {"model": model, "messages": [{"role": "user", "content": f"Question {i}"}]}}
        for i in range(n)
    ]
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def test_a_job_from_an_uploaded_file_succeeds(batch_emulator, mistral):
    uploaded = mistral.files.upload(file={"file_name": "jobs.jsonl", "content": lines(3)}, purpose="batch")
    assert uploaded.sample_type == "batch_request" and uploaded.source == "upload"
    job = mistral.batch.jobs.create(input_files=[uploaded.id], endpoint="/v1/chat/completions")
    assert job.status == "QUEUED" and job.input_files == [uploaded.id] and len(job.id) == 36
    batch_emulator.advance(2.5)
    assert mistral.batch.jobs.get(job_id=job.id).status == "RUNNING"
    batch_emulator.run_until_idle()
    done = mistral.batch.jobs.get(job_id=job.id)
    assert done.status == "SUCCESS"
    assert (done.total_requests, done.succeeded_requests, done.failed_requests) == (3, 3, 0)
    assert done.started_at == START + 2 and done.completed_at is not None
    info = mistral.files.retrieve(file_id=done.output_file)
    assert info.sample_type == "batch_result" and info.source == "mistral"
    results = [orjson.loads(line) for line in mistral.files.download(file_id=done.output_file).read().splitlines()]
    assert sorted(r["custom_id"] for r in results) == ["q0", "q1", "q2"]
    assert all(r["response"]["status_code"] == 200 and r["error"] is None for r in results)


def test_inline_requests_with_the_job_model_and_inline_outputs(batch_emulator, mistral):
    requests = [{"custom_id": "a", "body": {"messages": [{"role": "user", "content": "Hi"}]}}]
    job = mistral.batch.jobs.create(requests=requests, endpoint="/v1/chat/completions", model="mistral-large-latest")
    batch_emulator.run_until_idle()
    done = mistral.batch.jobs.get(job_id=job.id, inline=True)
    assert done.status == "SUCCESS" and done.model == "mistral-large-latest"
    assert done.outputs[0]["custom_id"] == "a"
    assert done.outputs[0]["response"]["body"]["model"] == "mistral-large-latest"


def test_cancel_then_delete(batch_emulator, mistral):
    batch_emulator.use_scenario(SLOW)
    uploaded = mistral.files.upload(file={"file_name": "jobs.jsonl", "content": lines(2)}, purpose="batch")
    job = mistral.batch.jobs.create(input_files=[uploaded.id], endpoint="/v1/chat/completions")
    assert mistral.batch.jobs.cancel(job_id=job.id).status == "CANCELLATION_REQUESTED"
    batch_emulator.run_until_idle()
    assert mistral.batch.jobs.get(job_id=job.id).status == "CANCELLED"
    assert mistral.batch.jobs.delete(job_id=job.id).deleted is True
    with pytest.raises(SDKError):
        mistral.batch.jobs.get(job_id=job.id)


def test_timeout_hours_sets_the_deadline(batch_emulator, mistral):
    batch_emulator.use_scenario(SLOW)
    requests = [{"custom_id": "a", "body": {"model": "m", "messages": [{"role": "user", "content": "Hi"}]}}]
    job = mistral.batch.jobs.create(requests=requests, endpoint="/v1/chat/completions", timeout_hours=2)
    batch_emulator.advance(hours=2)
    done = mistral.batch.jobs.get(job_id=job.id)
    assert done.status == "TIMEOUT_EXCEEDED" and done.failed_requests == 1
    errors = mistral.files.download(file_id=done.error_file).read()
    assert orjson.loads(errors.splitlines()[0])["error"]["code"] == "batch_expired"


def test_a_broken_file_fails_the_job_with_errors(batch_emulator, mistral):
    uploaded = mistral.files.upload(
        file={"file_name": "bad.jsonl", "content": b'{"custom_id": "x"}\n'}, purpose="batch"
    )
    job = mistral.batch.jobs.create(input_files=[uploaded.id], endpoint="/v1/chat/completions")
    batch_emulator.run_until_idle()
    done = mistral.batch.jobs.get(job_id=job.id)
    assert done.status == "FAILED" and done.errors and done.errors[0].message


def test_list_pages_and_filters_by_status(batch_emulator, mistral):
    requests = [{"custom_id": "a", "body": {"model": "m", "messages": [{"role": "user", "content": "Hi"}]}}]
    first = mistral.batch.jobs.create(requests=requests, endpoint="/v1/chat/completions")
    batch_emulator.run_until_idle()
    second = mistral.batch.jobs.create(requests=requests, endpoint="/v1/chat/completions")
    listed = mistral.batch.jobs.list(page=0, page_size=1)
    assert listed.total == 2 and [j.id for j in listed.data] == [second.id]
    assert [j.id for j in mistral.batch.jobs.list(page=1, page_size=1).data] == [first.id]
    assert [j.id for j in mistral.batch.jobs.list(status=["SUCCESS"]).data] == [first.id]
    assert [j.id for j in mistral.batch.jobs.list(order_by="created").data] == [first.id, second.id]


def test_unsupported_endpoint_and_missing_input_are_rejected(mistral):
    with pytest.raises(SDKError):
        mistral.batch.jobs.create(input_files=["file-x"], endpoint="/v1/ocr")
    with pytest.raises(SDKError):
        mistral.batch.jobs.create(endpoint="/v1/chat/completions")


def test_files_list_with_total(mistral):
    for name in ("a.jsonl", "b.jsonl"):
        mistral.files.upload(file={"file_name": name, "content": lines(1)}, purpose="batch")
    listed = mistral.files.list()
    assert listed.total == 2 and [f.filename for f in listed.data] == ["b.jsonl", "a.jsonl"]


# -- errors raised before the route runs (auth, scenario faults, unknown paths) ------------------------


def test_a_missing_key_is_mistrals_401(batch_emulator, monkeypatch):
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    keyless = Mistral(server_url=batch_emulator.url + "/mistral")
    with pytest.raises(SDKError) as info:
        keyless.batch.jobs.list()
    assert info.value.status_code == 401
    assert orjson.loads(info.value.body) == {"detail": "Unauthorized"}


def test_a_scripted_429_comes_in_mistrals_envelope(batch_emulator, mistral):
    rule = {
        "match": {"method": "GET", "path": "/mistral/v1/batch/jobs"},
        "status": 429,
        "error": {"message": "Rate limit exceeded", "type": "rate_limited", "code": "1300"},
        "headers": {"retry-after": "7"},
    }
    batch_emulator.use_scenario({"http": [rule]})
    with pytest.raises(SDKError) as info:
        mistral.batch.jobs.list()
    assert info.value.status_code == 429
    assert info.value.headers["retry-after"] == "7"
    assert orjson.loads(info.value.body) == {
        "object": "error",
        "message": "Rate limit exceeded",
        "type": "rate_limited",
        "param": None,
        "code": "1300",
    }


def test_the_sdk_retries_through_a_scripted_429(batch_emulator):
    rule = {"match": {"method": "POST", "path": "/mistral/v1/batch/jobs"}, "sequence": [429, "pass"]}
    batch_emulator.use_scenario({"http": [rule]})
    retrying = Mistral(
        api_key=batch_emulator.api_key,
        server_url=batch_emulator.url + "/mistral",
        retry_config=RetryConfig("backoff", BackoffStrategy(1, 10, 1.5, 5000), retry_connection_errors=False),
    )
    requests = [{"custom_id": "a", "body": {"messages": [{"role": "user", "content": "Hi"}]}}]
    job = retrying.batch.jobs.create(requests=requests, endpoint="/v1/chat/completions", model="mistral-small-latest")
    assert job.status == "QUEUED"
    statuses = [e["status"] for e in batch_emulator.requests.matching("POST", "/mistral/v1/batch/jobs")]
    assert statuses == [429, 200]


def test_a_scripted_upload_fault_matches_the_purpose_and_keeps_no_file(batch_emulator, mistral):
    rule = {"match": {"method": "POST", "path": "/mistral/v1/files", "purpose": "batch"}, "status": 500, "times": 1}
    batch_emulator.use_scenario({"http": [rule]})
    with pytest.raises(SDKError) as info:
        mistral.files.upload(file={"file_name": "jobs.jsonl", "content": lines(1)}, purpose="batch")
    assert info.value.status_code == 500 and orjson.loads(info.value.body)["object"] == "error"
    assert mistral.files.list().total == 0
    assert mistral.files.upload(file={"file_name": "jobs.jsonl", "content": lines(1)}, purpose="batch").id


def test_unknown_paths_under_the_prefix_are_mistral_404s(batch_emulator):
    auth = {"Authorization": f"Bearer {batch_emulator.api_key}"}
    response = raw_request(batch_emulator.url, "GET", "/mistral/v1/batch/jobz", headers=auth)
    assert response.status == 404
    assert response.json() == {
        "object": "error",
        "message": "Invalid URL (GET /mistral/v1/batch/jobz)",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
