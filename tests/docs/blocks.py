"""The fenced code blocks of the documentation pages (README.md and docs/*.md), each with its page, line
and kind, so the test suite can run every one of them as written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(?P<language>[\w+-]*)\s*$")
SERVE_COMMAND = re.compile(r"^batch-emulator serve(\s|$)")

# language -> what the harness does with a block (see test_doc_blocks.py)
KNOWN_LANGUAGES = ("python", "bash", "yaml", "json", "toml", "text")


def pages() -> list[Path]:
    """README.md, then every page under docs/, in name order."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def kind(self) -> str:
        """pytest, script, serve, bash, yaml, json, toml, text, or unknown."""
        if self.language == "python":
            return "pytest" if "def test_" in self.code else "script"
        if self.language == "bash":
            return "serve" if SERVE_COMMAND.match(self.code.strip()) else "bash"
        return self.language if self.language in KNOWN_LANGUAGES else "unknown"


def blocks_of(page: Path) -> list[Block]:
    """Every fenced block of a page, in order; an unclosed fence is an error."""
    found: list[Block] = []
    opened: tuple[int, str] | None = None
    body: list[str] = []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        fence = FENCE.match(line)
        if opened is None:
            if fence is not None:
                opened, body = (number, fence.group("language")), []
            elif line.lstrip().startswith("```"):
                raise ValueError(f"{page.name}:{number}: a fence must start its line: {line!r}")
            continue
        if line.strip() == "```":
            found.append(Block(page, opened[0], opened[1], "\n".join(body) + "\n"))
            opened = None
        else:
            body.append(line)
    if opened is not None:
        raise ValueError(f"{page.name}:{opened[0]}: the fence is never closed")
    return found
