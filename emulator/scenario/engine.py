"""The scenario rule engine: decides, for each HTTP request, batch, batch line, webhook delivery and video job,
which rule fires and what it does.

The services call these methods:

- `http_fault(method, path, purpose=, endpoint=)` before routing a request to the emulator's own API;
- `batch_plan(batch_id=, endpoint=, metadata=)` once when a batch is created;
- `line_effect(batch_id=, line=, custom_id=, body=, model=)` once per input line while a batch runs;
- `webhook_effect(event=, url=, source=, key=)` once per webhook delivery;
- `video_effect(prompt=, model=, remix=, key=)` once per video job created or remixed;
- `enqueued_token_limit(model)` once per batch that passes validation.

Rules match first-wins inside each level. Counters (`times`, `sequence`, `nth`) live here and go back to zero
with `reset()`. Every `fraction` is decided by a hash of (scenario seed, rule index, key) compared with the
fraction, never by a shared random stream, so the outcome of a line does not depend on processing order and
the same seed replays the same picks. The engine does no I/O and reads no clock.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TypeVar

from emulator.config import Timing
from emulator.scenario.schema import (
    BatchRule,
    ErrorSpec,
    HttpEffect,
    HttpRule,
    LineRule,
    Scenario,
    VideoRule,
    WebhookRule,
    custom_id_pattern,
    glob_regex,
    is_glob,
    line_bounds,
    user_regex,
)

EffectT = TypeVar("EffectT")
ADMIN_PREFIX = "/_emulator"
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


def picked(seed: int, rule_index: int, key: str, fraction: float) -> bool:
    """True for a seeded, order-independent share `fraction` of the keys."""
    if fraction >= 1.0:
        return True
    if fraction <= 0.0:
        return False
    digest = hashlib.blake2b(f"{seed}\x1f{rule_index}\x1f{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") < fraction * 18446744073709551616


def is_subset(expected: Any, actual: Any) -> bool:
    """Every key/value in `expected` equals the one in `actual`, recursing into objects."""
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return False
        return all(key in actual and is_subset(value, actual[key]) for key, value in expected.items())
    return bool(expected == actual)


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


# -- compiled rules ------------------------------------------------------------------------------------


def _compile_glob(pattern: str | None, *, segments: bool = False) -> re.Pattern[str] | str | None:
    """An exact string when the pattern has no wildcard (cheaper to compare), else a compiled regex."""
    if pattern is None:
        return None
    return glob_regex(pattern, segments=segments) if is_glob(pattern) else pattern


def _glob_ok(matcher: re.Pattern[str] | str | None, value: str | None) -> bool:
    if matcher is None:
        return True
    if value is None:
        return False
    if isinstance(matcher, str):
        return matcher == value
    return matcher.match(value) is not None


@dataclass(slots=True)
class _LineMatcher:
    index: int
    effect: LineEffect | None
    first: int = 1
    last: int | None = None
    every_nth: int | None = None
    custom_id: re.Pattern[str] | str | None = None
    custom_id_regex: re.Pattern[str] | None = None
    model: re.Pattern[str] | str | None = None
    body: dict[str, Any] | None = None
    fraction: float | None = None

    @classmethod
    def build(cls, index: int, rule: LineRule) -> _LineMatcher:
        match = rule.match
        matcher = cls(index, _line_effect(f"lines[{index}]", rule))
        if match.line is not None:
            matcher.first, matcher.last = match.line, match.line
        if match.lines is not None:
            first, last = line_bounds(match.lines)
            matcher.first = max(matcher.first, first)
            if last is not None:
                matcher.last = last if matcher.last is None else min(matcher.last, last)
        matcher.every_nth = match.every_nth
        if match.custom_id is not None:
            cid = match.custom_id
            matcher.custom_id = custom_id_pattern(cid) if cid.startswith("regex:") or is_glob(cid) else cid
        if match.custom_id_regex is not None:
            matcher.custom_id_regex = user_regex(match.custom_id_regex)
        matcher.model = _compile_glob(match.model)
        matcher.body = match.body
        matcher.fraction = match.fraction
        return matcher

    def matches(
        self, seed: int, batch_id: str, line: int, custom_id: str, body: Mapping[str, Any], model: str | None
    ) -> bool:
        if line < self.first or (self.last is not None and line > self.last):
            return False
        if self.every_nth is not None and line % self.every_nth:
            return False
        cid = self.custom_id
        if cid is not None and (cid != custom_id if isinstance(cid, str) else cid.match(custom_id) is None):
            return False
        if self.custom_id_regex is not None and self.custom_id_regex.fullmatch(custom_id) is None:
            return False
        if self.model is not None and not _glob_ok(self.model, model if model is not None else body.get("model")):
            return False
        if self.body is not None and not is_subset(self.body, body):
            return False
        return self.fraction is None or picked(seed, self.index, f"{batch_id}\x1f{custom_id}", self.fraction)


def _line_effect(label: str, rule: LineRule) -> LineEffect | None:
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


def _http_fault(label: str, effect: HttpEffect) -> HttpFault:
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


@dataclass(slots=True)
class _HttpMatcher:
    index: int
    method: str | None
    path: re.Pattern[str] | str | None
    purpose: str | None
    endpoint: str | None
    fraction: float | None
    limit: int | None
    is_sequence: bool
    steps: list[HttpFault] = field(default_factory=list)

    @classmethod
    def build(cls, index: int, rule: HttpRule) -> _HttpMatcher:
        match = rule.match
        label = f"http[{index}]"
        if rule.sequence is not None:
            steps = [_http_fault(f"{label}.sequence[{n}]", step) for n, step in enumerate(rule.sequence)]
            limit: int | None = len(steps)
        else:
            steps = [_http_fault(label, rule)]
            limit = rule.times
        return cls(
            index,
            match.method,
            _compile_glob(match.path, segments=True),
            match.purpose,
            match.endpoint,
            match.fraction,
            limit,
            rule.sequence is not None,
            steps,
        )

    def matches(self, method: str, path: str, purpose: str | None, endpoint: str | None) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.purpose is not None and self.purpose != purpose:
            return False
        if self.endpoint is not None and self.endpoint != endpoint:
            return False
        return _glob_ok(self.path, path)


@dataclass(slots=True)
class _WebhookMatcher:
    index: int
    rule: WebhookRule
    event: re.Pattern[str] | str | None
    url: re.Pattern[str] | str | None
    effect: WebhookEffect

    @classmethod
    def build(cls, index: int, rule: WebhookRule) -> _WebhookMatcher:
        label = f"webhooks[{index}]"
        effect = WebhookEffect(label, rule.delay_seconds, rule.duplicate, rule.corrupt, rule.drop)
        return cls(index, rule, _compile_glob(rule.match.event), _compile_glob(rule.match.url), effect)

    def matches(self, seed: int, event: str, url: str, source: str, key: str) -> bool:
        match = self.rule.match
        if match.source is not None and match.source != source:
            return False
        if not (_glob_ok(self.event, event) and _glob_ok(self.url, url)):
            return False
        return match.fraction is None or picked(seed, self.index, key, match.fraction)


@dataclass(slots=True)
class _VideoMatcher:
    index: int
    rule: VideoRule
    prompt: re.Pattern[str] | None
    model: re.Pattern[str] | str | None
    effect: VideoEffect

    @classmethod
    def build(cls, index: int, rule: VideoRule) -> _VideoMatcher:
        fail = rule.fail
        effect = VideoEffect(
            f"videos[{index}]",
            rule.extra_seconds,
            fail.code if fail else None,
            fail.message if fail else None,
            fail.at_progress if fail else 0,
        )
        prompt = custom_id_pattern(rule.match.prompt) if rule.match.prompt is not None else None
        return cls(index, rule, prompt, _compile_glob(rule.match.model), effect)

    def matches(self, seed: int, prompt: str, model: str, remix: bool, key: str) -> bool:
        match = self.rule.match
        if match.remix is not None and match.remix != remix:
            return False
        if self.prompt is not None:
            regex = match.prompt is not None and match.prompt.startswith("regex:")
            found = self.prompt.search(prompt) if regex else self.prompt.match(prompt)
            if found is None:
                return False
        if not _glob_ok(self.model, model):
            return False
        return match.fraction is None or picked(seed, self.index, key, match.fraction)


def _take_one(used: list[int], candidates: Iterable[tuple[int, int | None, EffectT]]) -> EffectT | None:
    """The effect of the first (rule index, `times`, effect) candidate with uses left, counting the use."""
    for index, times, effect in candidates:
        if times is not None and used[index] >= times:
            continue
        used[index] += 1
        return effect
    return None


# -- the engine ----------------------------------------------------------------------------------------


class ScenarioEngine:
    """Applies one `Scenario`; holds its counters. Cheap to build (patterns are compiled once here)."""

    def __init__(self, scenario: Scenario, base_timing: Timing | None = None) -> None:
        """`base_timing` is what `batch_plan` overrides when the call gives none (default: `Timing()`)."""
        self.scenario = scenario
        self.base_timing = base_timing or Timing()
        self._seed = scenario.seed
        self._lines = [_LineMatcher.build(i, rule) for i, rule in enumerate(scenario.lines)]
        self._http = [_HttpMatcher.build(i, rule) for i, rule in enumerate(scenario.http)]
        self._batch: list[BatchRule] = list(scenario.batch)
        self._endpoint_globs = [_compile_glob(rule.match.endpoint, segments=True) for rule in self._batch]
        self._http_seen = [0] * len(self._http)
        self._http_used = [0] * len(self._http)
        self._webhooks = [_WebhookMatcher.build(i, rule) for i, rule in enumerate(scenario.webhooks)]
        self._webhooks_used = [0] * len(self._webhooks)
        self._videos = [_VideoMatcher.build(i, rule) for i, rule in enumerate(scenario.videos)]
        self._videos_used = [0] * len(self._videos)
        self._quotas = [(_compile_glob(glob), limit) for glob, limit in scenario.enqueued_token_limits.items()]
        self._batches = 0

    @property
    def name(self) -> str:
        return self.scenario.name

    def reset(self) -> None:
        """Counters (`times`, `sequence` steps, matching-request counts, `nth`) back to zero."""
        self._http_seen = [0] * len(self._http)
        self._http_used = [0] * len(self._http)
        self._webhooks_used = [0] * len(self._webhooks)
        self._videos_used = [0] * len(self._videos)
        self._batches = 0

    def http_fault(
        self, method: str, path: str, *, purpose: str | None = None, endpoint: str | None = None
    ) -> HttpFault | None:
        """The fault for one API request, or None to handle it normally.

        `path` is the request path without the query string; `purpose` (file uploads) and `endpoint` (batch
        creates) are given when known. The first rule that matches and still has uses left consumes one use
        (one sequence step). A "pass" step or a rule without effects returns a fault with neither status nor
        fault: the request goes through, but the journal can name the rule. Paths under /_emulator never match.
        """
        if not self._http or path.startswith(ADMIN_PREFIX):
            return None
        method = method.upper()
        path = path.split("?", 1)[0]
        for matcher in self._http:
            if not matcher.matches(method, path, purpose, endpoint):
                continue
            index = matcher.index
            seen = self._http_seen[index]
            self._http_seen[index] = seen + 1
            if matcher.fraction is not None and not picked(self._seed, index, str(seen), matcher.fraction):
                continue
            used = self._http_used[index]
            if matcher.limit is not None and used >= matcher.limit:
                continue
            self._http_used[index] = used + 1
            return matcher.steps[used] if matcher.is_sequence else matcher.steps[0]
        return None

    def batch_plan(
        self,
        *,
        batch_id: str,
        endpoint: str,
        metadata: Mapping[str, str] | None,
        base_timing: Timing | None = None,
    ) -> BatchPlan:
        """The plan for a batch being created; every call counts towards `nth`."""
        self._batches += 1
        timing = self.scenario.timing.over(base_timing or self.base_timing)
        for index, rule in enumerate(self._batch):
            if self._batch_matches(index, rule, endpoint, metadata):
                return self._plan(index, rule, timing, batch_id)
        return BatchPlan(timing=timing)

    def line_effect(
        self, *, batch_id: str, line: int, custom_id: str, body: Mapping[str, Any], model: str | None
    ) -> LineEffect | None:
        """The effect for one input line (1-based `line`), or None. Pure: the same arguments give the same result.

        `model` is the batch's model; when None the body's "model" is used for `match.model`.
        """
        if not self._lines:
            return None
        seed = self._seed
        for matcher in self._lines:
            if matcher.matches(seed, batch_id, line, custom_id, body, model):
                return matcher.effect
        return None

    def webhook_effect(self, *, event: str, url: str, source: str, key: str) -> WebhookEffect | None:
        """The effect for one webhook delivery, or None.

        `event` is the event type (`batch.completed`), `source` "openai" (account-level events) or "url" (a
        batch's own `webhook_url`), `key` identifies the delivery for `fraction` picks. The first matching rule
        with uses left (`times`) consumes one and returns its effect.
        """
        matching = (m for m in self._webhooks if m.matches(self._seed, event, url, source, key))
        return _take_one(self._webhooks_used, ((m.index, m.rule.times, m.effect) for m in matching))

    def enqueued_token_limit(self, model: str | None) -> int | None:
        """The enqueued-token quota for `model` (the first matching glob), or None when it has none."""
        if model is None:
            return None
        return next((limit for glob, limit in self._quotas if _glob_ok(glob, model)), None)

    def video_effect(self, *, prompt: str, model: str, remix: bool, key: str) -> VideoEffect | None:
        """The effect for one video job, or None. `key` (the job's id) identifies it for `fraction` picks; the
        first matching rule with uses left (`times`) consumes one and returns its effect."""
        matching = (m for m in self._videos if m.matches(self._seed, prompt, model, remix, key))
        return _take_one(self._videos_used, ((m.index, m.rule.times, m.effect) for m in matching))

    # -- helpers --

    def _batch_matches(self, index: int, rule: BatchRule, endpoint: str, metadata: Mapping[str, str] | None) -> bool:
        match = rule.match
        if match.nth is not None and match.nth != self._batches:
            return False
        if not _glob_ok(self._endpoint_globs[index], endpoint):
            return False
        return match.metadata is None or is_subset(match.metadata, metadata or {})

    def _plan(self, index: int, rule: BatchRule, timing: Timing, batch_id: str) -> BatchPlan:
        if rule.timing is not None:
            timing = rule.timing.over(timing)
        if rule.cancel_delay_seconds is not None:
            timing = timing.model_copy(update={"cancelling": rule.cancel_delay_seconds})
        shuffle_seed = None
        if rule.shuffle_output:
            digest = hashlib.blake2b(f"{self._seed}\x1fshuffle\x1f{batch_id}".encode(), digest_size=8).digest()
            shuffle_seed = int.from_bytes(digest, "big")
        return BatchPlan(
            timing=timing,
            fail_validation=[error.model_dump() for error in rule.fail_validation] if rule.fail_validation else None,
            token_limit_exceeded=rule.token_limit_exceeded,
            stuck_in=rule.stuck_in,
            cancel_refused=rule.cancel == "refuse",
            cancel_ignored=rule.cancel == "ignore",
            cancel_delay=rule.cancel_delay_seconds,
            empty_string_file_ids=rule.empty_string_file_ids,
            shuffle_output=rule.shuffle_output,
            shuffle_seed=shuffle_seed,
            rule=f"batch[{index}]",
        )
