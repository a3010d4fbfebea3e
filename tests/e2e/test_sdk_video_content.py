"""`GET /v1/videos/{id}/content` through the openai SDK: each variant is a valid file of its format with the
video's size and length, the same request and seed always give the same bytes, and downloads before the job
completes, of an unknown variant or after the assets expired are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest

from tests.e2e.inference_cases import IGNORE_VIDEO_DEPRECATION
from tests.support.media import JpegFrame, jpeg_frame, mp4_boxes, mp4_duration, webp_size
from tests.support.openapi import check_schema

pytestmark = pytest.mark.filterwarnings(IGNORE_VIDEO_DEPRECATION)
DAY = 86_400
BODY = {"prompt": "a paper boat on a river", "seconds": "8", "size": "720x1280"}


def _mp4(data: bytes) -> Any:
    assert [kind for kind, _ in mp4_boxes(data)] == [b"ftyp", b"moov", b"mdat"]
    assert mp4_boxes(data)[0][1][:4] == b"isom"
    return mp4_duration(data)


VARIANTS: dict[str, tuple[str, bytes, Callable[[bytes], Any], Any]] = {
    "video": ("video/mp4", b"ftyp", _mp4, 8.0),
    "thumbnail": ("image/webp", b"RIFF", webp_size, (720, 1280)),
    "spritesheet": ("image/jpeg", b"\xff\xd8\xff", jpeg_frame, JpegFrame(width=8 * 90, height=160, components=1)),
}


def _finished(client: Any, batch_emulator: Any, **body: Any) -> str:
    video = client.videos.create(**{**BODY, **body})
    batch_emulator.advance(int(video.seconds))
    video_id: str = video.id
    return video_id


def _error(info: pytest.ExceptionInfo[openai.APIStatusError]) -> dict[str, Any]:
    body = info.value.response.json()
    check_schema(body, "ErrorResponse")
    error: dict[str, Any] = body["error"]
    return error


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_each_variant_is_a_valid_file_of_its_format(client, batch_emulator, variant):
    content_type, magic, read, expected = VARIANTS[variant]
    raw = client.videos.with_raw_response.download_content(_finished(client, batch_emulator), variant=variant)
    data = raw.http_response.content
    assert raw.headers["content-type"] == content_type
    assert raw.headers["x-request-id"].startswith("req_")
    assert magic in data[:8]
    assert read(data) == expected


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_the_bytes_follow_the_request_and_the_seed(client, batch_emulator, variant):
    first = _finished(client, batch_emulator)
    same = _finished(client, batch_emulator)
    other = _finished(client, batch_emulator, prompt="a paper plane")

    def download(video_id: str) -> bytes:
        content: bytes = client.videos.download_content(video_id, variant=variant).content
        return content

    data = download(first)
    assert download(first) == data == download(same)
    assert download(other) != data
    batch_emulator.reset(seed=5)
    assert download(_finished(client, batch_emulator)) != data


def test_the_default_variant_is_the_video(client, batch_emulator):
    video_id = _finished(client, batch_emulator)
    assert (
        client.videos.download_content(video_id).content
        == client.videos.download_content(video_id, variant="video").content
    )


def test_downloads_wait_for_completion(client, batch_emulator):
    video = client.videos.create(**BODY)
    for status, step in (("queued", 0), ("in_progress", 7.9)):
        batch_emulator.advance(step)
        with pytest.raises(openai.BadRequestError) as info:
            client.videos.download_content(video.id, variant="thumbnail")
        error = _error(info)
        assert (error["type"], error["param"]) == ("invalid_request_error", "video_id")
        assert error["message"] == f"Video '{video.id}' is {status}: only a completed video can be downloaded."
    batch_emulator.advance(0.1)
    assert client.videos.download_content(video.id, variant="thumbnail").content.startswith(b"RIFF")


def test_an_unknown_variant_is_a_400(client, batch_emulator):
    video_id = _finished(client, batch_emulator)
    with pytest.raises(openai.BadRequestError) as info:
        client.videos.download_content(video_id, variant="poster")  # type: ignore[arg-type]
    error = _error(info)
    assert (error["param"], error["code"]) == ("variant", "invalid_value")
    assert error["message"] == "Invalid value: 'poster'. Supported values are: 'video', 'thumbnail' and 'spritesheet'."


def test_assets_expire_a_day_after_completion(client, batch_emulator):
    video_id = _finished(client, batch_emulator)
    expires_at = client.videos.retrieve(video_id).expires_at
    batch_emulator.advance(DAY - 1)
    assert client.videos.download_content(video_id).content
    batch_emulator.advance(1)
    assert batch_emulator.clock()["now"] == expires_at
    with pytest.raises(openai.NotFoundError) as info:
        client.videos.download_content(video_id)
    assert _error(info)["message"] == f"The assets of video '{video_id}' expired at {expires_at}."
    assert client.videos.retrieve(video_id).status == "completed"  # the job itself is still listed
