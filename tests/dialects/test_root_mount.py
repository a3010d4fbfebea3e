"""`serve --dialect NAME`: the dialect also answers at the root, OpenAI stays at /v1, admin and clock shared."""

from __future__ import annotations

import io

import anthropic
import openai
import orjson
import pytest
from click.testing import CliRunner
from mistralai.client import Mistral

from emulator.cli import main
from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator
from tests.conftest import chat_batch_file
from tests.support import raw


def serve(dialect):
    return ThreadedEmulator(EmulatorConfig(port=0, clock="manual", start_time=1_767_225_600, dialect=dialect))


def test_anthropic_at_the_root_next_to_openai():
    with serve("anthropic") as server:
        claude = anthropic.Anthropic(api_key="k", base_url=server.url, max_retries=0)
        params = {"model": "claude-sonnet-4-5", "max_tokens": 16, "messages": [{"role": "user", "content": "Hi"}]}
        batch = claude.messages.batches.create(requests=[{"custom_id": "a", "params": params}])
        client = openai.OpenAI(api_key="k", base_url=server.url + "/v1", max_retries=0)
        file = client.files.create(file=("in.jsonl", io.BytesIO(chat_batch_file(1))), purpose="batch")
        theirs = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
        server.call(server.backend.run_until_idle)
        assert claude.messages.batches.retrieve(batch.id).processing_status == "ended"
        assert client.batches.retrieve(theirs.id).status == "completed"
        assert [r.result.type for r in claude.messages.batches.results(batch.id)] == ["succeeded"]


def test_groq_at_the_root():
    with serve("groq") as server:
        client = openai.OpenAI(api_key="k", base_url=server.url + "/openai/v1", max_retries=0)
        file = client.files.create(file=("in.jsonl", io.BytesIO(chat_batch_file(1))), purpose="batch")
        batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="3d")
        assert batch.expires_at == batch.created_at + 3 * 86400


def test_mistral_at_the_root_answers_its_own_file_shapes():
    with serve("mistral") as server:
        client = Mistral(api_key="k", server_url=server.url)
        row = {"custom_id": "a", "body": {"model": "m", "messages": [{"role": "user", "content": "Hi"}]}}
        uploaded = client.files.upload(
            file={"file_name": "a.jsonl", "content": orjson.dumps(row) + b"\n"}, purpose="batch"
        )
        assert uploaded.sample_type == "batch_request"
        job = client.batch.jobs.create(input_files=[uploaded.id], endpoint="/v1/chat/completions")
        server.call(server.backend.run_until_idle)
        assert client.batch.jobs.get(job_id=job.id).status == "SUCCESS"


def test_errors_at_the_root_take_the_envelope_of_the_route_they_hit():
    with serve("anthropic") as server:
        keyless = raw.request(server.url, "GET", "/v1/messages/batches")
        assert keyless.status == 401 and keyless.json()["error"]["type"] == "authentication_error"
        assert "didn't provide an API key" in raw.request(server.url, "GET", "/v1/files").json()["error"]["message"]
        unknown = raw.request(server.url, "GET", "/v1/nowhere", headers={"x-api-key": "k"})
        assert unknown.status == 404 and unknown.json()["type"] == "error"
        scenario = {"http": [{"match": {"path": "/v1/messages/batches"}, "status": 429}]}
        assert raw.request(server.url, "PUT", "/_emulator/scenario", orjson.dumps(scenario)).status == 200
        claude = anthropic.Anthropic(api_key="k", base_url=server.url, max_retries=0)
        with pytest.raises(anthropic.RateLimitError) as info:
            claude.messages.batches.list()
        assert info.value.body["error"]["type"] == "rate_limit_error"
    with serve("mistral") as server:
        assert raw.request(server.url, "GET", "/v1/files").json() == {"detail": "Unauthorized"}
        assert raw.request(server.url, "GET", "/v1/batches").json()["error"]["type"] == "invalid_request_error"


def test_serve_lists_the_dialect_and_webhook_options():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--dialect", "--webhook-url", "--webhook-secret"):
        assert option in result.output
    bad = CliRunner().invoke(main, ["serve", "--webhook-secret", "whsec_%%%"])
    assert bad.exit_code != 0 and "--webhook-secret" in bad.output
