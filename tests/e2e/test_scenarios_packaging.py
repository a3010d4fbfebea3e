"""Packaging: an installed wheel carries every package and the bundled scenario files (as the package
emulator.bundled_scenarios), so `batch-emulator scenario list` works outside a checkout."""

from __future__ import annotations

import tomllib
from pathlib import Path

from emulator.scenario.registry import ScenarioRegistry

ROOT = Path(__file__).resolve().parents[2]


def setuptools_table() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_of_the_checkout_is_listed_for_the_wheel():
    found = {".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "emulator").rglob("__init__.py")}
    listed = set(setuptools_table()["packages"])
    assert found - listed == set(), "add these packages to [tool.setuptools] packages in pyproject.toml"


def test_bundled_scenarios_ship_as_package_data():
    table = setuptools_table()
    assert "emulator.bundled_scenarios" in table["packages"]
    assert ROOT / table["package-dir"]["emulator.bundled_scenarios"] == ROOT / "scenarios"
    assert table["package-data"]["emulator.bundled_scenarios"] == ["*.yaml"]
    assert table["package-data"]["emulator"] == ["py.typed"]
    assert sorted(path.suffix for path in (ROOT / "scenarios").iterdir()) == [".yaml"] * len(ScenarioRegistry().names())
