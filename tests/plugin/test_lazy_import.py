"""The plugin costs nothing when a run does not use it: loading it imports neither the server, the handle,
pydantic, aiohttp nor the openai SDK (they load with the first test that requests the fixture)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("pydantic", "aiohttp", "openai", "orjson", "emulator.config", "emulator.testing.handle", "emulator.server")

CONFTEST = """
import sys
from pathlib import Path


def pytest_sessionfinish(session):
    Path("modules.txt").write_text("\\n".join(sorted(sys.modules)))
"""


def modules_after_run(tmp_path: Path, test_code: str) -> set[str]:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_sample.py").write_text(test_code)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_sample.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return set((tmp_path / "modules.txt").read_text().split())


def test_a_run_without_the_fixture_imports_nothing_heavy(tmp_path):
    loaded = modules_after_run(tmp_path, "def test_sum():\n    assert 1 + 1 == 2\n")
    assert "emulator.pytest_plugin" in loaded  # the plugin is active
    assert [name for name in HEAVY if name in loaded] == []


def test_the_fixture_still_loads_everything_it_needs(tmp_path):
    code = "def test_uses_it(batch_emulator):\n    assert batch_emulator.openai().files.list().data == []\n"
    loaded = modules_after_run(tmp_path, code)
    assert {"emulator.server", "emulator.testing.handle", "openai"} <= loaded
