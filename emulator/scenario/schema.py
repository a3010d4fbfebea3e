"""The scenario document model: what a scenario file may say, checked strictly (unknown keys are errors).

A document has four rule levels, each a first-match-wins list:

- `lines`: per input line of a batch (match on custom_id, line numbers, every_nth, fraction, model, body subset;
  effects: an HTTP error result, extra processing time, a fixed response, odd result shapes);
- `batch`: per created batch (match on endpoint, metadata subset, nth batch; effects: failed validation, token
  limit, timing, stuck states, cancel behaviour, odd file ids, shuffled output);
- `http`: per request to the emulator's own API (match on method, path glob, purpose or endpoint; effects: an
  error status with headers, a sequence of steps, a delay, a transport fault);
- `webhooks`: per webhook delivery the emulator sends (match on event type, URL, source, fraction; effects: a
  virtual delay, duplicate copies, a corrupted first attempt, a dropped delivery).

Patterns (emulator/scenario/patterns.py) are compiled here once so a bad glob or regex fails at load time.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetJsonSchemaHandler, StrictInt, field_validator
from pydantic import model_validator as model_check
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from emulator.config import Timing
from emulator.scenario.patterns import custom_id_pattern, glob_regex, line_range, user_regex

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "function_call"]
Fault = Literal["connection_reset", "truncated_body", "malformed_json"]
Corruption = Literal["signature", "timestamp", "body"]


# -- JSON Schema shapes for fields that accept shorthands ----------------------------------------------


class _OneOrList:
    """JSON Schema of a list field that also takes a single object (or null)."""

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        as_list = handler(schema)
        return {"anyOf": [as_list["items"], as_list, {"type": "null"}]}


class _StepShorthand:
    """JSON Schema of a sequence step: a status code, the word "pass", or a step object."""

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"anyOf": [{"type": "integer", "minimum": 400, "maximum": 599}, {"const": "pass"}, handler(schema)]}


def _one_or_list(value: Any) -> Any:
    if value is None:
        return []
    return [value] if isinstance(value, dict) else value


STEP_FORMS = "a status code (400 to 599), 'pass', or a mapping of status, error, headers, delay_ms and fault"


def _step_shorthand(value: Any) -> Any:
    if value == "pass":
        return {"pass": True}
    if isinstance(value, int) and not isinstance(value, bool):
        return {"status": value}
    if not isinstance(value, dict):
        raise ValueError(f"a sequence step is {STEP_FORMS} (got {value!r})")
    return value


# -- shared pieces -------------------------------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TimingOverride(Strict):
    """The `Timing` fields, each optional: a scenario overrides only what it names (virtual seconds)."""

    validating: float | None = Field(None, ge=0)
    requests_per_second: float | None = Field(None, gt=0)
    finalizing: float | None = Field(None, ge=0)
    cancelling: float | None = Field(None, ge=0)
    completion_window: float | None = Field(None, gt=0)

    def over(self, base: Timing) -> Timing:
        """`base` with every field this override sets replaced."""
        given = self.model_dump(exclude_none=True)
        return base.model_copy(update=given) if given else base


class ErrorSpec(Strict):
    """An OpenAI error object; fields left out take the defaults for the status."""

    type: str | None = None
    code: str | None = None
    message: str | None = None
    param: str | None = None


# -- line rules ----------------------------------------------------------------------------------------


class LineRange(Strict):
    from_: int = Field(alias="from", ge=1)
    to: int | None = Field(None, ge=1)

    @model_check(mode="after")
    def _ordered(self) -> LineRange:
        if self.to is not None and self.to < self.from_:
            raise ValueError("'to' comes before 'from'")
        return self


def line_bounds(value: str | LineRange) -> tuple[int, int | None]:
    """(first, last) of a `lines` value; last None means "to the end"."""
    if isinstance(value, LineRange):
        return value.from_, value.to
    return line_range(value)


class LineMatch(Strict):
    """Every condition given must hold (AND); an empty match takes every line."""

    custom_id: str | None = Field(None, description="glob, or a regex after the 'regex:' prefix")
    custom_id_regex: str | None = Field(None, description="regex that must match the whole custom_id")
    line: int | None = Field(None, ge=1, description="1-based line number in the input file")
    lines: str | LineRange | None = Field(None, description="inclusive range: '3-7', '10-' or {from, to}")
    every_nth: int | None = Field(None, ge=1, description="lines n, 2n, 3n, ...")
    fraction: float | None = Field(None, ge=0, le=1, description="seeded share of lines, per batch and custom_id")
    model: str | None = Field(None, description="glob on the batch's model")
    body: dict[str, Any] | None = Field(None, description="subset that the line's body must contain")

    @field_validator("custom_id")
    @classmethod
    def _custom_id(cls, value: str | None) -> str | None:
        if value is not None:
            custom_id_pattern(value)
        return value

    @field_validator("custom_id_regex")
    @classmethod
    def _custom_id_regex(cls, value: str | None) -> str | None:
        if value is not None:
            user_regex(value)
        return value

    @field_validator("model")
    @classmethod
    def _model(cls, value: str | None) -> str | None:
        if value is not None:
            glob_regex(value)
        return value

    @field_validator("lines")
    @classmethod
    def _lines(cls, value: str | LineRange | None) -> str | LineRange | None:
        if value is not None:
            line_bounds(value)
        return value


class LineRule(Strict):
    """What happens to the lines a rule matches; a rule without effects shields later rules."""

    match: LineMatch = LineMatch()
    status: int | None = Field(None, ge=0, le=599, description="HTTP status of the result; 0 = the odd empty shape")
    error: ErrorSpec | None = None
    extra_seconds: float = Field(0.0, ge=0, description="processing time added to the line")
    response: dict[str, Any] | None = Field(None, description="fixed response body for a 200")
    finish_reason: FinishReason | None = None
    empty_content: bool = False
    refusal: str | None = None
    omit: bool = Field(False, description="counted, but no result line is written")
    count_as: Literal["completed", "failed"] | None = None

    @model_check(mode="after")
    def _consistent(self) -> LineRule:
        status = self.status
        if status is not None and 0 < status < 200:
            raise ValueError("status must be 0 (empty result) or an HTTP status from 200 to 599")
        if self.error is not None and (status is None or status < 300):
            raise ValueError("'error' needs an error 'status' (300-599)")
        if self.response is not None and status is not None and status != 0 and status >= 300:
            raise ValueError("'response' is a success body; it cannot go with an error status")
        if status == 0 and (self.response is not None or self.error is not None):
            raise ValueError("status 0 means an empty body and a null error; drop 'response' and 'error'")
        return self


# -- batch rules ---------------------------------------------------------------------------------------


class BatchMatch(Strict):
    endpoint: str | None = Field(None, description="glob on the batch's endpoint, e.g. /v1/chat/completions")
    metadata: dict[str, str] | None = Field(None, description="subset of the batch's metadata")
    nth: int | None = Field(None, ge=1, description="1-based count of batches created since the last reset")

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None:
            glob_regex(value, segments=True)
        return value


class BatchErrorSpec(Strict):
    """One entry of `errors.data` when validation fails."""

    code: str
    message: str = "This line failed validation."
    param: str | None = None
    line: int | None = Field(None, ge=1)


class BatchRule(Strict):
    match: BatchMatch = BatchMatch()
    fail_validation: list[BatchErrorSpec] | None = Field(None, min_length=1)
    token_limit_exceeded: bool = False
    timing: TimingOverride | None = None
    stuck_in: Literal["validating", "in_progress", "finalizing"] | None = Field(
        None, description="the batch stays in this status until its window ends"
    )
    cancel: Literal["refuse", "ignore"] | None = Field(
        None, description="refuse: cancel answers 409 and the batch goes on; ignore: 200, the batch goes on"
    )
    cancel_delay_seconds: float | None = Field(None, ge=0, description="how long 'cancelling' lasts")
    empty_string_file_ids: bool = Field(False, description="a missing output or error file id is '' instead of null")
    shuffle_output: bool = Field(False, description="result lines in a seeded order instead of input order")

    @model_check(mode="after")
    def _consistent(self) -> BatchRule:
        if self.fail_validation is not None and self.token_limit_exceeded:
            raise ValueError("'fail_validation' and 'token_limit_exceeded' exclude each other")
        if (self.fail_validation is not None or self.token_limit_exceeded) and self.stuck_in is not None:
            raise ValueError("a batch that fails validation cannot also be 'stuck_in' a status")
        if self.cancel is not None and self.cancel_delay_seconds is not None:
            raise ValueError("'cancel' and 'cancel_delay_seconds' exclude each other")
        return self


# -- HTTP rules ----------------------------------------------------------------------------------------


class HttpMatch(Strict):
    method: str | None = Field(None, description="GET, POST, DELETE, ...; absent = any")
    path: str | None = Field(None, description="glob; '*' stays in one segment, '**' crosses '/'")
    purpose: str | None = Field(None, description="the purpose of a file upload")
    endpoint: str | None = Field(None, description="the endpoint of a batch create")
    fraction: float | None = Field(None, ge=0, le=1, description="seeded share of the matching requests")

    @field_validator("method")
    @classmethod
    def _method(cls, value: str | None) -> str | None:
        if value is None or value == "*":
            return None
        upper = value.upper()
        if upper not in HTTP_METHODS:
            raise ValueError(f"unknown HTTP method {value!r}; expected one of {', '.join(sorted(HTTP_METHODS))}")
        return upper

    @field_validator("path")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        if value is not None:
            if not value.startswith("/"):
                raise ValueError(f"path {value!r} must start with '/'")
            glob_regex(value, segments=True)
        return value


class HttpEffect(Strict):
    status: int | None = Field(None, ge=400, le=599)
    error: ErrorSpec | None = None
    headers: dict[str, str | StrictInt | None] = Field(
        default_factory=dict, description="extra response headers; null removes a default one"
    )
    delay_ms: int = Field(0, ge=0, le=5000, description="a real delay before answering")
    fault: Fault | None = None

    def has_effect(self) -> bool:
        return self.status is not None or self.fault is not None or self.delay_ms > 0

    @model_check(mode="after")
    def _error_needs_status(self) -> HttpEffect:
        if (self.error is not None or self.headers) and self.status is None:
            raise ValueError("'error' and 'headers' need a 'status'")
        return self


class HttpStep(HttpEffect):
    pass_: bool = Field(False, alias="pass", description="let this request through")

    @model_check(mode="after")
    def _pass_alone(self) -> HttpStep:
        if self.pass_ and self.has_effect():
            raise ValueError("a 'pass' step cannot also set an effect")
        return self


Step = Annotated[HttpStep, BeforeValidator(_step_shorthand), _StepShorthand()]


class HttpRule(HttpEffect):
    match: HttpMatch = HttpMatch()
    times: int | None = Field(None, ge=0, description="how many matching requests it applies to; absent = all")
    sequence: list[Step] | None = Field(None, min_length=1, description="one step per matching request, then off")

    @model_check(mode="after")
    def _sequence_alone(self) -> HttpRule:
        if self.sequence is not None and (self.has_effect() or self.times is not None):
            raise ValueError("with 'sequence', put status, delay_ms and fault in the steps and leave out 'times'")
        return self


# -- webhook rules -------------------------------------------------------------------------------------


class WebhookMatch(Strict):
    """Every condition given must hold; an empty match takes every delivery."""

    event: str | None = Field(None, description="glob on the event type, e.g. 'batch.completed' or 'batch.*'")
    url: str | None = Field(None, description="glob on the receiving URL")
    source: Literal["openai", "url"] | None = Field(
        None, description="'openai': account-level signed events; 'url': a batch's own webhook_url"
    )
    fraction: float | None = Field(None, ge=0, le=1, description="seeded share of the deliveries")

    @field_validator("event", "url")
    @classmethod
    def _glob(cls, value: str | None) -> str | None:
        if value is not None:
            glob_regex(value)
        return value


class WebhookRule(Strict):
    """What happens to the deliveries a rule matches; a rule without effects shields later rules."""

    match: WebhookMatch = WebhookMatch()
    delay_seconds: float = Field(0.0, ge=0, description="virtual seconds added before the first attempt")
    duplicate: int = Field(0, ge=0, le=10, description="extra copies sent with the same webhook-id")
    corrupt: Corruption | None = Field(
        None, description="spoil the first attempt: a wrong signature, a stale timestamp or a truncated body"
    )
    drop: bool = Field(False, description="the delivery is never sent")
    times: int | None = Field(None, ge=0, description="how many matching deliveries it applies to; absent = all")

    @model_check(mode="after")
    def _drop_alone(self) -> WebhookRule:
        if self.drop and (self.delay_seconds or self.duplicate or self.corrupt is not None):
            raise ValueError("a dropped delivery is never sent: leave out delay_seconds, duplicate and corrupt")
        return self


class VideoMatch(Strict):
    """Every condition given must hold; an empty match takes every video job (created or remixed)."""

    prompt: str | None = Field(None, description="glob on the prompt, or 'regex:' + a regular expression")
    model: str | None = Field(None, description="glob on the model, e.g. 'sora-2-pro'")
    remix: bool | None = Field(None, description="true: only remixes; false: only new videos")
    fraction: float | None = Field(None, ge=0, le=1, description="seeded share of the jobs")

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: str | None) -> str | None:
        if value is not None:
            custom_id_pattern(value)
        return value

    @field_validator("model")
    @classmethod
    def _glob(cls, value: str | None) -> str | None:
        if value is not None:
            glob_regex(value)
        return value


class VideoFailure(Strict):
    """How a job fails: its `error` and how far it renders first."""

    code: str = Field("video_generation_failed", min_length=1, description="the job's error.code")
    message: str = Field("The video could not be generated.", min_length=1, description="the job's error.message")
    at_progress: int = Field(0, ge=0, le=99, description="the progress at which it fails (0: as it leaves the queue)")


class VideoRule(Strict):
    """What happens to the video jobs a rule matches; a rule without effects shields later rules."""

    match: VideoMatch = VideoMatch()
    fail: VideoFailure | None = Field(None, description="the job ends `failed` with this error")
    extra_seconds: float = Field(0.0, ge=0, le=86_400, description="virtual seconds added to the rendering time")
    times: int | None = Field(None, ge=0, description="how many matching jobs it applies to; absent = all")


# -- the document --------------------------------------------------------------------------------------


class Scenario(Strict):
    """A whole scenario document."""

    name: str = Field("custom", pattern=NAME_PATTERN)
    description: str = ""
    seed: int = Field(0, description="drives every fraction and shuffle")
    timing: TimingOverride = TimingOverride()
    batch: Annotated[list[BatchRule], BeforeValidator(_one_or_list), _OneOrList()] = Field(
        default_factory=list, description="one batch rule or a list; first match wins"
    )
    lines: list[LineRule] = Field(default_factory=list, description="first match wins")
    http: list[HttpRule] = Field(default_factory=list, description="first match wins")
    webhooks: list[WebhookRule] = Field(default_factory=list, description="first match wins")
    videos: list[VideoRule] = Field(default_factory=list, description="first match wins")
    enqueued_token_limits: dict[str, Annotated[int, Field(ge=1)]] = Field(
        default_factory=dict,
        description="model glob -> the prompt tokens an owner may have in batches in progress for that model; "
        "a batch that would go over fails validation with token_limit_exceeded (first matching glob wins)",
    )

    @field_validator("enqueued_token_limits")
    @classmethod
    def _model_globs(cls, value: dict[str, int]) -> dict[str, int]:
        for pattern in value:
            glob_regex(pattern)
        return value

    @field_validator("timing", "lines", "http", "webhooks", "videos", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any, info: Any) -> Any:
        if value is None:
            return {} if info.field_name == "timing" else []
        return value
