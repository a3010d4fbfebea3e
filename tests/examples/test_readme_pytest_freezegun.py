"""The README's freezegun example, verbatim below the marker comment."""

# README: Moving time with freezegun
import io
import json

import pytest
from freezegun import freeze_time


@pytest.mark.batch_emulator(clock="real")  # the emulator's clock follows time.time(), which freezegun controls
def test_batch_over_a_frozen_hour(batch_emulator):
    client = batch_emulator.openai()
    line = {
        "custom_id": "a",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]},
    }
    with freeze_time("2026-01-01T00:00:00Z", real_asyncio=True) as frozen:
        file = client.files.create(file=("in.jsonl", io.BytesIO(json.dumps(line).encode())), purpose="batch")
        batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
        assert batch.created_at == 1767225600

        frozen.tick(1)
        assert client.batches.retrieve(batch.id).status == "validating"
        frozen.tick(3600)
        batch = client.batches.retrieve(batch.id)
        assert batch.status == "completed"
        assert batch.completed_at == 1767225603  # validating 2 s, one line, finalizing 1 s
