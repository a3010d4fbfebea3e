"""The layering rule: nothing below emulator/http imports aiohttp, click or pytest."""

from __future__ import annotations

import subprocess
import sys

SERVICE_MODULES = [
    "emulator.backend",
    "emulator.batches",
    "emulator.files",
    "emulator.uploads",
    "emulator.processor",
    "emulator.scenario",
    "emulator.batch_input",
    "emulator.fake_model",
    "emulator.storage",
    "emulator.clock",
    "emulator.scheduler",
    "emulator.offline",
    "emulator.dialects.openai",
    "emulator.dialects.openai_videos",
    "emulator.videos",
    "emulator.paging",
    "emulator.client_findings",
]


def test_services_do_not_import_transport_or_front_door_libraries():
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in SERVICE_MODULES)
        + "bad = sorted(m for m in ('aiohttp', 'click', 'pytest') if m in sys.modules)\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
