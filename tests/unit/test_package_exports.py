"""What `import emulator` offers a user: the configuration, the handle type and the version, without paying
for the emulator's dependencies until a name is used."""

from __future__ import annotations

import subprocess
import sys

import pytest

import emulator
from emulator.config import EmulatorConfig
from emulator.testing.handle import EmulatorHandle


def test_the_package_exports_the_config_the_handle_type_and_the_version():
    assert emulator.EmulatorConfig is EmulatorConfig
    assert emulator.EmulatorHandle is EmulatorHandle
    assert emulator.__version__.count(".") == 2
    assert sorted(emulator.__all__) == ["EmulatorConfig", "EmulatorHandle", "__version__"]


def test_importing_the_package_loads_no_dependency_until_a_name_is_used():
    code = (
        "import sys\n"
        "import emulator\n"
        "heavy = ('pydantic', 'aiohttp', 'yaml', 'orjson', 'emulator.config')\n"
        "print(','.join(name for name in heavy if name in sys.modules))\n"
        "emulator.EmulatorConfig\n"
        "print('pydantic' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:2] == ["", "True"]


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="NoSuchName"):
        emulator.NoSuchName  # noqa: B018
