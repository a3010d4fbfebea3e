"""Scenario batch rules through the server and the openai SDK: validation failures, timing, stuck states,
cancel behaviour, and which batch a rule picks (nth, metadata, endpoint)."""

from __future__ import annotations

import openai
import pytest

from tests.conftest import chat_batch_file, jsonl, parse_jsonl

START = 1_767_225_600
WINDOW = 86_400


def submit(client, upload_batch_file, data: bytes = b"", endpoint: str = "/v1/chat/completions", **kwargs):
    file = upload_batch_file(data or chat_batch_file(3))
    return client.batches.create(input_file_id=file.id, endpoint=endpoint, completion_window="24h", **kwargs)


def custom_ids(client, file_id: str | None) -> list[str]:
    if file_id is None:
        return []
    return [line["custom_id"] for line in parse_jsonl(client.files.content(file_id).content)]


def batch_rules(batch_emulator) -> list[tuple[str, str]]:
    return [(e["batch_id"], e["rule"]) for e in batch_emulator.requests if e.get("kind") == "batch"]


def test_fail_validation_rule_gives_its_errors(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario({"batch": {"fail_validation": [{"code": "invalid_json", "line": 1}]}})
    batch = submit(client, upload_batch_file)
    batch_emulator.run_until_idle()
    failed = client.batches.retrieve(batch.id)
    assert (failed.status, failed.failed_at) == ("failed", START + 2)
    assert [e.model_dump() for e in failed.errors.data] == [
        {"code": "invalid_json", "line": 1, "param": None, "message": "This line failed validation."}
    ]


def test_timing_overrides_scenario_then_rule(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario(
        {
            "timing": {"validating": 7, "requests_per_second": 2, "finalizing": 5},
            "batch": [{"match": {"metadata": {"speed": "fast"}}, "timing": {"validating": 1, "finalizing": 0}}],
        }
    )
    slow = submit(client, upload_batch_file, chat_batch_file(4))
    fast = submit(client, upload_batch_file, chat_batch_file(4), metadata={"speed": "fast"})
    batch_emulator.run_until_idle()
    slow, fast = client.batches.retrieve(slow.id), client.batches.retrieve(fast.id)
    assert (slow.in_progress_at, slow.finalizing_at, slow.completed_at) == (START + 7, START + 9, START + 14)
    assert (fast.in_progress_at, fast.finalizing_at, fast.completed_at) == (START + 1, START + 3, START + 3)
    assert batch_rules(batch_emulator) == [(fast.id, "batch[0]")]


def test_completion_window_override_sets_expires_at(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario({"timing": {"completion_window": 60, "requests_per_second": 0.05}})
    batch = submit(client, upload_batch_file, chat_batch_file(3))
    assert batch.expires_at == START + 60
    batch_emulator.run_until_idle()
    expired = client.batches.retrieve(batch.id)
    assert (expired.status, expired.expired_at) == ("expired", START + 60)
    assert custom_ids(client, expired.output_file_id) == ["req-0", "req-1"]  # done at 22 s and 42 s
    assert custom_ids(client, expired.error_file_id) == ["req-2"]


def test_stuck_in_validating_expires_with_no_lines(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario({"batch": {"stuck_in": "validating"}})
    batch = submit(client, upload_batch_file)
    batch_emulator.advance(WINDOW - 1)
    assert client.batches.retrieve(batch.id).status == "validating"
    batch_emulator.advance(1)
    expired = client.batches.retrieve(batch.id)
    assert (expired.status, expired.expired_at, expired.in_progress_at) == ("expired", START + WINDOW, None)
    assert (expired.output_file_id, expired.error_file_id) == (None, None)


def test_stuck_in_progress_expires_every_line(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario({"batch": {"stuck_in": "in_progress"}})
    batch = submit(client, upload_batch_file)
    batch_emulator.advance(WINDOW - 1)
    running = client.batches.retrieve(batch.id)
    assert running.status == "in_progress"
    assert running.request_counts.model_dump() == {"total": 3, "completed": 0, "failed": 0}
    batch_emulator.run_until_idle()
    expired = client.batches.retrieve(batch.id)
    assert (expired.status, expired.expired_at) == ("expired", START + WINDOW)
    assert expired.request_counts.model_dump() == {"total": 3, "completed": 0, "failed": 3}
    assert expired.output_file_id is None
    errors = parse_jsonl(client.files.content(expired.error_file_id).content)
    assert [(e["custom_id"], e["error"]["code"]) for e in errors] == [(f"req-{n}", "batch_expired") for n in range(3)]


def test_stuck_in_finalizing_expires_with_every_result(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario({"batch": {"stuck_in": "finalizing"}})
    batch = submit(client, upload_batch_file)
    batch_emulator.advance(WINDOW - 1)
    finalizing = client.batches.retrieve(batch.id)
    assert (finalizing.status, finalizing.finalizing_at) == ("finalizing", START + 2)
    batch_emulator.run_until_idle()
    expired = client.batches.retrieve(batch.id)
    assert (expired.status, expired.expired_at) == ("expired", START + WINDOW)
    assert expired.request_counts.model_dump() == {"total": 3, "completed": 3, "failed": 0}
    assert custom_ids(client, expired.output_file_id) == ["req-0", "req-1", "req-2"]
    assert expired.error_file_id is None


def test_cancel_refused_answers_409_and_the_batch_goes_on(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario({"batch": {"cancel": "refuse"}})
    batch = submit(client, upload_batch_file)
    batch_emulator.advance(2)
    with pytest.raises(openai.ConflictError) as refused:
        client.batches.cancel(batch.id)
    assert refused.value.status_code == 409
    assert refused.value.body["message"] == "Cannot cancel a batch with status 'in_progress'."
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(batch.id)
    assert (done.status, done.cancelling_at) == ("completed", None)


def test_cancel_ignored_answers_200_and_the_batch_goes_on(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario({"batch": {"cancel": "ignore"}})
    batch = submit(client, upload_batch_file)
    answer = client.batches.cancel(batch.id)
    assert (answer.status, answer.cancelling_at) == ("validating", None)
    batch_emulator.run_until_idle()
    assert client.batches.retrieve(batch.id).status == "completed"
    assert batch_emulator.requests.count("POST", f"/v1/batches/{batch.id}/cancel", status=200) == 1


def test_cancel_delay_sets_how_long_cancelling_lasts(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario({"batch": {"cancel_delay_seconds": 30}})
    batch = submit(client, upload_batch_file)
    assert client.batches.cancel(batch.id).status == "cancelling"
    batch_emulator.advance(29)
    assert client.batches.retrieve(batch.id).status == "cancelling"
    batch_emulator.advance(1)
    cancelled = client.batches.retrieve(batch.id)
    assert (cancelled.status, cancelled.cancelled_at) == ("cancelled", START + 30)


def test_nth_batch_matching_counts_creates(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario({"batch": {"match": {"nth": 2}, "token_limit_exceeded": True}})
    batches = [submit(client, upload_batch_file) for _ in range(3)]
    batch_emulator.run_until_idle()
    assert [client.batches.retrieve(b.id).status for b in batches] == ["completed", "failed", "completed"]
    assert batch_rules(batch_emulator) == [(batches[1].id, "batch[0]")]


def test_metadata_matching_takes_a_subset(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario(
        {"batch": [{"match": {"metadata": {"tier": "gold"}}, "fail_validation": [{"code": "gold_rejected"}]}]}
    )
    gold = submit(client, upload_batch_file, metadata={"tier": "gold", "team": "a"})
    silver = submit(client, upload_batch_file, metadata={"tier": "silver"})
    plain = submit(client, upload_batch_file)
    batch_emulator.run_until_idle()
    assert client.batches.retrieve(gold.id).errors.data[0].code == "gold_rejected"
    assert [client.batches.retrieve(b.id).status for b in (silver, plain)] == ["completed", "completed"]


def test_endpoint_matching(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario({"batch": {"match": {"endpoint": "/v1/embed*"}, "token_limit_exceeded": True}})
    embedding = jsonl(
        [
            {
                "custom_id": "e-1",
                "method": "POST",
                "url": "/v1/embeddings",
                "body": {"model": "text-embedding-3-small", "input": "hello"},
            }
        ]
    )
    embeddings = submit(client, upload_batch_file, embedding, endpoint="/v1/embeddings")
    chat = submit(client, upload_batch_file)
    batch_emulator.run_until_idle()
    failed = client.batches.retrieve(embeddings.id)
    assert failed.status == "failed"
    assert failed.errors.data[0].message.startswith("Enqueued token limit reached for text-embedding-3-small ")
    assert client.batches.retrieve(chat.id).status == "completed"


def test_first_matching_batch_rule_wins(client, batch_emulator, upload_batch_file):
    batch_emulator.use_scenario(
        {
            "batch": [
                {"match": {"metadata": {"keep": "yes"}}},
                {"fail_validation": [{"code": "everything_else"}]},
            ]
        }
    )
    kept = submit(client, upload_batch_file, metadata={"keep": "yes"})
    other = submit(client, upload_batch_file)
    batch_emulator.run_until_idle()
    assert client.batches.retrieve(kept.id).status == "completed"
    assert client.batches.retrieve(other.id).errors.data[0].code == "everything_else"
    assert batch_rules(batch_emulator) == [(kept.id, "batch[0]"), (other.id, "batch[1]")]
