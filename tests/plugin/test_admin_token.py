"""The fixture works against a server whose admin API needs a token: the one it starts (from
`batch_emulator_config`) and one given by URL (the token from BATCH_EMULATOR_ADMIN_TOKEN)."""

from __future__ import annotations

from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator

pytest_plugins = ["pytester"]

TOKEN = "plugin-admin-token-0123456789"
USES_THE_ADMIN_API = """
def test_admin_calls(batch_emulator):
    from helpers import submit
    client = batch_emulator.openai()
    batch = submit(client)
    batch_emulator.advance(minutes=1)
    assert client.batches.retrieve(batch.id).status == "completed"
    assert batch_emulator.requests.polls(batch.id) == 1
    assert batch_emulator.webhook_deliveries() == []  # these two go over HTTP for every server
    assert isinstance(batch_emulator.client_findings(), list)
    batch_emulator.reset()
"""


def test_the_fixture_passes_the_token_of_the_server_it_starts(project):
    project.makeconftest(
        f"""
        import pytest
        from emulator.config import EmulatorConfig

        @pytest.fixture(scope="session")
        def batch_emulator_config():
            return EmulatorConfig(port=0, clock="manual", admin_token="{TOKEN}")
        """
    )
    project.makepyfile(USES_THE_ADMIN_API)
    project.runpytest().assert_outcomes(passed=1)


def test_the_fixture_sends_the_token_from_the_environment_to_a_given_server(project, monkeypatch):
    project.makepyfile(USES_THE_ADMIN_API)
    with ThreadedEmulator(EmulatorConfig(port=0, clock="manual", admin_token=TOKEN)) as server:
        monkeypatch.setenv("BATCH_EMULATOR_URL", server.url)
        monkeypatch.setenv("BATCH_EMULATOR_ADMIN_TOKEN", TOKEN)
        project.runpytest().assert_outcomes(passed=1)
        monkeypatch.delenv("BATCH_EMULATOR_ADMIN_TOKEN")
        refused = project.runpytest()
        assert refused.parseoutcomes().get("passed", 0) == 0
