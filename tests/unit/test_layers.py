"""The layering rule: nothing below emulator/http imports aiohttp, click or pytest."""

from __future__ import annotations

import subprocess
import sys

SERVICE_MODULES = [
    "emulator.backend",
    "emulator.batches.service",
    "emulator.files.service",
    "emulator.files.uploads",
    "emulator.batches.runner",
    "emulator.scenario.registry",
    "emulator.batches.input",
    "emulator.fake_model",
    "emulator.engine.storage",
    "emulator.engine.blobs",
    "emulator.engine.crash",
    "emulator.engine.reconcile",
    "emulator.engine.clock",
    "emulator.engine.scheduler",
    "emulator.batches.offline",
    "emulator.dialects.openai.wire",
    "emulator.dialects.openai.videos",
    "emulator.videos.service",
    "emulator.engine.paging",
    "emulator.batches.client_findings",
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
