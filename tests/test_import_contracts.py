"""Which way imports point, kept by import-linter (`lint-imports`) against the contracts in pyproject.toml
(`[tool.importlinter]`): front doors over the HTTP layer over the admin operations over the composition root over
the domain; services never import the composition root; the fake model sits at the bottom; only the HTTP
layer, the server and the front doors import aiohttp, click or pytest; dialects never touch storage.
TYPE_CHECKING imports count. One test per contract, so a failure names the rule that was broken."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
RUN_LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


@pytest.mark.parametrize("contract", [contract["id"] for contract in CONTRACTS])
def test_import_contract_is_kept(contract: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", RUN_LINT_IMPORTS, "--no-logo", "--no-cache", "--contract", contract],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_top_level_part_of_the_package_has_a_layer() -> None:
    """A new top-level module or package must be placed in the layers contract (else nothing checks it)."""
    layers = next(contract for contract in CONTRACTS if contract["id"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    package = ROOT / "emulator"
    parts = {f"emulator.{path.stem}" for path in package.glob("*.py") if path.stem not in ("__init__", "__main__")}
    parts |= {f"emulator.{path.parent.name}" for path in package.glob("*/__init__.py")}
    unplaced = parts - placed
    assert not unplaced, f"not in the layers contract: {sorted(unplaced)}"
