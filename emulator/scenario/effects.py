"""What a scenario rule does, as the services receive it: `HttpFault` (an API request), `BatchPlan` (a batch),
`LineEffect` (a batch line), `WebhookEffect` (a webhook delivery) and `VideoEffect` (a video job), built from
the rules of emulator/scenario/schema.py; and the error objects and headers an injected status carries when
its rule leaves them out (`default_error`, `default_headers`, `token_limit_error`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from emulator.config import Timing
from emulator.scenario.schema import ErrorSpec, HttpEffect, LineRule

RETRIED_STATUSES = frozenset({408, 409, 429})

# status -> (type, code, message) used when a rule's `error` leaves a field out
DEFAULT_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "The request was rejected by the active scenario."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", None, "You are not allowed to sample from this model."),
    404: ("invalid_request_error", None, "The requested resource was not found."),
    408: ("invalid_request_error", "timeout", "The request timed out."),
    409: ("invalid_request_error", None, "The request conflicts with the current state of the resource."),
    413: ("invalid_request_error", None, "The request is too large."),
    422: ("invalid_request_error", None, "The request could not be processed."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again in 1ms."),
    500: ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
    502: ("server_error", "bad_gateway", "Bad gateway."),
    503: ("server_error", "service_unavailable", "The server is overloaded or not ready yet."),
    504: ("server_error", "gateway_timeout", "The server did not answer in time."),
}
DEFAULT_TOKEN_LIMIT = 2_000_000
TOKEN_LIMIT_MESSAGE = (
    "Enqueued token limit reached for {model} in organization {organization}. Limit: {limit} enqueued tokens. "
    "Please try again once some in_progress batches have been completed."
)


def default_error(status: int) -> dict[str, Any]:
    """The OpenAI error object the engine uses for `status` when a rule gives no `error`."""
    kind, code, message = DEFAULT_ERRORS.get(
        status,
        ("server_error", None, f"The server returned status {status}.")
        if status >= 500
        else ("invalid_request_error", None, f"The request failed with status {status}."),
    )
    return {"message": message, "type": kind, "param": None, "code": code}


def default_headers(status: int) -> dict[str, str]:
    """Headers sent with an injected status: tiny retry delays on the statuses the openai SDK retries."""
    if status == 429:
        return {"retry-after-ms": "1", "retry-after": "0"}
    if status in RETRIED_STATUSES or status >= 500:
        return {"retry-after-ms": "1"}
    return {}


def given_fields(spec: ErrorSpec | None) -> dict[str, Any]:
    """The fields a rule's `error` sets explicitly (even to null)."""
    if spec is None:
        return {}
    return {name: getattr(spec, name) for name in spec.model_fields_set}


def error_object(status: int, spec: ErrorSpec | None) -> dict[str, Any]:
    """`default_error(status)` with the fields the rule set explicitly (even to null) replaced."""
    return {**default_error(status), **given_fields(spec)}


def token_limit_error(
    model: str | None, organization: str = "org-emulator", limit: int = DEFAULT_TOKEN_LIMIT
) -> dict[str, Any]:
    """The BatchError of a batch that fails with `token_limit_exceeded`, worded like the real API."""
    message = TOKEN_LIMIT_MESSAGE.format(
        model=model or "the requested model", organization=organization, limit=f"{limit:,}"
    )
    return {"code": "token_limit_exceeded", "message": message, "param": None, "line": None}


