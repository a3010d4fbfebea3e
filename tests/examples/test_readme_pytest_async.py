"""The README's async example, verbatim below the marker comment."""

# README: Async tests
import io
import json

import pytest


@pytest.mark.asyncio
async def test_async_client(batch_emulator):
    line = {
        "custom_id": "a",
        "method": "POST",
        "url": "/v1/embeddings",
        "body": {"model": "text-embedding-3-small", "input": "hello"},
    }
    async with batch_emulator.async_openai() as client:
        file = await client.files.create(file=("in.jsonl", io.BytesIO(json.dumps(line).encode())), purpose="batch")
        batch = await client.batches.create(input_file_id=file.id, endpoint="/v1/embeddings", completion_window="24h")

        batch_emulator.run_until_idle()  # a plain call: the emulator runs in its own thread

        batch = await client.batches.retrieve(batch.id)
        assert batch.status == "completed"
        assert batch.request_counts.completed == 1
