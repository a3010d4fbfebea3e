"""The scenario document shown in the README is valid, and every bundled scenario is listed there."""

from __future__ import annotations

import re
from pathlib import Path

from emulator.scenario.registry import ScenarioRegistry, parse_document

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_readme_scenario_examples_are_valid_documents():
    documents = re.findall(r"```yaml\n(.*?)```", README, flags=re.S)
    assert documents
    for text in documents:
        scenario = parse_document(text, source="README")
        assert scenario.name


def test_every_bundled_scenario_is_in_the_readme_table():
    for name in ScenarioRegistry().names():
        assert f"| `{name}` |" in README, name
