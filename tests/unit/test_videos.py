"""Video jobs without a server: the status timeline as a function of the clock, and the asset files."""

from __future__ import annotations

import hashlib

import pytest

from emulator.fake_model.video_assets import jpeg, mp4, video_asset, webp
from emulator.videos.service import VideoState, video_state
from tests.support.media import JpegFrame, jpeg_frame, mp4_boxes, mp4_duration, webp_size

RECORD = {"created_at": 1000, "seconds": "12"}
DIGEST = hashlib.blake2b(b"video", digest_size=64).digest()


@pytest.mark.parametrize(
    ("elapsed", "state"),
    [
        (0, VideoState("queued", 0, None, None)),
        (0.99, VideoState("queued", 0, None, None)),
        (1, VideoState("in_progress", 8, None, None)),
        (6, VideoState("in_progress", 50, None, None)),
        (11.99, VideoState("in_progress", 99, None, None)),
        (12, VideoState("completed", 100, 1012, 1012 + 86_400)),
        (10**6, VideoState("completed", 100, 1012, 1012 + 86_400)),
    ],
)
def test_the_state_is_a_function_of_the_time_since_create(elapsed, state):
    assert video_state(RECORD, 1000 + elapsed) == state


@pytest.mark.parametrize("seconds", [4, 8, 12])
def test_the_mp4_lasts_the_clip_length(seconds):
    data = mp4(DIGEST, seconds)
    assert [kind for kind, _ in mp4_boxes(data)] == [b"ftyp", b"moov", b"mdat"]
    assert mp4_duration(data) == seconds
    assert mp4(DIGEST, seconds) == data != mp4(DIGEST[::-1], seconds)


@pytest.mark.parametrize(("width", "height"), [(1, 1), (720, 1280), (1792, 1024), (16_384, 16_384)])
def test_webp_headers_carry_the_size(width, height):
    assert webp_size(webp(width, height, (10, 20, 30))) == (width, height)


@pytest.mark.parametrize("grey", [0, 1, 127, 128, 129, 255])
@pytest.mark.parametrize(("width", "height"), [(1, 1), (9, 17), (2688, 128)])
def test_jpeg_frames_carry_the_size_whatever_the_grey(grey, width, height):
    assert jpeg_frame(jpeg(width, height, grey)) == JpegFrame(width, height, 1)


def test_jpeg_scan_data_never_holds_a_bare_marker_byte():
    for grey in range(256):
        data = jpeg(16, 8, grey)
        scan = data[data.index(b"\xff\xda") + 10 : -2]
        assert b"\xff" not in scan.replace(b"\xff\x00", b""), grey


@pytest.mark.parametrize(
    ("variant", "content_type"), [("video", "video/mp4"), ("thumbnail", "image/webp"), ("spritesheet", "image/jpeg")]
)
def test_each_variant_names_its_content_type(variant, content_type):
    assert video_asset(variant, DIGEST, "1280x720", 4).content_type == content_type


def test_the_spritesheet_has_one_tile_per_second():
    frame = jpeg_frame(video_asset("spritesheet", DIGEST, "1280x720", 12).data)
    assert (frame.width, frame.height) == (12 * 160, 90)
