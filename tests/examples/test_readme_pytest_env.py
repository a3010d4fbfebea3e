"""The README's example for code that builds its own client, verbatim below the marker comment."""

# README: Code that creates its own client
import openai


def count_batch_files() -> int:  # application code: reads OPENAI_BASE_URL and OPENAI_API_KEY
    client = openai.OpenAI()
    return len(client.files.list(purpose="batch").data)


def test_code_with_its_own_client(batch_emulator_openai_env):
    batch_emulator_openai_env.openai().files.create(file=("in.jsonl", b"{}\n"), purpose="batch")

    assert count_batch_files() == 1
    assert batch_emulator_openai_env.requests.calls() == ["POST /v1/files", "GET /v1/files"]