# -- results -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HttpFault:
    """What to do with one API request instead of (or before) handling it.

    - `status` set: answer with `status`, `body` (`{"error": {...}}`) and `headers` without running the request.
    - `fault` set: the request is not run. `connection_reset` drops the connection; `truncated_body` sends half
      of a JSON body (the error body when `status` is set) and closes the connection; `malformed_json` sends
      JSON that does not parse (status 200 unless `status` is set).
    - `delay_ms` > 0: wait this many real milliseconds first.
    - no status and no fault (a "pass" step, a delay only, or a rule without effects): the request proceeds
      normally; the rule is still reported so the journal shows which rule let it through.
    - `rule`: the label of the rule that fired, e.g. "http[0]" or "http[1].sequence[2]", for the journal.
    - `error_fields`: the fields of `body`'s error the rule set itself; a dialect with its own error envelope
      fills the others with its own defaults for the status.
    """

    status: int | None
    body: dict[str, Any] | None
    headers: dict[str, str]
    delay_ms: int
    fault: str | None
    rule: str
    error_fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """Everything a scenario decides about one batch when it is created.

    `timing` is the base timing with the scenario's and then the rule's overrides applied. `fail_validation`
    (a list of BatchError dicts) fails the batch at the end of `validating`; `token_limit_exceeded` does the
    same with the real API's token-limit error (see `token_limit_error`). `stuck_in` keeps the batch in that
    status until its window ends (then it expires). `cancel_refused`: a cancel answers 409 "Cannot cancel a
    batch with status '<status>'." and the batch carries on; `cancel_ignored`: a cancel answers 200 with the
    batch unchanged and it carries on. `cancel_delay`: how long `cancelling` lasts (also in timing.cancelling).
    `empty_string_file_ids`: an absent output or error file id is reported as "" instead of null.
    `shuffle_output` with `shuffle_seed`: write result lines in an order drawn from that seed.
    """

    timing: Timing
    fail_validation: list[dict[str, Any]] | None = None
    token_limit_exceeded: bool = False
    stuck_in: str | None = None
    cancel_refused: bool = False
    cancel_ignored: bool = False
    cancel_delay: float | None = None
    empty_string_file_ids: bool = False
    shuffle_output: bool = False
    shuffle_seed: int | None = None
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, for storing with the batch record."""
        data = asdict(self)
        data["timing"] = self.timing.model_dump()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BatchPlan:
        values = dict(data)
        values["timing"] = Timing.model_validate(values["timing"])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class LineEffect:
    """What the scenario does to one batch line (one shared instance per rule: do not mutate).

    `status` >= 300 with `error` (complete OpenAI error object): the line's result is that HTTP error, written
    to the error file. `response`: a fixed 200 body instead of the fake model's. `finish_reason`,
    `empty_content`, `refusal`: shape the fake model's answer. `extra_seconds`: processing time added to the
    line (it may then finish after the window and expire). `status_code_zero`: the line is written to the error
    file with `status_code` 0, an empty body and a null error (counted as completed unless `count_as` says
    otherwise). `omit`: the line is counted but no result line is written. `count_as`: which request count the
    line adds to, whatever its file says. `rule`: the label of the rule, e.g. "lines[1]".
    """

    rule: str
    status: int | None = None
    error: dict[str, Any] | None = None
    extra_seconds: float = 0.0
    response: dict[str, Any] | None = None
    finish_reason: str | None = None
    empty_content: bool = False
    refusal: str | None = None
    status_code_zero: bool = False
    omit: bool = False
    count_as: Literal["completed", "failed"] | None = None


@dataclass(frozen=True, slots=True)
class WebhookEffect:
    """What the scenario does to one webhook delivery.

    `delay_seconds`: virtual time added before the first attempt (so events can arrive late or out of order).
    `duplicate`: extra copies of the delivery, each with the same `webhook-id` and body, attempted and retried on
    their own. `corrupt`: the first attempt carries a wrong signature ("signature"), a timestamp an hour old
    signed correctly ("timestamp", so only the replay tolerance rejects it) or half of the signed body ("body");
    retries are intact. `drop`: the delivery is never attempted. `rule`: the label, e.g. "webhooks[0]".
    """

    rule: str
    delay_seconds: float = 0.0
    duplicate: int = 0
    corrupt: str | None = None
    drop: bool = False


@dataclass(frozen=True, slots=True)
class VideoEffect:
    """What the scenario does to one video job: `extra_seconds` of rendering time; with `fail_code`, the job
    ends `failed` with that error once its progress reaches `fail_at_progress`. `rule`: e.g. "videos[0]"."""

    rule: str
    extra_seconds: float = 0.0
    fail_code: str | None = None
    fail_message: str | None = None
    fail_at_progress: int = 0


# -- built from rules ----------------------------------------------------------------------------------


def line_effect_of(label: str, rule: LineRule) -> LineEffect | None:
    """The effect of a line rule (labelled `label`), or None when the rule changes nothing."""
    status = rule.status
    effect = LineEffect(
        rule=label,
        status=status if status else None,
        error=error_object(status, rule.error) if status is not None and status >= 300 else None,
        extra_seconds=rule.extra_seconds,
        response=rule.response,
        finish_reason=rule.finish_reason,
        empty_content=rule.empty_content,
        refusal=rule.refusal,
        status_code_zero=status == 0,
        omit=rule.omit,
        count_as=rule.count_as,
    )
    return None if effect == LineEffect(rule=label) else effect


def http_fault_of(label: str, effect: HttpEffect) -> HttpFault:
    """The fault of an HTTP rule or of one step of its sequence (labelled `label`)."""
    headers: dict[str, str] = {}
    body = None
    if effect.status is not None:
        headers = default_headers(effect.status)
        body = {"error": error_object(effect.status, effect.error)}
    for name, value in effect.headers.items():
        headers.pop(name.lower(), None)
        if value is not None:
            headers[name.lower()] = str(value)
    given = given_fields(effect.error)
    return HttpFault(effect.status, body, headers, effect.delay_ms, effect.fault, label, given)
