"""Readers for the media files the emulator sends: MP4 box trees, WebP (VP8L) and JPEG headers.

Only what the tests look at is read: each reader checks the container's structure strictly enough that a
truncated or mislabelled file fails, and returns the fields a test compares.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

JPEG_START = b"\xff\xd8\xff"
JPEG_END = b"\xff\xd9"
SOF0 = 0xC0
SOS = 0xDA


def mp4_boxes(data: bytes) -> list[tuple[bytes, bytes]]:
    """The top-level boxes of an ISO base media file as (type, payload); their sizes must add up to the file."""
    boxes = []
    offset = 0
    while offset < len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        assert size >= 8 and offset + size <= len(data), f"box {kind!r} at {offset} overruns the file"
        boxes.append((kind, data[offset + 8 : offset + size]))
        offset += size
    return boxes


def mp4_duration(data: bytes) -> float:
    """The movie duration in seconds, from `moov/mvhd` (version 0)."""
    moov = dict(mp4_boxes(data))[b"moov"]
    mvhd = dict(mp4_boxes(moov))[b"mvhd"]
    version, timescale, duration = mvhd[0], *struct.unpack_from(">II", mvhd, 12)
    assert version == 0
    return float(duration / timescale)


def webp_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a lossless WebP, checking the RIFF sizes and the VP8L signature."""
    assert data[:4] == b"RIFF" and data[8:16] == b"WEBPVP8L"
    assert struct.unpack_from("<I", data, 4)[0] == len(data) - 8
    chunk = struct.unpack_from("<I", data, 16)[0]
    assert 20 + chunk + chunk % 2 == len(data)
    assert data[20] == 0x2F
    bits = struct.unpack_from("<I", data, 21)[0]
    return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1


@dataclass(frozen=True)
class JpegFrame:
    width: int
    height: int
    components: int


def jpeg_frame(data: bytes) -> JpegFrame:
    """The baseline frame header of a JPEG, walking its marker segments up to the scan."""
    assert data.startswith(JPEG_START) and data.endswith(JPEG_END)
    offset = 2
    frame = None
    while True:
        assert data[offset] == 0xFF, f"no marker at {offset}"
        marker = data[offset + 1]
        length = struct.unpack_from(">H", data, offset + 2)[0]
        if marker == SOF0:
            height, width, components = struct.unpack_from(">HHB", data, offset + 5)
            frame = JpegFrame(width, height, components)
        if marker == SOS:
            break
        offset += 2 + length
    assert frame is not None, "no baseline frame header"
    return frame
