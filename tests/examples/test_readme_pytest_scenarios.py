"""The README's scenario example, verbatim below the marker comment."""

# README: Scenarios
import openai
import pytest


def test_client_sees_a_rate_limit(batch_emulator):
    batch_emulator.use_scenario(
        {
            "name": "uploads_rate_limited",
            "http": [{"match": {"method": "POST", "path": "/v1/files"}, "sequence": [429, "pass"]}],
        }
    )
    client = batch_emulator.openai(max_retries=0)

    with pytest.raises(openai.RateLimitError):
        client.files.create(file=("in.jsonl", b"{}\n"), purpose="batch")
    client.files.create(file=("in.jsonl", b"{}\n"), purpose="batch")  # the second attempt passes

    assert [entry["status"] for entry in batch_emulator.requests] == [429, 200]
