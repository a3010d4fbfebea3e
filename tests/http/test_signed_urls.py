"""Presigned and signed URLs cannot be guessed and point at the configured origin, never at the `Host` header a
client sends (issue 14, case 15)."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import openai
import orjson
import pytest

from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator
from tests.conftest import chat_batch_file
from tests.support import raw

KEY = {"Authorization": "Bearer sk-signed-urls"}
TOKEN = re.compile(r"/_presigned/([0-9a-f]+)$")


def _upload(url: str) -> str:
    fields = [("purpose", None, b"batch", None), ("file", "in.jsonl", chat_batch_file(1), None)]
    body, content_type = raw.multipart(fields)
    answer = raw.request(url, "POST", "/v1/files", body, {**KEY, "Content-Type": content_type})
    assert answer.status == 200, answer.body
    return str(answer.json()["id"])


def _mistral_url(url: str, file_id: str, host: str | None = None) -> str:
    headers = {**KEY, **({"Host": host} if host else {})}
    answer = raw.request(url, "GET", f"/mistral/v1/files/{file_id}/url", None, headers)
    assert answer.status == 200, answer.body
    return str(answer.json()["url"])


def _fresh_server(**options) -> ThreadedEmulator:
    return ThreadedEmulator(EmulatorConfig(port=0, clock="manual", seed=7, start_time=1_767_225_600, **options))


def test_signed_urls_carry_256_bits_that_a_seed_does_not_predict():
    tokens = []
    for _ in range(2):
        with _fresh_server() as emulator:
            file_id = _upload(emulator.url)
            first, second = _mistral_url(emulator.url, file_id), _mistral_url(emulator.url, file_id)
            tokens += [TOKEN.search(first).group(1), TOKEN.search(second).group(1)]
            downloaded = raw.request(emulator.url, "GET", urlsplit(first).path)
            assert downloaded.status == 200 and downloaded.body == chat_batch_file(1)
    assert all(len(token) == 64 for token in tokens)
    assert len(set(tokens)) == 4  # same seed, same file id, same clock: still four different tokens


def test_a_guessed_token_is_refused(batch_emulator):
    file_id = _upload(batch_emulator.url)
    real = TOKEN.search(_mistral_url(batch_emulator.url, file_id)).group(1)
    for guess in (real[:-1] + ("0" if real[-1] != "0" else "1"), "0" * 64, real[:32]):
        answer = raw.request(batch_emulator.url, "GET", f"/_presigned/{guess}")
        assert answer.status == 404


def test_the_url_host_is_the_bound_address_not_the_host_header(batch_emulator):
    file_id = _upload(batch_emulator.url)
    signed = _mistral_url(batch_emulator.url, file_id, host="attacker.example:9999")
    assert signed.startswith(batch_emulator.url + "/_presigned/")
    grant = raw.request(
        batch_emulator.url,
        "POST",
        "/netmind/v1/files",
        orjson.dumps({"file_name": "in.jsonl", "purpose": "batch"}),
        {**KEY, "Host": "attacker.example", "Content-Type": "application/json"},
    ).json()
    assert grant["presigned_url"].startswith(batch_emulator.url + "/_presigned/")


@pytest.mark.parametrize("public_url", ["https://emulator.internal:8443", "http://batch-emulator/"])
def test_the_public_url_option_sets_the_origin(public_url):
    with _fresh_server(public_url=public_url) as emulator:
        file_id = _upload(emulator.url)
        signed = _mistral_url(emulator.url, file_id, host="attacker.example")
        assert signed.startswith(public_url.rstrip("/") + "/_presigned/")


def test_signed_urls_survive_a_restart_on_the_same_data_dir(tmp_path):
    with _fresh_server(data_dir=tmp_path) as emulator:
        file_id = _upload(emulator.url)
        path = urlsplit(_mistral_url(emulator.url, file_id)).path
    with _fresh_server(data_dir=tmp_path) as emulator:
        downloaded = raw.request(emulator.url, "GET", path)
        assert downloaded.status == 200 and downloaded.body == chat_batch_file(1)
        file_id = _upload(emulator.url)
        assert urlsplit(_mistral_url(emulator.url, file_id)).path != path


def test_output_files_are_byte_identical_across_servers_with_the_same_seed():
    outputs = []
    for _ in range(2):
        with _fresh_server() as emulator:
            client = openai.OpenAI(base_url=emulator.base_url, api_key="sk-signed-urls", max_retries=0)
            upload = client.files.create(file=("in.jsonl", io.BytesIO(chat_batch_file(3))), purpose="batch")
            batch = client.batches.create(
                input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
            )
            emulator.call(emulator.backend.run_until_idle)
            _mistral_url(emulator.url, upload.id)
            done = client.batches.retrieve(batch.id)
            outputs.append(client.files.content(done.output_file_id).content)
    assert outputs[0] == outputs[1]
