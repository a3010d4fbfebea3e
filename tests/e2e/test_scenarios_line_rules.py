"""Scenario line rules through the server and the openai SDK: every way to match a line and every effect,
as they show in the output and error files, the request counts and the journal."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import chat_batch_file, chat_line, jsonl, parse_jsonl

START = 1_767_225_600


def run(client, batch_emulator, upload_batch_file, scenario: dict[str, Any], data: bytes):
    """Run one batch to the end under `scenario`; (batch, output lines by custom_id, error lines by custom_id)."""
    batch_emulator.use_scenario(scenario)
    file = upload_batch_file(data)
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    batch_emulator.run_until_idle()
    batch = client.batches.retrieve(batch.id)
    return batch, by_id(client, batch.output_file_id), by_id(client, batch.error_file_id)


def by_id(client, file_id: str | None) -> dict[str, dict[str, Any]]:
    if not file_id:
        return {}
    return {line["custom_id"]: line for line in parse_jsonl(client.files.content(file_id).content)}


def fired(batch_emulator) -> list[tuple[int, str]]:
    return [(e["line"], e["rule"]) for e in batch_emulator.requests if e.get("kind") == "line"]


FAIL = {"status": 500}


# -- matching ------------------------------------------------------------------------------------------


def test_custom_id_glob(client, batch_emulator, upload_batch_file):
    data = jsonl([chat_line(cid) for cid in ("user-1", "admin-1", "user-22", "users")])
    _, output, errors = run(
        client, batch_emulator, upload_batch_file, {"lines": [{"match": {"custom_id": "user-?"}, **FAIL}]}, data
    )
    assert list(errors) == ["user-1"]
    assert list(output) == ["admin-1", "user-22", "users"]


def test_custom_id_regex_prefix_and_field(client, batch_emulator, upload_batch_file):
    data = jsonl([chat_line(cid) for cid in ("vip-7", "vip-x", "VIP-8", "basic-9")])
    scenario = {
        "lines": [
            {"match": {"custom_id": r"regex:^vip-\d+$"}, **FAIL},
            {"match": {"custom_id_regex": "(?i)vip-.*"}, "status": 400},
        ]
    }
    _, output, errors = run(client, batch_emulator, upload_batch_file, scenario, data)
    assert {cid: line["response"]["status_code"] for cid, line in errors.items()} == {
        "vip-7": 500,
        "vip-x": 400,
        "VIP-8": 400,
    }
    assert list(output) == ["basic-9"]
    assert fired(batch_emulator) == [(1, "lines[0]"), (2, "lines[1]"), (3, "lines[1]")]


def test_line_number_and_ranges(client, batch_emulator, upload_batch_file):
    scenario = {
        "lines": [
            {"match": {"line": 1}, **FAIL},
            {"match": {"lines": "4-5"}, **FAIL},
            {"match": {"lines": {"from": 9}}, **FAIL},
        ]
    }
    batch, _, errors = run(client, batch_emulator, upload_batch_file, scenario, chat_batch_file(10))
    assert list(errors) == ["req-0", "req-3", "req-4", "req-8", "req-9"]
    assert batch.request_counts.model_dump() == {"total": 10, "completed": 5, "failed": 5}


def test_every_nth(client, batch_emulator, upload_batch_file):
    scenario = {"lines": [{"match": {"every_nth": 3}, **FAIL}]}
    _, _, errors = run(client, batch_emulator, upload_batch_file, scenario, chat_batch_file(10))
    assert list(errors) == ["req-2", "req-5", "req-8"]


def test_fraction_picks_a_seeded_share(client, batch_emulator, upload_batch_file):
    scenario = {"seed": 3, "lines": [{"match": {"fraction": 0.5}, **FAIL}]}
    batch, output, errors = run(client, batch_emulator, upload_batch_file, scenario, chat_batch_file(40))
    assert 8 <= len(errors) <= 32
    assert len(errors) + len(output) == 40
    assert batch.request_counts.failed == len(errors)


def test_model_glob(client, batch_emulator, upload_batch_file):
    scenario = {"lines": [{"match": {"model": "gpt-4o*"}, **FAIL}]}
    _, output, errors = run(client, batch_emulator, upload_batch_file, scenario, chat_batch_file(2))
    assert (len(errors), len(output)) == (2, 0)
    other = jsonl([chat_line("a", model="gpt-4.1-mini"), chat_line("b", model="gpt-4.1-mini")])
    batch_emulator.reset()
    _, output, errors = run(client, batch_emulator, upload_batch_file, scenario, other)
    assert (len(errors), len(output)) == (0, 2)


def test_body_subset(client, batch_emulator, upload_batch_file):
    data = jsonl(
        [
            chat_line("cold", temperature=0),
            chat_line("warm", temperature=1),
            chat_line("nested", metadata={"route": "b"}),
            chat_line("plain"),
        ]
    )
    scenario = {
        "lines": [
            {"match": {"body": {"temperature": 0}}, **FAIL},
            {"match": {"body": {"metadata": {"route": "b"}}}, "status": 400},
        ]
    }
    _, output, errors = run(client, batch_emulator, upload_batch_file, scenario, data)
    assert {cid: line["response"]["status_code"] for cid, line in errors.items()} == {"cold": 500, "nested": 400}
    assert list(output) == ["warm", "plain"]


def test_conditions_combine_and_first_rule_wins(client, batch_emulator, upload_batch_file):
    scenario = {
        "lines": [
            {"match": {"lines": "1-6", "every_nth": 2}, "status": 503},
            {"match": {"every_nth": 3}},  # no effect: shields the lines it matches from later rules
            {"match": {"lines": "5-"}, **FAIL},
        ]
    }
    _, _, errors = run(client, batch_emulator, upload_batch_file, scenario, chat_batch_file(9))
    assert {cid: line["response"]["status_code"] for cid, line in errors.items()} == {
        "req-1": 503,
        "req-3": 503,
        "req-5": 503,
        "req-4": 500,
        "req-6": 500,
        "req-7": 500,
    }


# -- effects -------------------------------------------------------------------------------------------


def test_http_error_effect_writes_the_error_file(client, batch_emulator, upload_batch_file):
    scenario = {
        "lines": [
            {"match": {"line": 1}, "status": 429},
            {"match": {"line": 2}, "status": 400, "error": {"code": "invalid_value", "param": "model"}},
        ]
    }
    batch, output, errors = run(client, batch_emulator, upload_batch_file, scenario, chat_batch_file(3))
    limited, invalid = errors["req-0"], errors["req-1"]
    assert limited["error"] is None
    assert limited["response"]["status_code"] == 429
    assert limited["response"]["request_id"]
    assert limited["response"]["body"] == {
        "error": {
            "message": "Rate limit reached for requests. Please try again in 1ms.",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    }
    assert invalid["response"]["status_code"] == 400
    assert invalid["response"]["body"]["error"] == {
        "message": "The request was rejected by the active scenario.",
        "type": "invalid_request_error",
        "param": "model",
        "code": "invalid_value",
    }
    assert list(output) == ["req-2"]
    assert batch.request_counts.model_dump() == {"total": 3, "completed": 1, "failed": 2}
    assert batch.usage.input_tokens > 0


def test_extra_seconds_delays_a_line_and_the_batch(client, batch_emulator, upload_batch_file):
    scenario = {"lines": [{"match": {"line": 1}, "extra_seconds": 100}]}
    batch, output, _ = run(client, batch_emulator, upload_batch_file, scenario, chat_batch_file(3))
    assert batch.status == "completed"
    assert batch.finalizing_at == START + 2 + 100  # line 1 ends at 2.01 s + 100 s
    assert list(output) == ["req-1", "req-2", "req-0"]
    assert output["req-0"]["response"]["body"]["created"] == START + 102


def test_extra_seconds_past_the_window_expires_the_line(client, batch_emulator, upload_batch_file):
    scenario = {"lines": [{"match": {"custom_id": "late"}, "extra_seconds": 86_400}]}
    data = jsonl([chat_line("early"), chat_line("late"), chat_line("also-early")])
    batch, output, errors = run(client, batch_emulator, upload_batch_file, scenario, data)
    assert (batch.status, batch.expired_at) == ("expired", START + 86_400)
    assert list(output) == ["early", "also-early"]
    assert errors["late"]["error"]["code"] == "batch_expired"
    assert batch.request_counts.model_dump() == {"total": 3, "completed": 2, "failed": 1}


def test_fixed_response(client, batch_emulator, upload_batch_file):
    fixed = {"id": "chatcmpl-fixed", "object": "chat.completion", "choices": [], "note": "scripted"}
    scenario = {"lines": [{"match": {"line": 2}, "response": fixed}]}
    _, output, _ = run(client, batch_emulator, upload_batch_file, scenario, chat_batch_file(2))
    assert output["req-1"]["response"]["status_code"] == 200
    assert output["req-1"]["response"]["body"] == fixed
    assert output["req-0"]["response"]["body"]["object"] == "chat.completion"


def test_finish_reason_empty_content_and_refusal_shape_the_answer(client, batch_emulator, upload_batch_file):
    scenario = {
        "lines": [
            {"match": {"custom_id": "cut"}, "finish_reason": "length"},
            {"match": {"custom_id": "empty"}, "empty_content": True},
            {"match": {"custom_id": "no"}, "refusal": "I can't help with that."},
        ]
    }
    data = jsonl([chat_line(cid) for cid in ("cut", "empty", "no", "normal")])
    _, output, errors = run(client, batch_emulator, upload_batch_file, scenario, data)
    assert errors == {}
    messages = {cid: line["response"]["body"]["choices"][0] for cid, line in output.items()}
    assert messages["cut"]["finish_reason"] == "length"
    assert messages["cut"]["message"]["content"]
    assert messages["empty"]["message"]["content"] == ""
    assert output["empty"]["response"]["body"]["usage"]["completion_tokens"] == 0
    assert messages["no"]["message"]["refusal"] == "I can't help with that."
    assert messages["no"]["message"]["content"] is None
    assert messages["normal"]["finish_reason"] == "stop" and messages["normal"]["message"]["refusal"] is None


def test_status_code_zero_omit_and_count_as(client, batch_emulator, upload_batch_file):
    scenario = {
        "lines": [
            {"match": {"line": 1}, "status": 0, "count_as": "failed"},
            {"match": {"line": 2}, "omit": True, "count_as": "failed"},
            {"match": {"line": 3}, "status": 500, "count_as": "completed"},
            {"match": {"line": 4}, "count_as": "failed"},
            {"match": {"line": 5}, "status": 400, "omit": True},
        ]
    }
    batch, output, errors = run(client, batch_emulator, upload_batch_file, scenario, chat_batch_file(6))
    assert errors["req-0"]["response"] == {
        "status_code": 0,
        "request_id": errors["req-0"]["response"]["request_id"],
        "body": {},
    }
    assert errors["req-0"]["error"] is None
    assert errors["req-2"]["response"]["status_code"] == 500
    assert list(errors) == ["req-0", "req-2"]
    assert list(output) == ["req-3", "req-5"]
    # failed: line 1 (count_as), line 2 (omitted success counted failed), line 4, line 5 (omitted 400)
    assert batch.request_counts.model_dump() == {"total": 6, "completed": 2, "failed": 4}
    assert fired(batch_emulator) == [(n, f"lines[{n - 1}]") for n in range(1, 6)]


@pytest.mark.parametrize("status", [404, 503])
def test_any_error_status_fails_the_line_once(client, batch_emulator, upload_batch_file, status):
    scenario = {"lines": [{"status": status}]}
    batch, _, errors = run(client, batch_emulator, upload_batch_file, scenario, chat_batch_file(2))
    assert batch.request_counts.model_dump() == {"total": 2, "completed": 0, "failed": 2}
    assert [line["response"]["status_code"] for line in errors.values()] == [status, status]
