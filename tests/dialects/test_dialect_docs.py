"""Every example of docs/dialects.md runs as written against a live emulator, each provider through its own SDK."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "dialects.md"
SECTIONS = re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", PAGE.read_text(), flags=re.S | re.M)
EXAMPLES = [
    (title, block) for title, text in SECTIONS for block in re.findall(r"```python\n(.*?)```", text, flags=re.S)
]


def test_every_dialect_has_a_runnable_example():
    titles = " ".join(title for title, _ in EXAMPLES)
    for provider in ("Anthropic", "Mistral", "Groq", "Nebius", "Netmind", "Inference.net", "Nerif"):
        assert provider in titles


@pytest.mark.parametrize(("title", "code"), EXAMPLES, ids=[title.split(",")[0] for title, _ in EXAMPLES])
def test_the_example_runs_as_written(batch_emulator, tmp_path, title, code):
    script = tmp_path / "example.py"
    script.write_text(code)
    env = {
        **os.environ,
        "BATCH_EMULATOR_URL": batch_emulator.url,
        "OPENAI_BASE_URL": batch_emulator.base_url,
        "OPENAI_API_KEY": "sk-test",
    }
    result = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{title}:\n{result.stderr}"
