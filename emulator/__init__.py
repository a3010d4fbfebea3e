"""batch-emulator: a local, offline, deterministic emulator of OpenAI-compatible Files and Batches APIs.

The names a user imports from here: `EmulatorConfig` (a server's configuration), `EmulatorHandle` (what the
`batch_emulator` fixture hands a test) and `__version__`. The first two are imported on first use, so importing
the package (the pytest plugin does, in every pytest run) costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from emulator.version import __version__

if TYPE_CHECKING:
    from emulator.config import EmulatorConfig
    from emulator.testing.handle import EmulatorHandle

__all__ = ["EmulatorConfig", "EmulatorHandle", "__version__"]

_HOMES = {"EmulatorConfig": "emulator.config", "EmulatorHandle": "emulator.testing.handle"}


def __getattr__(name: str) -> Any:
    """`EmulatorConfig` and `EmulatorHandle`, imported from their modules when first asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
