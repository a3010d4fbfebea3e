"""docs/architecture.md stays true: its example runs as written against a live emulator, every module it names
exists, and its import layers are the ones tests/test_import_contracts.py checks."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```$", PAGE, flags=re.S | re.M)


def _text_block_after(heading: str) -> str:
    section = PAGE.split(f"## {heading}\n", 1)[1]
    return re.search(r"^```text\n(.*?)^```$", section, flags=re.S | re.M).group(1)  # type: ignore[union-attr]


def test_the_page_has_only_text_diagrams_and_python_scripts():
    assert {language for language, _ in BLOCKS} == {"text", "python"}


def test_every_module_and_folder_the_page_names_exists():
    package = ROOT / "emulator"
    modules = {"/".join(path.relative_to(package).parts) for path in package.rglob("*.py")}
    folders = {"/".join(path.relative_to(package).parts) + "/" for path in package.rglob("*") if path.is_dir()}
    missing = []
    for name in set(re.findall(r"[\w/]+\.py\b", PAGE)):
        if not ((ROOT / name).is_file() or any(module == name or module.endswith("/" + name) for module in modules)):
            missing.append(name)
    for name in set(re.findall(r"^ +([a-z_]+/)", _text_block_after("Where each concern lives"), flags=re.M)):
        if not any(folder == name or folder.endswith("/" + name) for folder in folders):
            missing.append(name)
    assert not missing, f"docs/architecture.md names what does not exist: {sorted(missing)}"


def test_the_drawn_layers_are_the_checked_ones():
    drawn: list[list[str]] = []
    continued = False
    for line in _text_block_after("Which way imports point").splitlines():
        names = [name.strip() for name in re.split(r"\s{2,}", line.strip())[0].split(",") if name.strip()]
        if continued:
            drawn[-1].extend(names)
        else:
            drawn.append(names)
        continued = line.split("  ")[0].rstrip().endswith(",")
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layers = next(contract for contract in contracts if contract["id"] == "layers")["layers"]
    checked = [sorted(name.strip().removeprefix("emulator.") for name in re.split("[|:]", layer)) for layer in layers]
    assert [sorted(names) for names in drawn] == checked
