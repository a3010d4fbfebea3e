"""--data-dir: a server killed with SIGKILL and restarted finds every acknowledged file byte-identical."""

from __future__ import annotations

import openai

from tests.conftest import chat_batch_file
from tests.support.serve_process import kill_hard, start_serving, stop


def test_files_survive_sigkill(tmp_path):
    data_dir = tmp_path / "data"
    process, url = start_serving(data_dir)
    try:
        client = openai.OpenAI(base_url=url + "/v1", api_key="k", max_retries=0, _strict_response_validation=True)
        payloads = {f"in{i}.jsonl": chat_batch_file(50 + i, prefix=f"f{i}") for i in range(3)}
        created = {name: client.files.create(file=(name, data), purpose="batch") for name, data in payloads.items()}
        client.files.delete(created["in1.jsonl"].id)
        upload = client.uploads.upload_file_chunked(
            file=b"z" * 5000,
            filename="up.jsonl",
            bytes=5000,
            mime_type="application/jsonl",
            purpose="batch",
            part_size=2000,
        )
    finally:
        kill_hard(process)
    process, url = start_serving(data_dir)
    try:
        client = openai.OpenAI(base_url=url + "/v1", api_key="k", max_retries=0, _strict_response_validation=True)
        for name in ("in0.jsonl", "in2.jsonl"):
            again = client.files.retrieve(created[name].id)
            assert again.model_dump() == created[name].model_dump()
            assert client.files.content(created[name].id).content == payloads[name]
        assert client.files.content(upload.file.id).content == b"z" * 5000
        listed = {f.id for f in client.files.list()}
        assert listed == {created["in0.jsonl"].id, created["in2.jsonl"].id, upload.file.id}
        fresh = client.files.create(file=("new.jsonl", b"{}\n"), purpose="batch")
        assert fresh.id not in listed
    finally:
        assert stop(process) == 0
