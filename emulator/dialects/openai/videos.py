"""OpenAI wire shapes of video jobs: the `video` object, its list page and the deletion answer."""

from __future__ import annotations

from typing import Any

from emulator.dialects.openai.wire import list_wire
from emulator.videos.service import VideoRecord, video_state


def video_wire(record: VideoRecord, now: float) -> dict[str, Any]:
    """A `video` object: the job's fixed fields and where it stands at virtual time `now`."""
    state = video_state(record, now)
    return {
        "id": record["id"],
        "object": "video",
        "created_at": record["created_at"],
        "completed_at": state.completed_at,
        "expires_at": state.expires_at,
        "status": state.status,
        "progress": state.progress,
        "model": record["model"],
        "prompt": record["prompt"],
        "seconds": record["seconds"],
        "size": record["size"],
        "remixed_from_video_id": record["remixed_from_video_id"],
        "error": state.error,
    }


def video_list_wire(records: list[VideoRecord], has_more: bool, now: float) -> dict[str, Any]:
    return list_wire([video_wire(record, now) for record in records], has_more)


def video_deleted_wire(video_id: str) -> dict[str, Any]:
    return {"id": video_id, "object": "video.deleted", "deleted": True}
