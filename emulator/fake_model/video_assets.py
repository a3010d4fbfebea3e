"""The downloadable assets of a generated video, built as small but valid files from a digest.

- `video`: an MP4 (ISO base media file): `ftyp`, a `moov` whose `mvhd` gives the clip's duration, and an
  `mdat` of digest-derived bytes (one block per second of the clip, referenced by no track);
- `thumbnail`: a lossless WebP of the video's size, one colour from the digest (a single-colour VP8L image
  codes every pixel in zero bits, so any size stays a few dozen bytes);
- `spritesheet`: a baseline greyscale JPEG, one tile per second of the clip side by side, each an eighth of
  the video's width and height, in the same colour's luma.

The real API sends the thumbnail as WebP and the spritesheet as JPEG; the same digest always gives the same bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from emulator.fake_model.digest import sub_digest

VARIANTS = ("video", "thumbnail", "spritesheet")
MP4_TIMESCALE = 1000
MDAT_BYTES_PER_SECOND = 64
SPRITE_SCALE = 8
IDENTITY_MATRIX = (0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


@dataclass(frozen=True, slots=True)
class Asset:
    """The bytes of one variant and the content type they are sent with."""

    data: bytes
    content_type: str


# ---- MP4 ----------------------------------------------------------------------------------------


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(digest: bytes, seconds: int) -> bytes:
    """An MP4 file of `seconds` duration whose media bytes come from `digest`."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    mvhd = _box(
        b"mvhd",
        struct.pack(">B3xIIII", 0, 0, 0, MP4_TIMESCALE, seconds * MP4_TIMESCALE)
        + struct.pack(">IH10x", 0x00010000, 0x0100)
        + struct.pack(">9I", *IDENTITY_MATRIX)
        + bytes(24)
        + struct.pack(">I", 2),
    )
    media = b"".join(sub_digest(digest, f"second{i}")[:MDAT_BYTES_PER_SECOND] for i in range(seconds))
    return ftyp + _box(b"moov", mvhd) + _box(b"mdat", media)


# ---- WebP (lossless, VP8L) ----------------------------------------------------------------------


class _LsbBits:
    """Packs values least significant bit first, as VP8L reads them."""

    def __init__(self) -> None:
        self._value = 0
        self._count = 0

    def put(self, value: int, width: int) -> None:
        self._value |= value << self._count
        self._count += width

    def to_bytes(self) -> bytes:
        return self._value.to_bytes((self._count + 7) // 8, "little")


def _single_symbol_code(bits: _LsbBits, symbol: int) -> None:
    """A "simple" prefix code holding one symbol: every pixel then reads it in zero bits."""
    wide = symbol > 1
    bits.put(1, 1)  # simple code
    bits.put(0, 1)  # one symbol
    bits.put(int(wide), 1)
    bits.put(symbol, 8 if wide else 1)


def webp(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """An opaque single-colour WebP of `width` x `height` (each 1 to 16384)."""
    bits = _LsbBits()
    bits.put(width - 1, 14)
    bits.put(height - 1, 14)
    bits.put(0, 1)  # alpha is not used
    bits.put(0, 3)  # version
    bits.put(0, 1)  # no transform
    bits.put(0, 1)  # no colour cache
    bits.put(0, 1)  # one prefix code group for the whole image
    red, green, blue = rgb
    for symbol in (green, red, blue, 255, 0):  # green, red, blue, alpha, distance
        _single_symbol_code(bits, symbol)
    payload = b"\x2f" + bits.to_bytes()
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) % 2)
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


# ---- JPEG (baseline, greyscale) -----------------------------------------------------------------


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, 2 + len(payload)) + payload


def _huffman_table(table_class: int, lengths: list[int], symbols: list[int]) -> bytes:
    counts = [lengths.count(n) for n in range(1, 17)]
    return _segment(0xC4, bytes([table_class << 4, *counts, *symbols]))


def _magnitude(value: int) -> tuple[int, int]:
    """JPEG's (category, bits) for a coefficient: negative values are sent as their ones' complement."""
    category = abs(value).bit_length()
    return category, value if value >= 0 else value + (1 << category) - 1


def _scan(blocks: int, dc: int) -> bytes:
    """Entropy-coded data: the first block carries the DC value, every block ends at once (EOB)."""
    category, extra = _magnitude(dc)
    # DC codes: category 0 is "0", `category` is "10"; the AC table's only code "0" is end of block.
    first = ("10" + format(extra, f"0{category}b") if category else "0") + "0"
    text = first + "00" * (blocks - 1)
    text += "1" * (-len(text) % 8)
    data = int(text, 2).to_bytes(len(text) // 8, "big")
    return data.replace(b"\xff", b"\xff\x00")


def jpeg(width: int, height: int, grey: int) -> bytes:
    """A single-colour greyscale JPEG of `width` x `height` (each 1 to 65535)."""
    dc = 8 * (grey - 128)  # the DC coefficient of a flat 8x8 block, quantised by 1
    category, _ = _magnitude(dc)
    blocks = -(-width // 8) * -(-height // 8)
    dc_lengths, dc_symbols = ([1, 2], [0, category]) if category else ([1], [0])
    return (
        b"\xff\xd8"
        + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + _segment(0xDB, b"\x00" + b"\x01" * 64)
        + _segment(0xC0, struct.pack(">BHHBBBB", 8, height, width, 1, 1, 0x11, 0))
        + _huffman_table(0, dc_lengths, dc_symbols)
        + _huffman_table(1, [1], [0])
        + _segment(0xDA, bytes([1, 1, 0x00, 0, 63, 0]))
        + _scan(blocks, dc)
        + b"\xff\xd9"
    )


# ---- variants -----------------------------------------------------------------------------------


def video_asset(variant: str, digest: bytes, size: str, seconds: int) -> Asset:
    """The asset `variant` (one of VARIANTS) of a video of `size` ("WIDTHxHEIGHT") and `seconds`."""
    width, height = (int(side) for side in size.split("x"))
    red, green, blue = digest[0], digest[1], digest[2]
    if variant == "thumbnail":
        return Asset(webp(width, height, (red, green, blue)), "image/webp")
    if variant == "spritesheet":
        luma = (299 * red + 587 * green + 114 * blue) // 1000
        sheet = jpeg(max(1, width // SPRITE_SCALE) * seconds, max(1, height // SPRITE_SCALE), luma)
        return Asset(sheet, "image/jpeg")
    return Asset(mp4(digest, seconds), "video/mp4")
