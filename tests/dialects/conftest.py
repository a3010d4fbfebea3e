"""Fixtures shared by the dialect tests: the providers' own SDK clients pointed at the emulator's prefixes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from mistralai.client import Mistral


@pytest.fixture
def claude(batch_emulator: Any) -> Iterator[anthropic.Anthropic]:
    """An `anthropic` client on the `/anthropic` prefix that never retries."""
    client = anthropic.Anthropic(
        api_key=batch_emulator.api_key, base_url=batch_emulator.url + "/anthropic", max_retries=0
    )
    yield client
    client.close()


@pytest.fixture
def mistral(batch_emulator: Any) -> Mistral:
    """A `mistralai` client on the `/mistral` prefix."""
    return Mistral(api_key=batch_emulator.api_key, server_url=batch_emulator.url + "/mistral")
