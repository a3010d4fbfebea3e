"""The model catalogue (`GET /v1/models`) and a configured model list: the catalogue follows it, unknown models
get the real `model_not_found` errors synchronously and in batch validation, and configured embedding sizes."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from click.testing import CliRunner

from emulator.cli import main
from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator
from tests.conftest import chat_line, jsonl
from tests.e2e.inference_cases import check_answer, check_model_entry
from tests.support.openapi import check_schema

LLAMA = "meta-llama/Meta-Llama-3.1-70B-Instruct"
STRICT_MODELS = ("gpt-4o-mini", LLAMA, "local-embedder")


@pytest.fixture(scope="module")
def strict_emulator() -> Iterator[ThreadedEmulator]:
    config = EmulatorConfig(port=0, clock="manual", models=STRICT_MODELS, embedding_dimensions={"local-embedder": 384})
    with ThreadedEmulator(config) as server:
        yield server


@pytest.fixture
def strict_client(strict_emulator: ThreadedEmulator) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=strict_emulator.base_url, api_key="sk-test", max_retries=0, _strict_response_validation=True
    ) as client:
        yield client


def test_models_list_and_retrieve(client):
    raw = client.models.with_raw_response.list()
    body = raw.http_response.json()
    check_schema(body, "ListModelsResponse")
    ids = [model.id for model in raw.parse()]
    assert {"gpt-4o-mini", "text-embedding-3-small", "omni-moderation-latest", "dall-e-3", "sora-2"} <= set(ids)
    for entry in body["data"]:
        check_model_entry(entry)
    again = client.models.with_raw_response.retrieve("gpt-4o-mini").http_response.json()
    assert again == next(entry for entry in body["data"] if entry["id"] == "gpt-4o-mini")


def test_retrieving_an_unknown_model_is_the_real_404(client):
    with pytest.raises(openai.NotFoundError) as info:
        client.models.retrieve("gpt-nonexistent")
    assert info.value.response.json() == {
        "error": {
            "message": "The model 'gpt-nonexistent' does not exist",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_found",
        }
    }


def test_a_model_list_limits_the_catalogue(strict_client):
    assert [model.id for model in strict_client.models.list()] == list(STRICT_MODELS)
    assert strict_client.models.retrieve(LLAMA).id == LLAMA
    answer = strict_client.chat.completions.create(model=LLAMA, messages=[{"role": "user", "content": "hi"}])
    assert answer.model == LLAMA


def test_a_model_list_rejects_other_models_synchronously(strict_client):
    with pytest.raises(openai.NotFoundError) as info:
        strict_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert info.value.code == "model_not_found"
    assert "gpt-4o" in info.value.message
    check_schema(info.value.response.json(), "ErrorResponse")
    with pytest.raises(openai.NotFoundError) as info:
        strict_client.models.retrieve("gpt-4o")
    assert info.value.code == "model_not_found"


def test_a_model_list_fails_batch_validation_for_other_models(strict_emulator, strict_client):
    file = strict_client.files.create(
        file=("in.jsonl", jsonl([chat_line("a", model="gpt-4o-mini"), chat_line("b", model="gpt-4o")])),
        purpose="batch",
    )
    batch = strict_client.batches.create(
        input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    strict_emulator.call(strict_emulator.backend.run_until_idle)
    failed = strict_client.batches.retrieve(batch.id)
    assert failed.status == "failed"
    error = failed.errors.data[0]
    assert (error.code, error.line, error.param) == ("model_not_found", 2, "body.model")


def test_configured_embedding_size(strict_client):
    raw = strict_client.embeddings.with_raw_response.create(
        model="local-embedder", input="hello", encoding_format="float"
    )
    answer = check_answer(raw.http_response.json(), openai.types.CreateEmbeddingResponse, "CreateEmbeddingResponse")
    assert len(answer.data[0].embedding) == 384


def test_cli_rejects_a_malformed_embedding_size():
    result = CliRunner().invoke(main, ["serve", "--embedding-dimensions", "local-embedder"])
    assert result.exit_code == 2
    assert "--embedding-dimensions" in result.output
