"""The README's marker example, verbatim below the marker comment."""

# README: Configuring a test with the marker
import io
import json

import pytest


@pytest.mark.batch_emulator(scenario="partial_line_failures", start_time="2026-03-01T09:00:00Z", seed=42)
def test_failed_lines_land_in_the_error_file(batch_emulator):
    client = batch_emulator.openai()
    lines = [
        {"custom_id": f"row-{i}", "method": "POST", "url": "/v1/chat/completions",
         "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"Row {i}"}]}}
        for i in range(1, 9)
    ]  # fmt: skip
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    file = client.files.create(file=("rows.jsonl", io.BytesIO(data)), purpose="batch")
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    assert batch.created_at == 1772355600  # 2026-03-01T09:00:00Z

    batch_emulator.run_until_idle()  # jump from event to event until the batch is done

    batch = client.batches.retrieve(batch.id)
    assert batch.status == "completed"
    assert (batch.request_counts.completed, batch.request_counts.failed) == (6, 2)
    errors = [json.loads(line) for line in client.files.content(batch.error_file_id).text.splitlines()]
    assert [e["custom_id"] for e in errors] == ["row-4", "row-8"]  # every 4th line: context_length_exceeded
