"""Every pytest example in the README is the code of a test in tests/examples, character for character."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "tests" / "examples").glob("test_readme_pytest_*.py"))


def snippet(path: Path) -> str:
    text = path.read_text()
    marker = re.search(r"# README: .*\n", text)
    assert marker, f"{path.name} has no '# README: <section>' marker"
    return text[marker.end() :].strip() + "\n"


def test_every_readme_example_has_a_test():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    tested = {snippet(path) for path in EXAMPLES}
    pytest_blocks = [block for block in blocks if "def test_" in block]
    assert pytest_blocks
    assert [block for block in pytest_blocks if block not in tested] == []


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_appears_verbatim_in_the_readme(path):
    assert snippet(path) in (ROOT / "README.md").read_text()
