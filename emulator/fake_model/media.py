"""Images (`/v1/images/generations`, `/v1/images/edits`) and videos (`/v1/videos`).

Images are tiny valid PNGs (8x8, one colour derived from the prompt), returned as `b64_json` or, with
`response_format: "url"`, as a `data:image/png;base64,…` URL that works without a network.
gpt-image models always answer in base64 and report token usage, as the real ones do. With `stream: true`
(gpt-image models only) the answer is a list of events: per image, `partial_images` partial images of their
own colours, then the finished one with its usage (`image_generation.*`, or `image_edit.*` for edits).
A video answer is the finished `video` object, as a batch line holds it; the synchronous endpoint queues a
job instead (`emulator.videos.service`) and takes only its validated fields from here.
"""

from __future__ import annotations

import base64
import struct
import zlib
from functools import lru_cache
from typing import Any

from emulator.engine.errors import InvalidRequest
from emulator.fake_model.catalogue import DEFAULT_IMAGE_MODEL, DEFAULT_VIDEO_MODEL
from emulator.fake_model.context import Call
from emulator.fake_model.digest import sub_digest
from emulator.fake_model.result import ModelResult, TokenUsage
from emulator.fake_model.tokens import count_tokens

PNG_SIDE = 8
IMAGE_OUTPUT_TOKENS = 272
VIDEO_LIFETIME_SECONDS = 86_400


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@lru_cache(maxsize=512)
def tiny_png(red: int, green: int, blue: int, side: int = PNG_SIDE) -> bytes:
    """A valid `side`x`side` RGB PNG of one colour."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    row = b"\x00" + bytes((red, green, blue)) * side
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * side, 9))
        + _chunk(b"IEND", b"")
    )


def _is_gpt_image(model: str) -> bool:
    return model.startswith(("gpt-image", "chatgpt-image"))


def _images(call: Call, model: str) -> ModelResult:
    body = call.body
    n = int(body.get("n") or 1)
    gpt_image = _is_gpt_image(model)
    as_url = body.get("response_format") == "url" and not gpt_image
    data: list[dict[str, Any]] = []
    for i in range(n):
        d = sub_digest(call.digest, f"image{i}")
        encoded = base64.b64encode(tiny_png(d[0], d[1], d[2])).decode()
        item: dict[str, Any] = {"url": "data:image/png;base64," + encoded} if as_url else {"b64_json": encoded}
        if model == "dall-e-3":
            item["revised_prompt"] = body["prompt"]
        data.append(item)
    out: dict[str, Any] = {"created": call.created, "data": data}
    prompt_tokens = count_tokens(body["prompt"])
    usage = TokenUsage()
    if gpt_image:
        output_tokens = IMAGE_OUTPUT_TOKENS * n
        out.update(
            background=body.get("background") if body.get("background") in ("transparent", "opaque") else "opaque",
            output_format=body.get("output_format") or "png",
            quality=body.get("quality") if body.get("quality") in ("low", "medium", "high") else "medium",
            size=body.get("size") if isinstance(body.get("size"), str) and body.get("size") != "auto" else "1024x1024",
            usage={
                "input_tokens": prompt_tokens,
                "input_tokens_details": {"image_tokens": 0, "text_tokens": prompt_tokens},
                "output_tokens": output_tokens,
                "total_tokens": prompt_tokens + output_tokens,
                "output_tokens_details": {"image_tokens": output_tokens, "text_tokens": 0},
            },
        )
        usage = TokenUsage(prompt_tokens, 0, output_tokens, 0)
    return ModelResult(200, out, usage)


def image_events(call: Call, prefix: str) -> list[dict[str, Any]]:
    """The stream of an image request: `prefix` is "image_generation" or "image_edit"."""
    model = str(call.body.get("model") or DEFAULT_IMAGE_MODEL)
    if not _is_gpt_image(model):
        raise InvalidRequest(
            f"Streaming is not supported for model '{model}'.", param="stream", code="unsupported_value"
        )
    out = _images(call, model).body
    shared = {key: out[key] for key in ("background", "output_format", "quality", "size")}
    partials = int(call.body.get("partial_images") or 0)
    usage = out["usage"]
    each = {
        **usage,
        "output_tokens": IMAGE_OUTPUT_TOKENS,
        "total_tokens": usage["input_tokens"] + IMAGE_OUTPUT_TOKENS,
        "output_tokens_details": {"image_tokens": IMAGE_OUTPUT_TOKENS, "text_tokens": 0},
    }
    events: list[dict[str, Any]] = []
    for i, item in enumerate(out["data"]):
        for k in range(partials):
            d = sub_digest(call.digest, f"image{i}.partial{k}")
            events.append(
                {
                    "type": f"{prefix}.partial_image",
                    "b64_json": base64.b64encode(tiny_png(d[0], d[1], d[2])).decode(),
                    "created_at": call.created,
                    "partial_image_index": k,
                    **shared,
                }
            )
        events.append(
            {
                "type": f"{prefix}.completed",
                "b64_json": item["b64_json"],
                "created_at": call.created,
                **shared,
                "usage": each,
            }
        )
    return events


def answer_image_generation(call: Call) -> ModelResult:
    return _images(call, str(call.body.get("model") or DEFAULT_IMAGE_MODEL))


def answer_image_edit(call: Call) -> ModelResult:
    return _images(call, str(call.body.get("model") or DEFAULT_IMAGE_MODEL))


def answer_video(call: Call) -> ModelResult:
    body = call.body
    out = {
        "id": "video_" + call.ids.hex("video", 32),
        "object": "video",
        "created_at": call.created,
        "completed_at": call.created,
        "expires_at": call.created + VIDEO_LIFETIME_SECONDS,
        "status": "completed",
        "progress": 100,
        "model": str(body.get("model") or DEFAULT_VIDEO_MODEL),
        "prompt": body["prompt"],
        "seconds": str(body.get("seconds") or "4"),
        "size": body.get("size") or "720x1280",
        "remixed_from_video_id": None,
        "error": None,
    }
    return ModelResult(200, out, TokenUsage(count_tokens(body["prompt"]), 0, 0, 0))
