"""Golden files: a fresh server run of fixtures/golden/input.jsonl (seed 0, default start time) gives
byte-identical output and error files. See fixtures/golden/README.md to regenerate after an intended change."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import parse_jsonl

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "golden"


@pytest.fixture(scope="module")
def regenerate():
    spec = importlib.util.spec_from_file_location("golden_regenerate", GOLDEN / "regenerate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fresh_run_through_the_fixture_is_byte_identical(batch_emulator, regenerate):
    results = regenerate.produce(batch_emulator.openai(max_retries=0), batch_emulator.run_until_idle)
    assert results["output"] == (GOLDEN / "output.jsonl").read_bytes()
    assert results["errors"] == (GOLDEN / "errors.jsonl").read_bytes()


def test_regenerate_check_agrees_with_the_files(regenerate, capsys):
    assert regenerate.main(["--check"]) == 0
    assert capsys.readouterr().err == ""


def test_golden_files_hold_every_input_line_once_in_order():
    inputs = [line["custom_id"] for line in parse_jsonl((GOLDEN / "input.jsonl").read_bytes())]
    output = parse_jsonl((GOLDEN / "output.jsonl").read_bytes())
    errors = parse_jsonl((GOLDEN / "errors.jsonl").read_bytes())
    assert [line["custom_id"] for line in output] == inputs[:12]
    assert [line["custom_id"] for line in errors] == ["bad-temperature", "bad-n"]
    assert {line["response"]["status_code"] for line in output} == {200}
    assert [line["response"]["body"]["error"]["code"] for line in errors] == [
        "decimal_above_max_value",
        "integer_below_min_value",
    ]
    assert {line["response"]["body"]["created"] for line in output} == {1_767_225_602}
    assert len({line["id"] for line in output + errors}) == 14
