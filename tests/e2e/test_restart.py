"""--data-dir: a server killed with SIGKILL and restarted finds every acknowledged file byte-identical."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import openai

from tests.conftest import chat_batch_file

READY = re.compile(rb"serving on (http://\S+)/v1")


def _start(data_dir):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "serve",
            "--port",
            "0",
            "--clock",
            "manual",
            "--start-time",
            "2026-03-01T00:00:00Z",
            "--data-dir",
            str(data_dir),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    for _ in range(50):
        line = process.stdout.readline()
        if not line:
            break
        match = READY.search(line)
        if match:
            return process, match.group(1).decode()
    process.kill()
    raise AssertionError("the server did not print its URL")


def test_files_survive_sigkill(tmp_path):
    data_dir = tmp_path / "data"
    process, url = _start(data_dir)
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
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    process, url = _start(data_dir)
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
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
