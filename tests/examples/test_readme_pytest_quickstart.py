"""The README's pytest quickstart, verbatim below the marker comment."""

# README: Quickstart
import io
import json


def test_batch_completes(batch_emulator):
    client = batch_emulator.openai()
    line = {
        "custom_id": "greeting",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello!"}]},
    }
    file = client.files.create(file=("in.jsonl", io.BytesIO(json.dumps(line).encode())), purpose="batch")
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    assert batch.status == "validating"

    batch_emulator.advance(seconds=5)  # virtual time: nothing sleeps

    batch = client.batches.retrieve(batch.id)
    assert batch.status == "completed"
    result = json.loads(client.files.content(batch.output_file_id).text)
    assert result["custom_id"] == "greeting"
    assert result["response"]["status_code"] == 200
    assert batch_emulator.requests.polls(batch.id) == 1
