"""Videos service: video jobs that render by the clock, with retrieve, list, delete, remix and their assets.

A video record is a `VideoRecord`: id, owner, created_at, model, prompt, seconds, size, remixed_from_video_id and the
hex digest its assets are built from (the seed and the request body, or for a remix the source's digest and
the new prompt). It never changes after create: the job's status, progress, completed_at and expires_at are
a function of the clock (`video_state`), so a restarted server carries a job on where the clock left it and
nothing needs a timer. Assets are built on request from the digest (`fake_model.video_assets`), never stored.
A scenario's `videos` rule, consulted once when a job is created, can add rendering time or make the job end
`failed` with an error at a given progress; the record keeps that decision (`render_seconds`, `failure`).

Timeline of a job of `seconds` s (4, 8 or 12): `queued` with progress 0 for its first virtual second,
`in_progress` with progress proportional to the elapsed time, `completed` with progress 100 once `seconds`
virtual seconds have passed (`completed_at`); its assets can be downloaded for a day after that (`expires_at`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from emulator.engine.clock import Clock
from emulator.engine.errors import InvalidRequest, NotFound
from emulator.engine.ids import IdFactory
from emulator.engine.journal import Journal
from emulator.engine.paging import cursor_page
from emulator.engine.params import one_of
from emulator.engine.storage import MetadataStore
from emulator.engine.table import RecordTable
from emulator.fake_model import FakeModel
from emulator.fake_model.digest import content_digest, sub_digest
from emulator.fake_model.media import VIDEO_LIFETIME_SECONDS
from emulator.fake_model.validation.endpoints import MAX_VIDEO_PROMPT_LENGTH, VIDEOS
from emulator.fake_model.validation.fields import require_text
from emulator.fake_model.video_assets import VARIANTS, Asset, video_asset
from emulator.scenario.selection import ScenarioSelection

KIND = "videos"
QUEUED_SECONDS = 1
REMIX_FIELDS = frozenset({"prompt"})
FINISHED = ("completed", "failed")


class VideoFailure(TypedDict):
    """How a scenario made the job end: the error it reports and the progress it stops at."""

    code: str
    message: str | None
    at_progress: int


class VideoRecord(TypedDict):
    """A video job (kind "videos"); it never changes after create."""

    id: str
    owner: str | None
    created_at: int
    model: str
    prompt: str
    seconds: str
    size: str
    remixed_from_video_id: str | None
    digest: str
    render_seconds: NotRequired[float]
    failure: NotRequired[VideoFailure]


@dataclass(frozen=True, slots=True)
class VideoState:
    """Where a job stands at one moment."""

    status: str
    progress: int
    completed_at: int | None
    expires_at: int | None
    error: dict[str, str] | None = None


def render_seconds(record: VideoRecord) -> float:
    """How long the job renders: its `seconds`, plus what a scenario added."""
    return float(record.get("render_seconds", record["seconds"]))


def ends_at(record: VideoRecord) -> float:
    """When the job completes, or fails when a scenario says it does."""
    created, render = float(record["created_at"]), render_seconds(record)
    failure = record.get("failure")
    if failure is None:
        return created + render
    return created + max(QUEUED_SECONDS, render * int(failure["at_progress"]) / 100)


def video_state(record: VideoRecord, now: float) -> VideoState:
    """The state of the job `record` at virtual time `now`."""
    created = int(record["created_at"])
    render = render_seconds(record)
    elapsed = now - created
    failure = record.get("failure")
    if failure is not None and now >= ends_at(record):
        error = {"code": str(failure["code"]), "message": str(failure["message"])}
        return VideoState("failed", int(failure["at_progress"]), None, None, error)
    if elapsed >= render:
        completed = created + int(render)
        return VideoState("completed", 100, completed, completed + VIDEO_LIFETIME_SECONDS)
    if elapsed < QUEUED_SECONDS:
        return VideoState("queued", 0, None, None)
    return VideoState("in_progress", int(100 * elapsed // render), None, None)


def video_not_found(video_id: str) -> NotFound:
    return NotFound(f"Video with id '{video_id}' not found.", param="video_id", code="video_not_found")


def _not_finished(video_id: str, status: str, action: str) -> InvalidRequest:
    return InvalidRequest(f"Video '{video_id}' is {status}: only a completed video can be {action}.", param="video_id")


def _remix_prompt(body: Any) -> str:
    """The prompt of a remix body, or the real API's kind of 400 for a body that is not one."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("The body must be a JSON object.", code="invalid_json")
    strangers = body.keys() - REMIX_FIELDS
    if strangers:
        name = min(strangers)
        raise InvalidRequest(f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter")
    return require_text(body, "prompt", MAX_VIDEO_PROMPT_LENGTH)


class VideosService:
    """The video jobs of every owner, kept in the metadata store under the kind "videos"."""

    def __init__(
        self,
        store: MetadataStore,
        clock: Clock,
        ids: IdFactory,
        model: FakeModel,
        scenarios: ScenarioSelection,
        journal: Journal,
    ) -> None:
        self.table: RecordTable[VideoRecord] = RecordTable(store, KIND)
        self.clock = clock
        self.ids = ids
        self.model = model
        self.scenarios = scenarios
        self.journal = journal

    def create(self, body: Any, owner: str | None) -> VideoRecord:
        """Validate a `POST /v1/videos` body as the fake model does and queue the job."""
        created = int(self.clock.now())
        result = self.model.respond(VIDEOS, body, created=created)
        if not result.ok:
            raise result.error()
        digest = content_digest(self.model.seed, VIDEOS, body)
        return self._add(result.body, owner, created, digest, remixed_from=None)

    def remix(self, video_id: str, body: Any, owner: str | None) -> VideoRecord:
        """Queue a new job like the completed video `video_id`, with another prompt."""
        now = self.clock.now()
        source = self.get(video_id, owner)
        prompt = _remix_prompt(body)
        status = video_state(source, now).status
        if status != "completed":
            raise _not_finished(video_id, status, "remixed")
        digest = sub_digest(bytes.fromhex(source["digest"]), "remix\x1f" + prompt)
        return self._add({**source, "prompt": prompt}, owner, int(now), digest, remixed_from=video_id)

    def _add(
        self, fields: Mapping[str, Any], owner: str | None, created: int, digest: bytes, remixed_from: str | None
    ) -> VideoRecord:
        video_id = self.ids.video()
        record: VideoRecord = {
            "id": video_id,
            "owner": owner,
            "created_at": created,
            "model": fields["model"],
            "prompt": fields["prompt"],
            "seconds": str(fields["seconds"]),
            "size": fields["size"],
            "remixed_from_video_id": remixed_from,
            "digest": digest.hex(),
        }
        effect = self.scenarios.active.video_effect(
            prompt=record["prompt"], model=record["model"], remix=remixed_from is not None, key=video_id
        )
        if effect is not None:
            record["render_seconds"] = int(record["seconds"]) + effect.extra_seconds
            if effect.fail_code is not None:
                record["failure"] = {
                    "code": effect.fail_code,
                    "message": effect.fail_message,
                    "at_progress": effect.fail_at_progress,
                }
            self.journal.add({"kind": "video", "video_id": video_id, "rule": effect.rule, "time": created})
        self.table.put(video_id, record)
        return record

    def get(self, video_id: str, owner: str | None) -> VideoRecord:
        record = self.table.get(video_id)
        if record is None or record.get("owner") != owner:
            raise video_not_found(video_id)
        return record

    def delete(self, video_id: str, owner: str | None) -> VideoRecord:
        """Delete a completed (or failed) job; one still queued or rendering is refused, as the real API documents."""
        record = self.get(video_id, owner)
        status = video_state(record, self.clock.now()).status
        if status not in FINISHED:
            raise _not_finished(video_id, status, "deleted")
        self.table.delete(video_id)
        return record

    def page(self, owner: str | None, *, limit: int, order: str, after: str | None) -> tuple[list[VideoRecord], bool]:
        """An owner's videos in `order` of creation, after the video id `after` (an unknown one: an empty page)."""
        records = [record for record in self.table.values() if record.get("owner") == owner]
        if order == "desc":
            records.reverse()
        return cursor_page(records, limit=limit, after=after)

    def next_completion(self) -> float | None:
        """When the next video still rendering completes or fails, or None when none is."""
        now = self.clock.now()
        ends = (ends_at(record) for record in self.table.values())
        return min((end for end in ends if end > now), default=None)

    def asset(self, video_id: str, owner: str | None, variant: str) -> Asset:
        """The bytes of one downloadable variant of a completed video whose assets have not expired."""
        record = self.get(video_id, owner)
        variant = one_of(variant, "variant", VARIANTS)
        now = self.clock.now()
        state = video_state(record, now)
        if state.status != "completed":
            raise _not_finished(video_id, state.status, "downloaded")
        if state.expires_at is not None and now >= state.expires_at:
            raise NotFound(f"The assets of video '{video_id}' expired at {state.expires_at}.", param="video_id")
        return video_asset(variant, bytes.fromhex(record["digest"]), record["size"], int(record["seconds"]))
