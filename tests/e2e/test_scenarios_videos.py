"""Scenario `videos` rules through the openai SDK: jobs that fail with a scripted error at a chosen progress,
jobs that render slower, matching by prompt, model, remix and seeded fraction, `times`, the journal, and
rules rejected at load."""

from __future__ import annotations

import openai
import pytest

from tests.e2e.inference_cases import IGNORE_VIDEO_DEPRECATION, check_answer
from tests.support import raw
from tests.support.openapi import check_schema

pytestmark = pytest.mark.filterwarnings(IGNORE_VIDEO_DEPRECATION)


def fails(**failure):
    return {"videos": [{"match": {"prompt": "*storm*"}, "fail": failure}]}


def test_a_matching_job_fails_with_its_error_at_its_progress(client, batch_emulator):
    batch_emulator.use_scenario(fails(code="moderation_blocked", message="Blocked by moderation.", at_progress=50))
    doomed = client.videos.create(prompt="a storm at sea", seconds="8")
    fine = client.videos.create(prompt="a calm sea", seconds="8")
    batch_emulator.advance(3)
    assert client.videos.retrieve(doomed.id).status == "in_progress"
    batch_emulator.advance(1)  # half of its 8 seconds
    failed = client.videos.with_raw_response.retrieve(doomed.id).http_response.json()
    check_schema(failed, "VideoResource")
    video = check_answer(failed, openai.types.Video, "VideoResource")
    assert (video.status, video.progress, video.completed_at, video.expires_at) == ("failed", 50, None, None)
    assert video.error is not None
    assert (video.error.code, video.error.message) == ("moderation_blocked", "Blocked by moderation.")
    assert client.videos.retrieve(fine.id).status == "in_progress"
    with pytest.raises(openai.BadRequestError):
        client.videos.download_content(doomed.id)
    assert client.videos.delete(doomed.id).deleted is True  # a failed job is finished: it can be deleted
    entries = [e for e in batch_emulator.requests if e.get("kind") == "video"]
    assert [(e["video_id"], e["rule"]) for e in entries] == [(doomed.id, "videos[0]")]


def test_a_failure_at_progress_zero_comes_as_the_job_leaves_the_queue(client, batch_emulator):
    batch_emulator.use_scenario(fails())
    video = client.videos.create(prompt="storm", seconds="12")
    assert video.status == "queued"
    batch_emulator.advance(1)
    failed = client.videos.retrieve(video.id)
    assert (failed.status, failed.progress) == ("failed", 0)
    assert failed.error is not None and failed.error.code == "video_generation_failed"


def test_run_until_idle_stops_at_a_failure(client, batch_emulator):
    batch_emulator.use_scenario(fails(at_progress=25))
    video = client.videos.create(prompt="storm", seconds="12")
    before = batch_emulator.clock()["now"]
    batch_emulator.run_until_idle()
    assert batch_emulator.clock()["now"] == before + 3
    assert client.videos.retrieve(video.id).status == "failed"


def test_extra_seconds_slow_rendering_and_times_limits_the_rule(client, batch_emulator):
    batch_emulator.use_scenario({"videos": [{"match": {"model": "sora-2-pro"}, "extra_seconds": 60, "times": 1}]})
    slow = client.videos.create(prompt="a", model="sora-2-pro", seconds="4")
    second = client.videos.create(prompt="b", model="sora-2-pro", seconds="4")
    other = client.videos.create(prompt="c", model="sora-2", seconds="4")
    batch_emulator.advance(4)
    assert [client.videos.retrieve(v.id).status for v in (slow, second, other)] == [
        "in_progress",
        "completed",
        "completed",
    ]
    assert client.videos.retrieve(slow.id).progress == 6  # 4 of 64 seconds
    batch_emulator.run_until_idle()
    done = client.videos.retrieve(slow.id)
    assert (done.status, done.completed_at - done.created_at) == ("completed", 64)


def test_remix_and_regex_prompt_matching(client, batch_emulator):
    batch_emulator.use_scenario({"videos": [{"match": {"remix": True, "prompt": "regex:night"}, "fail": {}}]})
    source = client.videos.create(prompt="a city at night", seconds="4")
    batch_emulator.advance(4)
    assert client.videos.retrieve(source.id).status == "completed"  # not a remix
    day = client.videos.remix(source.id, prompt="the same city by day")
    night = client.videos.remix(source.id, prompt="the city late at night, raining")
    batch_emulator.run_until_idle()
    assert [client.videos.retrieve(v.id).status for v in (day, night)] == ["completed", "failed"]


def test_fraction_picks_replay_with_the_seed_and_change_with_another(client, batch_emulator):
    def failed_positions(seed):
        batch_emulator.reset()
        batch_emulator.use_scenario({"seed": seed, "videos": [{"match": {"fraction": 0.5}, "fail": {}}]})
        videos = [client.videos.create(prompt=f"clip {i}", seconds="4") for i in range(24)]
        batch_emulator.run_until_idle()
        return [i for i, v in enumerate(videos) if client.videos.retrieve(v.id).status == "failed"]

    first = failed_positions(1)
    assert 0 < len(first) < 24
    assert failed_positions(1) == first
    assert failed_positions(2) != first


def test_a_reset_restarts_the_times_counter(client, batch_emulator):
    scenario = {"videos": [{"fail": {}, "times": 1}]}
    batch_emulator.use_scenario(scenario)
    first = client.videos.create(prompt="x", seconds="4")
    second = client.videos.create(prompt="y", seconds="4")
    batch_emulator.run_until_idle()
    assert [client.videos.retrieve(v.id).status for v in (first, second)] == ["failed", "completed"]


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"fail": {"at_progress": 100}}, "at_progress"),
        ({"extra_seconds": -1}, "extra_seconds"),
        ({"match": {"prompt": "regex:("}}, "prompt"),
        ({"match": {"colour": "red"}}, "colour"),
        ({"fail": {"code": ""}}, "code"),
    ],
)
def test_bad_video_rules_are_rejected_and_the_running_scenario_stays(batch_emulator, rule, field):
    batch_emulator.use_scenario({"name": "kept", "videos": [{"fail": {}}]})
    with pytest.raises(Exception) as info:
        batch_emulator.use_scenario({"videos": [rule]})
    assert field in str(info.value)
    active = raw.request(batch_emulator.url, "GET", "/_emulator/scenario").json()
    assert active["name"] == "kept"
