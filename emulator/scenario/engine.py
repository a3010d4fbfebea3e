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

The rules are compiled into matchers by emulator/scenario/matchers.py; what a rule does is an effect of
emulator/scenario/effects.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from emulator.config import ADMIN_PREFIX, Timing
from emulator.scenario.effects import BatchPlan, HttpFault, LineEffect, VideoEffect, WebhookEffect
from emulator.scenario.matchers import (
    HttpMatcher,
    LineMatcher,
    VideoMatcher,
    WebhookMatcher,
    compile_glob,
    glob_ok,
    is_subset,
    picked,
    take_one,
)
from emulator.scenario.schema import BatchRule, Scenario


class ScenarioEngine:
    """Applies one `Scenario`; holds its counters. Cheap to build (patterns are compiled once here)."""

    def __init__(self, scenario: Scenario, base_timing: Timing | None = None) -> None:
        """`base_timing` is what `batch_plan` overrides when the call gives none (default: `Timing()`)."""
        self.scenario = scenario
        self.base_timing = base_timing or Timing()
        self._seed = scenario.seed
        self._lines = [LineMatcher.build(i, rule) for i, rule in enumerate(scenario.lines)]
        self._http = [HttpMatcher.build(i, rule) for i, rule in enumerate(scenario.http)]
        self._batch: list[BatchRule] = list(scenario.batch)
        self._endpoint_globs = [compile_glob(rule.match.endpoint, segments=True) for rule in self._batch]
        self._http_seen = [0] * len(self._http)
        self._http_used = [0] * len(self._http)
        self._webhooks = [WebhookMatcher.build(i, rule) for i, rule in enumerate(scenario.webhooks)]
        self._webhooks_used = [0] * len(self._webhooks)
        self._videos = [VideoMatcher.build(i, rule) for i, rule in enumerate(scenario.videos)]
        self._videos_used = [0] * len(self._videos)
        self._quotas = [(compile_glob(glob), limit) for glob, limit in scenario.enqueued_token_limits.items()]
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
        return take_one(self._webhooks_used, ((m.index, m.rule.times, m.effect) for m in matching))

    def enqueued_token_limit(self, model: str | None) -> int | None:
        """The enqueued-token quota for `model` (the first matching glob), or None when it has none."""
        if model is None:
            return None
        return next((limit for glob, limit in self._quotas if glob_ok(glob, model)), None)

    def video_effect(self, *, prompt: str, model: str, remix: bool, key: str) -> VideoEffect | None:
        """The effect for one video job, or None. `key` (the job's id) identifies it for `fraction` picks; the
        first matching rule with uses left (`times`) consumes one and returns its effect."""
        matching = (m for m in self._videos if m.matches(self._seed, prompt, model, remix, key))
        return take_one(self._videos_used, ((m.index, m.rule.times, m.effect) for m in matching))

    # -- helpers --

    def _batch_matches(self, index: int, rule: BatchRule, endpoint: str, metadata: Mapping[str, str] | None) -> bool:
        match = rule.match
        if match.nth is not None and match.nth != self._batches:
            return False
        if not glob_ok(self._endpoint_globs[index], endpoint):
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
