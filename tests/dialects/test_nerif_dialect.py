"""Nerif: its Batch API Quick Start against the emulator, over HTTP at `/nerif/v1` and through the real `nerif`
package running batches in process against the emulator's `/v1`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import openai
import pytest

from tests.conftest import jsonl, parse_jsonl

QUICK_START_REQUESTS = [
    {
        "custom_id": "request-1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": "What is the capital of France?"}],
            "max_tokens": 100,
        },
    },
    {
        "custom_id": "request-2",
        "method": "POST",
        "url": "/v1/embeddings",
        "body": {"model": "text-embedding-3-small", "input": "Hello world"},
    },
]


def nerif_client(emulator, **kwargs):
    return emulator.openai(base_url=emulator.url + "/nerif/v1", max_retries=0, **kwargs)


def test_the_quick_start_ends_completed_with_one_answer_and_one_error_line(batch_emulator):
    client = nerif_client(batch_emulator)
    # 1. Create a batch input file
    input_file = client.files.create(file=("requests.jsonl", io.BytesIO(jsonl(QUICK_START_REQUESTS))), purpose="batch")
    # 2. Create a batch job
    batch = client.batches.create(
        input_file_id=input_file.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"description": "My batch job"},
    )
    assert batch.status == "validating"
    assert batch.input_file_id == input_file.id
    # 3. Monitor batch progress, the 10 s sleep being the virtual clock's
    seen = []
    while True:
        batch_status = client.batches.retrieve(batch.id)
        seen.append(batch_status.status)
        if batch_status.status in ["completed", "failed", "cancelled"]:
            break
        batch_emulator.advance(seconds=10)
    assert seen[-1] == "completed"
    assert batch_status.request_counts.completed == 1
    assert batch_status.request_counts.failed == 1
    assert batch_status.metadata == {"description": "My batch job"}
    assert batch_status.input_file_id == input_file.id

    answer = parse_jsonl(client.files.content(batch_status.output_file_id).content)
    assert [line["custom_id"] for line in answer] == ["request-1"]
    assert answer[0]["response"]["body"]["object"] == "chat.completion"
    [error] = parse_jsonl(client.files.content(batch_status.error_file_id).content)
    assert error["custom_id"] == "request-2"
    assert error["response"]["status_code"] == 400
    assert error["response"]["body"]["error"]["code"] == "invalid_url"
    assert "/v1/embeddings" in error["response"]["body"]["error"]["message"]


def test_the_same_input_over_the_openai_wire_fails_validation(batch_emulator):
    client = batch_emulator.openai(max_retries=0)
    file = client.files.create(file=("requests.jsonl", io.BytesIO(jsonl(QUICK_START_REQUESTS))), purpose="batch")
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    batch_emulator.run_until_idle()
    failed = client.batches.retrieve(batch.id)
    assert failed.status == "failed"
    assert failed.errors.data[0].code == "invalid_url"


def test_endpoints_limits_and_paging_follow_the_document(batch_emulator):
    client = nerif_client(batch_emulator)
    file = client.files.create(file=("requests.jsonl", io.BytesIO(jsonl(QUICK_START_REQUESTS[1:]))), purpose="batch")
    embeddings = client.batches.create(input_file_id=file.id, endpoint="/v1/embeddings", completion_window="24h")
    with pytest.raises(openai.BadRequestError) as refused:
        client.batches.create(input_file_id=file.id, endpoint="/v1/moderations", completion_window="24h")
    assert refused.value.body["param"] == "endpoint"
    with pytest.raises(openai.BadRequestError) as too_many:
        client.batches.create(
            input_file_id=file.id,
            endpoint="/v1/embeddings",
            completion_window="24h",
            metadata={f"k{i}": "v" for i in range(17)},
        )
    assert too_many.value.body["param"] == "metadata"
    with pytest.raises(openai.BadRequestError):
        client.batches.list(limit=101)
    later = client.batches.create(input_file_id=file.id, endpoint="/v1/embeddings", completion_window="24h")
    page = client.batches.list(limit=1)
    assert [b.id for b in page.data] == [later.id] and page.has_more
    assert [b.id for b in client.batches.list(after=later.id, limit=100).data] == [embeddings.id]
    batch_emulator.run_until_idle()
    done = client.batches.retrieve(embeddings.id)
    assert (done.status, done.request_counts.completed) == ("completed", 1)


NERIF_QUICK_START = textwrap.dedent(
    """
    import asyncio
    import json

    from nerif.batch import Batch, BatchFile

    REQUESTS = json.loads({requests!r})


    async def main():
        # 1. Create a batch input file
        batch_file = BatchFile()
        input_file = batch_file.create_batch_file(REQUESTS)
        # 2. Create a batch job (Batch.create needs a running event loop)
        batch = Batch.create(
            input_file_id=input_file["id"],
            endpoint="/v1/chat/completions",
            completion_window="24h",
            metadata={{"description": "My batch job"}},
        )
        # 3. Monitor batch progress
        while True:
            batch_status = Batch.retrieve(batch["id"])
            if batch_status["status"] in ["completed", "failed", "cancelled"]:
                break
            await asyncio.sleep(0)
        print(json.dumps({{
            "status": batch_status["status"],
            "request_counts": batch_status["request_counts"],
            "output": (batch_file.storage_path / f"{{batch_status['output_file_id']}}_output.jsonl").read_text(),
        }}))


    asyncio.run(main())
    """
)


def test_the_nerif_package_quick_start_runs_its_lines_through_the_emulator(batch_emulator, tmp_path: Path):
    """The real `nerif` package processes a batch in process, sending each line to chat completions at
    OPENAI_API_BASE: the chat line is answered by the emulator, the embeddings line becomes an error line."""
    script = tmp_path / "quick_start.py"
    script.write_text(NERIF_QUICK_START.format(requests=json.dumps(QUICK_START_REQUESTS)))
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "OPENAI_API_BASE": batch_emulator.base_url,
        "OPENAI_API_KEY": batch_emulator.api_key or "sk-test",
    }
    result = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["status"] == "completed"
    assert report["request_counts"] == {"total": 2, "completed": 1, "failed": 1}
    [answer] = [json.loads(line) for line in report["output"].splitlines()]
    assert answer["custom_id"] == "request-1"
    served = [entry for entry in batch_emulator.requests if entry["path"] == "/v1/chat/completions"]
    assert [entry["status"] for entry in served] == [200]
    content = answer["response"]["body"]["choices"][0]["message"]["content"]
    assert isinstance(content, str) and content.strip()
