"""Where videos live: with --data-dir a restarted server still knows every video, renders a queued one on by
the restored clock and serves the same bytes; with API keys each key sees only its own videos."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openai
import pytest

from emulator.config import EmulatorConfig
from emulator.server import ThreadedEmulator
from tests.e2e.inference_cases import IGNORE_VIDEO_DEPRECATION

pytestmark = pytest.mark.filterwarnings(IGNORE_VIDEO_DEPRECATION)
T0 = 1_772_323_200


@contextmanager
def _serving(config: EmulatorConfig, api_key: str = "sk-videos") -> Iterator[tuple[ThreadedEmulator, openai.OpenAI]]:
    with ThreadedEmulator(config) as server:
        client = openai.OpenAI(
            base_url=server.base_url, api_key=api_key, max_retries=0, _strict_response_validation=True
        )
        try:
            yield server, client
        finally:
            client.close()


def _config(data_dir: Path | None = None, api_keys: tuple[str, ...] = ()) -> EmulatorConfig:
    return EmulatorConfig(port=0, clock="manual", start_time=T0, data_dir=data_dir, api_keys=api_keys)


def test_videos_survive_a_restart_and_render_on_by_the_clock(tmp_path):
    data_dir = tmp_path / "data"
    with _serving(_config(data_dir)) as (server, client):
        done = client.videos.create(prompt="a sailing ship", seconds="4")
        server.call(lambda: server.backend.advance(4))
        running = client.videos.create(prompt="a windmill", seconds="8")
        server.call(lambda: server.backend.advance(2))
        before = {video.id: video for video in client.videos.list()}
        data = client.videos.download_content(done.id).content
    assert [(video.status, video.progress) for video in before.values()] == [("in_progress", 25), ("completed", 100)]
    with _serving(_config(data_dir)) as (server, client):
        assert {video.id: video for video in client.videos.list()} == before
        assert client.videos.download_content(done.id).content == data
        server.call(lambda: server.backend.advance(6))
        finished = client.videos.retrieve(running.id)
        assert (finished.status, finished.completed_at) == ("completed", T0 + 4 + 8)
        fresh = client.videos.create(prompt="a lighthouse")
        assert fresh.id not in before


def test_each_api_key_sees_only_its_own_videos(tmp_path):
    config = _config(api_keys=("sk-a", "sk-b"))
    with _serving(config, "sk-a") as (server, alice):
        bob = openai.OpenAI(base_url=server.base_url, api_key="sk-b", max_retries=0, _strict_response_validation=True)
        video = alice.videos.create(prompt="a private garden", seconds="4")
        server.call(lambda: server.backend.advance(4))
        assert bob.videos.list().data == []
        for call in (bob.videos.retrieve, bob.videos.download_content, bob.videos.delete):
            with pytest.raises(openai.NotFoundError):
                call(video.id)
        with pytest.raises(openai.NotFoundError):
            bob.videos.remix(video.id, prompt="mine now")
        assert [item.id for item in alice.videos.list()] == [video.id]
        bob.close()
