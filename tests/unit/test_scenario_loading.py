"""Scenario documents: bundled files, schema errors with file/line/field, the JSON Schema, the registry."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from emulator.config import Timing
from emulator.engine.errors import InvalidRequest
from emulator.scenario.registry import (
    ScenarioError,
    ScenarioRegistry,
    TimingOverride,
    bundled_directory,
    check_files,
    json_schema,
    load_scenario_file,
    parse_document,
)

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "emulator" / "bundled_scenarios"
BUNDLED = sorted(BUNDLED_DIR.glob("*.yaml"))
REQUIRED = {
    "happy_path",
    "partial_line_failures",
    "validation_failure",
    "expiry_mid_run",
    "slow_cancellation",
    "rate_limited_api",
    "flaky_server",
    "all_lines_failed",
    "token_limit_exceeded",
    "status_code_zero_lines",
    "missing_output_lines",
    "empty_string_file_ids",
    "shuffled_output",
}
PROBLEM = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<code>[a-z_]+) \[(?P<path>[\w.\[\]<>]+)\]: (?P<message>.+)$")


def write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems_of(tmp_path: Path, text: str) -> list[re.Match[str]]:
    path = write(tmp_path, text)
    found = check_files([path])
    assert found, "the document should have been rejected"
    matches = [PROBLEM.match(problem) for problem in found]
    assert all(matches), found
    assert all(m.group("file") == str(path) for m in matches if m)
    return [m for m in matches if m]


# -- bundled files -------------------------------------------------------------------------------------


def test_every_required_scenario_is_bundled() -> None:
    assert {path.stem for path in BUNDLED} >= REQUIRED
    assert bundled_directory() == BUNDLED_DIR


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_file_loads_under_its_file_name_and_explains_itself(path: Path) -> None:
    scenario = load_scenario_file(path)
    assert scenario.name == path.stem
    assert scenario.description
    header = path.read_text().splitlines()[:3]
    assert all(line.startswith("#") for line in header), "each bundled file opens with a comment block"
    assert "should observe" in path.read_text()


def test_check_files_reports_nothing_for_the_bundled_files() -> None:
    assert check_files(BUNDLED) == []


def test_json_schema_is_a_valid_draft_2020_12_schema_accepting_every_bundled_file() -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in BUNDLED:
        errors = [error.message for error in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert errors == [], (path.name, errors)


def test_json_schema_rejects_what_the_loader_rejects() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    assert not validator.is_valid({"lines": [{"match": {"colour": "red"}}]})
    assert not validator.is_valid({"http": [{"delay_ms": 6000}]})
    assert validator.is_valid({"batch": [{"match": {"nth": 2}, "cancel": "refuse"}]})
    assert validator.is_valid({"http": [{"match": {"path": "/v1/files"}, "sequence": [429, "pass", {"status": 500}]}]})


def test_timing_override_offers_exactly_the_timing_fields() -> None:
    assert set(TimingOverride.model_fields) == set(Timing.model_fields)


# -- errors name file, line and field ------------------------------------------------------------------


def test_unknown_key_names_file_line_field_and_the_allowed_keys(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, "name: x\nlines:\n  - match:\n      custom_id: a\n      colour: red\n")
    assert problem.group("line") == "5"
    assert problem.group("path") == "lines[0].match.colour"
    assert "unknown key" in problem.group("message")
    assert "custom_id_regex" in problem.group("message")


def test_wrong_type_names_the_field_and_the_value(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, "name: x\nhttp:\n  - match: {method: POST}\n    status: lots\n")
    assert (problem.group("line"), problem.group("path")) == ("4", "http[0].status")
    assert "integer" in problem.group("message") and "'lots'" in problem.group("message")


def test_bad_regex_is_rejected_at_load(tmp_path: Path) -> None:
    text = "name: x\nlines:\n  - match: {custom_id_regex: 'a('}\n    status: 500\n"
    (problem,) = problems_of(tmp_path, text)
    assert (problem.group("line"), problem.group("path")) == ("3", "lines[0].match.custom_id_regex")
    assert "regular expression" in problem.group("message")


def test_bad_regex_after_the_prefix_and_unclosed_glob_are_rejected(tmp_path: Path) -> None:
    text = "lines:\n  - match: {custom_id: 'regex:[a'}\n  - match: {custom_id: 'req-[12'}\n"
    problems = problems_of(tmp_path, text)
    assert [(p.group("line"), p.group("path")) for p in problems] == [
        ("2", "lines[0].match.custom_id"),
        ("3", "lines[1].match.custom_id"),
    ]
    assert "glob" in problems[1].group("message")


def test_negative_extra_seconds_is_rejected(tmp_path: Path) -> None:
    text = "name: x\nlines:\n  - match: {line: 1}\n\n    extra_seconds: -5\n"
    (problem,) = problems_of(tmp_path, text)
    assert (problem.group("line"), problem.group("path")) == ("5", "lines[0].extra_seconds")
    assert "greater than or equal to 0" in problem.group("message")


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("http:\n  - times: -1\n    status: 500\n", "http[0].times"),
        ("http:\n  - delay_ms: 5001\n", "http[0].delay_ms"),
        ("timing:\n  cancelling: -1\n", "timing.cancelling"),
        ("batch:\n  cancel: maybe\n", "batch.cancel"),
        ("batch:\n  - match: {nth: 0}\n", "batch[0].match.nth"),
        ("lines:\n  - match: {fraction: 1.5}\n", "lines[0].match.fraction"),
        ("lines:\n  - match: {lines: '9-2'}\n", "lines[0].match.lines"),
        ("http:\n  - match: {path: v1/files}\n    status: 500\n", "http[0].match.path"),
        ("http:\n  - match: {method: FETCH}\n    status: 500\n", "http[0].match.method"),
        ("name: 'has space'\n", "name"),
        ("webhooks:\n  - delay_seconds: -5\n", "webhooks[0].delay_seconds"),
        ("webhooks:\n  - duplicate: 11\n", "webhooks[0].duplicate"),
        ("webhooks:\n  - corrupt: payload\n", "webhooks[0].corrupt"),
        ("webhooks:\n  - match: {event: 'batch.[x'}\n", "webhooks[0].match.event"),
        ("webhooks:\n  - match: {source: inference}\n", "webhooks[0].match.source"),
    ],
)
def test_invalid_values_are_rejected_with_their_field_path(tmp_path: Path, text: str, path: str) -> None:
    problems = problems_of(tmp_path, text)
    assert path in [p.group("path") for p in problems]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("lines:\n  - error: {code: x}\n", "'error' needs an error 'status'"),
        ("lines:\n  - status: 500\n    response: {a: 1}\n", "cannot go with an error status"),
        ("http:\n  - sequence: [429]\n    times: 2\n", "leave out 'times'"),
        ("http:\n  - sequence: [{pass: true, status: 500}]\n", "'pass' step cannot"),
        ("batch:\n  cancel: refuse\n  cancel_delay_seconds: 5\n", "exclude each other"),
        ("webhooks:\n  - drop: true\n    duplicate: 1\n", "a dropped delivery is never sent"),
    ],
)
def test_inconsistent_rules_are_rejected(tmp_path: Path, text: str, fragment: str) -> None:
    problems = problems_of(tmp_path, text)
    assert any(fragment in p.group("message") for p in problems), [p.group(0) for p in problems]


def test_yaml_syntax_error_and_duplicate_keys_give_a_line(tmp_path: Path) -> None:
    (syntax,) = problems_of(tmp_path, "name: x\nlines: [\n  - a\n")
    assert syntax.group("path") == "<document>"
    (duplicate,) = problems_of(tmp_path, "name: x\nseed: 1\nseed: 2\n")
    assert (duplicate.group("line"), duplicate.group("path")) == ("3", "seed")


def test_a_document_must_be_a_mapping(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, "- 1\n- 2\n")
    assert "mapping" in problem.group("message")


def test_check_files_reports_unreadable_files_and_good_files_give_nothing(tmp_path: Path) -> None:
    good = write(tmp_path, "name: fine\nlines:\n  - match: {every_nth: 2}\n    status: 500\n", "good.yaml")
    missing = tmp_path / "missing.yaml"
    assert check_files([good]) == []
    (problem,) = check_files([good, missing])
    assert problem.startswith(f"{missing}:1: unreadable_file [<file>]: cannot read")


def test_scenario_error_is_a_400_about_the_scenario_parameter() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_document({"lines": [{"match": {"line": "x"}}]})
    error = caught.value
    assert isinstance(error, InvalidRequest)
    assert (error.status, error.param) == (400, "scenario")
    assert error.problems == [
        "<admin>: invalid_value [lines[0].match.line]: Input should be a valid integer, "
        "unable to parse string as an integer (got 'x')"
    ]
    assert error.body()["error"]["message"] == error.problems[0]


def test_json_text_is_accepted_like_yaml() -> None:
    text = '{\n\t"name": "from-json",\n\t"lines": [{"match": {"line": 2}, "status": 500}]\n}'
    scenario = parse_document(text)
    assert scenario.name == "from-json"
    assert scenario.lines[0].status == 500


def test_a_file_without_a_name_is_named_after_the_file(tmp_path: Path) -> None:
    assert load_scenario_file(write(tmp_path, "seed: 3\n", "my-flaky.yaml")).name == "my-flaky"


def test_batch_takes_one_rule_or_a_list() -> None:
    one = parse_document("batch:\n  shuffle_output: true\n")
    many = parse_document("batch:\n  - shuffle_output: true\n")
    assert one.batch == many.batch
    assert len(one.batch) == 1


def test_sequence_shorthands_become_steps() -> None:
    scenario = parse_document({"http": [{"sequence": [429, "pass", {"status": 500, "delay_ms": 3}]}]})
    steps = scenario.http[0].sequence
    assert steps is not None
    assert [(step.status, step.pass_, step.delay_ms) for step in steps] == [
        (429, False, 0),
        (None, True, 0),
        (500, False, 3),
    ]


# -- the registry --------------------------------------------------------------------------------------


def test_registry_lists_bundled_names_and_fails_clearly_on_unknown_ones() -> None:
    registry = ScenarioRegistry()
    assert set(registry.names()) >= REQUIRED
    assert registry.get("flaky_server").name == "flaky_server"
    with pytest.raises(ScenarioError, match=r"unknown scenario 'nope'; available: .*happy_path"):
        registry.get("nope")


def test_registry_user_files_add_names_and_can_replace_bundled_ones(tmp_path: Path) -> None:
    registry = ScenarioRegistry()
    mine = write(tmp_path, "name: happy_path\ndescription: mine\nseed: 9\n", "override.yaml")
    other = write(tmp_path, "seed: 1\n", "extra.yaml")
    registry.load_file(mine)
    assert registry.get("happy_path").description == "mine"
    assert registry.name_of(other) == "extra"
    assert "extra" in registry.names()
    sources = {entry["name"]: entry["source"] for entry in registry.describe()}
    assert sources["extra"] == str(other)
    assert sources["flaky_server"] == "bundled"


def test_registry_resolves_names_documents_and_paths(tmp_path: Path) -> None:
    registry = ScenarioRegistry()
    path = write(tmp_path, "name: on-disk\n", "on-disk.yaml")
    assert registry.resolve({"name": "flaky_server"}).name == "flaky_server"
    assert registry.resolve("slow_cancellation").timing.cancelling == 600
    assert registry.resolve({"name": "inline", "seed": 4}).seed == 4
    assert registry.resolve("name: text\nseed: 5\n").seed == 5
    assert registry.resolve(str(path)).name == "on-disk"
    assert registry.resolve(path).name == "on-disk"


def test_registry_default_is_the_happy_path_or_an_empty_scenario() -> None:
    assert ScenarioRegistry().default().name == "happy_path"
    empty = ScenarioRegistry(bundled=False).default()
    assert (empty.lines, empty.http, empty.batch) == ([], [], [])


def test_registry_engines_are_kept_per_name_and_reset_together() -> None:
    registry = ScenarioRegistry()
    engine = registry.engine("rate_limited_api")
    assert registry.engine("rate_limited_api") is engine
    assert [f.status if f else None for f in (engine.http_fault("POST", "/v1/files") for _ in range(3))] == [
        429,
        429,
        None,
    ]
    registry.reset()
    again = registry.engine("rate_limited_api").http_fault("POST", "/v1/files")
    assert again is not None and again.status == 429
    with pytest.raises(ScenarioError):
        registry.engine("nope")


def test_a_misspelled_value_lists_the_allowed_values_and_never_an_internal_class_name(tmp_path: Path) -> None:
    text = "name: x\nhttp:\n  - sequence: [429, pas]\nlines:\n  - match: 'every line'\n    status: 500\n"
    step, match = problems_of(tmp_path, text)
    assert (step.group("line"), step.group("code"), step.group("path")) == ("3", "invalid_value", "http[0].sequence[1]")
    assert "'pass'" in step.group("message") and "400 to 599" in step.group("message") and "'pas'" in step.group(0)
    assert match.group("path") == "lines[0].match" and "custom_id" in match.group("message")
    for problem in (step, match):
        assert "instance of" not in problem.group(0) and "Step" not in problem.group(0)
        assert "Match" not in problem.group(0)
