"""The Videos API through the real openai SDK with strict response validation: jobs queued at create that
render by the virtual clock, `create_and_poll` waiting on that clock, retrieve, list pages in both orders,
remix, delete, errors, and isolation by reset. Every JSON answer is also checked against the OpenAPI document."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from openai.types import Video, VideoDeleteResponse

from tests.e2e.inference_cases import IGNORE_VIDEO_DEPRECATION, PNG, check_answer
from tests.support.openapi import check_operation_response, check_schema

pytestmark = pytest.mark.filterwarnings(IGNORE_VIDEO_DEPRECATION)
START = 1_767_225_600
DAY = 86_400


def _video(raw: Any, path: str = "/videos/{video_id}", method: str = "get") -> Video:
    """The video of a raw SDK response, checked against the SDK type and the OpenAPI operation."""
    body = raw.http_response.json()
    check_operation_response(body, method, path)
    parsed: Video = check_answer(body, Video, "VideoResource")
    return parsed


def _retrieve(client: Any, video_id: str) -> Video:
    return _video(client.videos.with_raw_response.retrieve(video_id))


def _create(client: Any, prompt: str = "waves on a beach", **options: Any) -> Video:
    return _video(client.videos.with_raw_response.create(prompt=prompt, **options), "/videos", "post")


def _error(info: pytest.ExceptionInfo[openai.APIStatusError]) -> dict[str, Any]:
    body = info.value.response.json()
    check_schema(body, "ErrorResponse")
    error: dict[str, Any] = body["error"]
    return error


def test_create_answers_queued_and_the_job_renders_by_the_clock(client, batch_emulator):
    video = _create(client, model="sora-2-pro", seconds="8", size="1792x1024")
    assert (video.status, video.progress, video.created_at) == ("queued", 0, START)
    assert (video.completed_at, video.expires_at, video.error, video.remixed_from_video_id) == (None, None, None, None)
    assert (video.model, video.seconds, video.size) == ("sora-2-pro", "8", "1792x1024")
    assert video.prompt == "waves on a beach"
    assert video.id.startswith("video_")
    seen = []
    for step in (0.5, 0.5, 3, 3.9, 0.1, 100):
        batch_emulator.advance(step)
        now = _retrieve(client, video.id)
        seen.append((now.status, now.progress, now.completed_at))
    assert seen == [
        ("queued", 0, None),
        ("in_progress", 12, None),
        ("in_progress", 50, None),
        ("in_progress", 98, None),
        ("completed", 100, START + 8),
        ("completed", 100, START + 8),
    ]
    assert _retrieve(client, video.id).expires_at == START + 8 + DAY


def test_create_and_poll_waits_on_the_virtual_clock(client, batch_emulator):
    client.videos._sleep = batch_emulator.sleep  # the SDK's pause between polls moves virtual time
    batch_emulator.clear_requests()
    video = client.videos.create_and_poll(prompt="a lighthouse at dusk", seconds="4", poll_interval_ms=500)
    assert (video.status, video.progress, video.completed_at) == ("completed", 100, START + 4)
    polls = batch_emulator.requests.matching("GET", f"/v1/videos/{video.id}")
    assert [entry["time"] - START for entry in polls] == [0.5 * n for n in range(9)]


async def test_the_async_client_polls_retrieves_and_downloads(client, batch_emulator):
    async def virtual_sleep(seconds: float) -> None:
        batch_emulator.sleep(seconds)

    async with batch_emulator.async_openai(max_retries=0) as async_client:
        async_client.videos._sleep = virtual_sleep
        video = await async_client.videos.create_and_poll(prompt="rain on glass", seconds="12", poll_interval_ms=3000)
        assert (video.status, video.completed_at) == ("completed", START + 12)
        again = await async_client.videos.retrieve(video.id)
        assert again == video
        page = await async_client.videos.list(order="asc")
        assert [item.id for item in page.data] == [video.id]
        data = (await async_client.videos.download_content(video.id)).content
    twin = client.videos.create(prompt="rain on glass", seconds="12")
    batch_emulator.advance(12)
    assert client.videos.download_content(twin.id).content == data


def test_list_pages_through_every_video_in_both_orders(client, batch_emulator):
    ids = []
    for n in range(5):
        ids.append(_create(client, f"scene {n}").id)
        batch_emulator.advance(1)
    assert [video.id for video in client.videos.list(limit=2, order="asc")] == ids
    assert [video.id for video in client.videos.list(limit=2)] == ids[::-1]
    raw = client.videos.with_raw_response.list(limit=2, order="asc", after=ids[0])
    body = raw.http_response.json()
    check_operation_response(body, "get", "/videos")
    check_schema(body, "VideoListResource")
    assert [item["id"] for item in body["data"]] == ids[1:3]
    assert (body["first_id"], body["last_id"], body["has_more"]) == (ids[1], ids[2], True)
    progress = [(video.status, video.progress) for video in client.videos.list(order="asc").data]
    assert progress == [("completed", 100)] * 2 + [("in_progress", 75), ("in_progress", 50), ("in_progress", 25)]
    last = client.videos.list(limit=2, order="desc", after=ids[1])
    assert ([video.id for video in last.data], last.has_more) == ([ids[0]], False)


def test_empty_and_unknown_cursor_pages(client):
    page = client.videos.with_raw_response.list(after="video_unknown").http_response.json()
    check_schema(page, "VideoListResource")
    assert page == {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}
    _create(client)
    assert client.videos.list(limit=0).has_more is True


def test_delete_a_finished_video_then_it_is_gone(client, batch_emulator):
    video = _create(client, seconds="4")
    with pytest.raises(openai.BadRequestError) as refused:
        client.videos.delete(video.id)
    assert _error(refused)["param"] == "video_id"
    batch_emulator.advance(4)
    raw = client.videos.with_raw_response.delete(video.id)
    body = raw.http_response.json()
    check_operation_response(body, "delete", "/videos/{video_id}")
    assert raw.parse() == VideoDeleteResponse(id=video.id, object="video.deleted", deleted=True)
    for gone in (client.videos.retrieve, client.videos.delete, client.videos.download_content):
        with pytest.raises(openai.NotFoundError) as info:
            gone(video.id)
        error = _error(info)
        assert (error["code"], error["param"]) == ("video_not_found", "video_id")
        assert error["type"] == "invalid_request_error"
        assert error["message"] == f"Video with id '{video.id}' not found."
    assert client.videos.list().data == []


def test_remix_queues_a_new_job_from_a_completed_video(client, batch_emulator):
    source = _create(client, model="sora-2-pro", seconds="8", size="1280x720")
    with pytest.raises(openai.BadRequestError) as early:
        client.videos.remix(source.id, prompt="at night")
    assert "queued" in _error(early)["message"]
    batch_emulator.advance(8)
    raw = client.videos.with_raw_response.remix(source.id, prompt="at night")
    remix = _video(raw, "/videos/{video_id}/remix", "post")
    assert remix.id != source.id
    assert (remix.status, remix.remixed_from_video_id, remix.prompt) == ("queued", source.id, "at night")
    assert (remix.model, remix.seconds, remix.size, remix.created_at) == ("sora-2-pro", "8", "1280x720", START + 8)
    batch_emulator.advance(8)
    assert _retrieve(client, remix.id).status == "completed"
    assert client.videos.download_content(remix.id).content != client.videos.download_content(source.id).content


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({}, "prompt", "missing_required_parameter"),
        ({"prompt": ""}, "prompt", "string_below_min_length"),
        ({"prompt": "x" * 32_001}, "prompt", "string_above_max_length"),
        ({"prompt": 7}, "prompt", "invalid_type"),
        ({"prompt": "ok", "seconds": "4"}, "seconds", "unknown_parameter"),
    ],
)
def test_remix_bodies_are_checked(client, batch_emulator, body, param, code):
    source = _create(client, seconds="4")
    batch_emulator.advance(4)
    with pytest.raises(openai.BadRequestError) as info:
        client.post(f"/videos/{source.id}/remix", body=body, cast_to=Video)
    error = _error(info)
    assert (error["param"], error["code"]) == (param, code)


def test_unknown_ids_are_404s_on_every_route(client):
    with pytest.raises(openai.NotFoundError) as info:
        client.videos.remix("video_nope", prompt="x")
    assert _error(info)["code"] == "video_not_found"
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve("video_nope")


@pytest.mark.parametrize(
    ("options", "param", "code"),
    [
        ({"seconds": "5"}, "seconds", "invalid_value"),
        ({"size": "640x480"}, "size", "invalid_value"),
        ({"extra_body": {"duration": 4}}, "duration", "unknown_parameter"),
        ({"prompt": ""}, "prompt", "string_below_min_length"),
        ({"prompt": "x" * 32_001}, "prompt", "string_above_max_length"),
    ],
)
def test_create_errors_store_nothing(client, options, param, code):
    with pytest.raises(openai.BadRequestError) as info:
        client.videos.create(**{"prompt": "x", **options})
    error = _error(info)
    assert (error["param"], error["code"]) == (param, code)
    assert client.videos.list().data == []


def test_query_parameters_are_checked(client):
    with pytest.raises(openai.BadRequestError) as info:
        client.videos.list(limit=101)
    assert (_error(info)["param"], _error(info)["code"]) == ("limit", "integer_above_max_value")
    with pytest.raises(openai.BadRequestError) as info:
        client.videos.list(order="sideways")  # type: ignore[arg-type]
    assert _error(info)["param"] == "order"


def test_a_multipart_create_with_a_reference_image(client, batch_emulator):
    plain = _create(client, seconds="4")
    guided = _create(client, seconds="4", input_reference=("ref.png", PNG, "image/png"))
    assert guided.status == "queued"
    batch_emulator.advance(4)
    assert client.videos.download_content(guided.id).content != client.videos.download_content(plain.id).content


def test_a_reset_forgets_every_video(client, batch_emulator):
    video = _create(client)
    batch_emulator.reset()
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve(video.id)
    assert client.videos.list().data == []
    assert _create(client).id == video.id  # ids restart with the reset, as for files and batches


def test_run_until_idle_waits_for_every_rendering_video(client, batch_emulator):
    short = client.videos.create(prompt="a short clip", seconds="4")
    batch_emulator.advance(2)
    long = client.videos.create(prompt="a long clip", seconds="12")
    batch_emulator.run_until_idle()
    assert batch_emulator.clock()["now"] == START + 2 + 12
    assert [client.videos.retrieve(video.id).status for video in (short, long)] == ["completed", "completed"]
    batch_emulator.run_until_idle()
    assert batch_emulator.clock()["now"] == START + 2 + 12
