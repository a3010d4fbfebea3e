"""Enqueued-token quotas from a scenario's `enqueued_token_limits`: a batch that would hold more prompt tokens
for its model than the quota allows, together with the owner's other batches in progress, fails validation
with `token_limit_exceeded`; the quota frees up as batches end, and other models and owners are not counted."""

from __future__ import annotations

import openai
import pytest

from emulator.config import EmulatorConfig
from emulator.fake_model.tokens import request_prompt_tokens
from emulator.server import ThreadedEmulator
from emulator.testing.handle import AdminError, EmulatorConnection
from tests.conftest import chat_line, jsonl

SLOW = {"validating": 2, "requests_per_second": 0.01}


def lines(prefix, n, model="gpt-4o-mini"):
    return [chat_line(f"{prefix}-{i}", f"Question number {i} about the quota", model=model) for i in range(n)]


def tokens(batch_lines):
    return sum(request_prompt_tokens(line["body"]) for line in batch_lines)


def submit(client, upload_batch_file, batch_lines):
    file = upload_batch_file(jsonl(batch_lines))
    return client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")


def test_a_batch_over_the_quota_fails_and_the_quota_frees_up_when_others_end(client, batch_emulator, upload_batch_file):
    first_lines, second_lines = lines("a", 5), lines("b", 5)
    quota = tokens(first_lines) + tokens(second_lines) - 1
    batch_emulator.use_scenario({"name": "quota", "timing": SLOW, "enqueued_token_limits": {"gpt-4o-*": quota}})
    first = submit(client, upload_batch_file, first_lines)
    batch_emulator.advance(2)
    assert client.batches.retrieve(first.id).status == "in_progress"

    second = submit(client, upload_batch_file, second_lines)
    batch_emulator.advance(2)
    failed = client.batches.retrieve(second.id)
    assert failed.status == "failed"
    error = failed.errors.data[0]
    assert error.code == "token_limit_exceeded"
    assert f"Limit: {quota:,} enqueued tokens" in error.message and "gpt-4o-mini" in error.message

    client.batches.cancel(first.id)
    batch_emulator.run_until_idle()
    retry = submit(client, upload_batch_file, second_lines)
    batch_emulator.advance(2)
    assert client.batches.retrieve(retry.id).status == "in_progress"


def test_other_models_and_unlimited_models_are_not_counted(client, batch_emulator, upload_batch_file):
    small = lines("a", 3)
    batch_emulator.use_scenario(
        {"name": "quota", "timing": SLOW, "enqueued_token_limits": {"gpt-4o-mini": tokens(small)}}
    )
    first = submit(client, upload_batch_file, small)
    other = submit(client, upload_batch_file, lines("o", 30, model="gpt-4.1"))  # no quota for this model
    batch_emulator.advance(2)
    assert [client.batches.retrieve(b.id).status for b in (first, other)] == ["in_progress", "in_progress"]
    too_many = submit(client, upload_batch_file, lines("c", 1))
    batch_emulator.advance(2)
    assert client.batches.retrieve(too_many.id).status == "failed"


def test_each_api_key_has_its_own_quota():
    small = lines("a", 3)
    scenario = {"name": "quota", "timing": SLOW, "enqueued_token_limits": {"*": tokens(small)}}
    with ThreadedEmulator(EmulatorConfig(api_keys=("key-a", "key-b"), clock="manual")) as server:
        admin = EmulatorConnection(server.url)
        admin.use_scenario(scenario)
        clients = [openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0) for key in ("key-a", "key-b")]
        batches = []
        for client in clients:
            file = client.files.create(file=("in.jsonl", jsonl(small)), purpose="batch")
            batches.append(
                client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
            )
        admin.advance(2)
        statuses = [client.batches.retrieve(batch.id).status for client, batch in zip(clients, batches, strict=True)]
        assert statuses == ["in_progress", "in_progress"]


@pytest.mark.parametrize("limits", [{"gpt-4o": 0}, {"gpt-[4o": 10}, {"gpt-4o": "many"}])
def test_bad_quotas_are_rejected(batch_emulator, limits):
    with pytest.raises(AdminError) as info:
        batch_emulator.use_scenario({"name": "quota", "enqueued_token_limits": limits})
    assert "enqueued_token_limits" in str(info.value)
