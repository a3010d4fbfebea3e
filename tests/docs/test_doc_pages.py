"""The documentation reads like a well-kept library's: a short README front page with a table of contents,
lines a reader can see, working links, and reference pages that cover every bundled scenario, every command
option and every admin route."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from emulator.cli import main
from emulator.scenario.registry import ScenarioRegistry
from tests.docs.blocks import ROOT, blocks_of, pages

README = ROOT / "README.md"
DOCS = ROOT / "docs"
# pages written alongside other work; the README links to them before they exist on every branch
PAGES_IN_PROGRESS = frozenset(
    {
        "architecture.md",
        "durability-and-limits.md",
        "performance.md",
        "contract-testing.md",
        "dashboard.md",
        "dialects.md",
    }
)
MY_PAGES = (
    "installation.md",
    "pytest.md",
    "clock-and-admin.md",
    "scenarios.md",
    "webhooks.md",
    "fake-model.md",
    "cli.md",
    "known-differences.md",
    "troubleshooting.md",
)
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")
MAX_LINE = 120


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return {slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def test_the_readme_is_a_short_front_page_with_a_table_of_contents():
    lines = README.read_text().splitlines()
    assert len(lines) <= 300
    assert any(line.strip().lower() in ("## contents", "## table of contents") for line in lines)
    for name in (*MY_PAGES, *PAGES_IN_PROGRESS):
        assert f"docs/{name}" in README.read_text(), name


@pytest.mark.parametrize("page", pages(), ids=[str(p.relative_to(ROOT)) for p in pages()])
def test_lines_fit_on_a_screen_and_say_nothing_internal(page: Path):
    text = page.read_text()
    code = {  # code and output samples are shown as written; the rule is for prose
        n for b in blocks_of(page) for n in range(b.line, b.line + b.code.count("\n") + 2)
    }
    long = [
        n
        for n, line in enumerate(text.splitlines(), 1)
        if len(line) > MAX_LINE and not line.startswith("|") and n not in code
    ]
    assert long == [], f"{page.name}: lines over {MAX_LINE} characters: {long}"
    for phrase in ("specified from", "the product was", "provider summary"):
        assert phrase not in text, phrase


@pytest.mark.parametrize("page", pages(), ids=[str(p.relative_to(ROOT)) for p in pages()])
def test_every_relative_link_resolves(page: Path):
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    broken = []
    for match in LINK.finditer(text):
        target = match.group("target")
        if re.match(r"^[a-z]+:", target):
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if not resolved.exists():
            if resolved.parent == DOCS and resolved.name in PAGES_IN_PROGRESS:
                continue
            broken.append(target)
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(target)
    assert broken == []


def test_every_page_of_mine_exists_with_a_title():
    for name in MY_PAGES:
        first = (DOCS / name).read_text().splitlines()[0]
        assert first.startswith("# "), name


def test_every_bundled_scenario_is_documented():
    text = (DOCS / "scenarios.md").read_text()
    for name in ScenarioRegistry().names():
        assert f"| `{name}` |" in text, name


def every_option(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from every_option(command, (*path, name))
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                yield (*path, name), max(param.opts, key=len)


def test_the_cli_reference_names_every_option_of_every_command():
    text = (DOCS / "cli.md").read_text()
    missing = [f"{' '.join(path)} {option}" for path, option in every_option(main) if f"`{option}" not in text]
    assert missing == []


def test_the_admin_reference_names_every_admin_route():
    from emulator.backend import Backend
    from emulator.config import EmulatorConfig
    from emulator.http.app import create_app

    backend = Backend(EmulatorConfig(port=0, clock="manual"))
    try:
        app = create_app(backend)
        routes = {
            (route.method, route.resource.canonical)
            for route in app.router.routes()
            if route.resource is not None
            and route.resource.canonical.startswith("/_emulator")
            and not route.resource.canonical.startswith("/_emulator/ui")  # the dashboard's own views
            and route.method != "HEAD"
        }
    finally:
        backend.close()
    text = "\n".join(page.read_text() for page in pages())
    missing = sorted(f"{method} {path}" for method, path in routes if path not in text)
    assert missing == []
