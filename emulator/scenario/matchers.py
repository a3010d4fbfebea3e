"""Scenario rules compiled for matching: one matcher per rule (globs and patterns compiled once), the seeded
`fraction` pick and the `times` counter helper the `ScenarioEngine` uses.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from emulator.scenario.effects import (
    HttpFault,
    LineEffect,
    VideoEffect,
    WebhookEffect,
    http_fault_of,
    line_effect_of,
)
from emulator.scenario.patterns import custom_id_pattern, glob_regex, is_glob, user_regex
from emulator.scenario.schema import HttpRule, LineRule, VideoRule, WebhookRule, line_bounds

EffectT = TypeVar("EffectT")


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


def compile_glob(pattern: str | None, *, segments: bool = False) -> re.Pattern[str] | str | None:
    """An exact string when the pattern has no wildcard (cheaper to compare), else a compiled regex."""
    if pattern is None:
        return None
    return glob_regex(pattern, segments=segments) if is_glob(pattern) else pattern


def glob_ok(matcher: re.Pattern[str] | str | None, value: str | None) -> bool:
    """Whether `value` matches a `compile_glob` result (None matches anything)."""
    if matcher is None:
        return True
    if value is None:
        return False
    if isinstance(matcher, str):
        return matcher == value
    return matcher.match(value) is not None


@dataclass(slots=True)
class LineMatcher:
    """The compiled match of a `lines` rule."""

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
    def build(cls, index: int, rule: LineRule) -> LineMatcher:
        match = rule.match
        matcher = cls(index, line_effect_of(f"lines[{index}]", rule))
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
        matcher.model = compile_glob(match.model)
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
        if self.model is not None and not glob_ok(self.model, model if model is not None else body.get("model")):
            return False
        if self.body is not None and not is_subset(self.body, body):
            return False
        return self.fraction is None or picked(seed, self.index, f"{batch_id}\x1f{custom_id}", self.fraction)


@dataclass(slots=True)
class HttpMatcher:
    """The compiled match of an `http` rule, with its fault or sequence steps."""

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
    def build(cls, index: int, rule: HttpRule) -> HttpMatcher:
        match = rule.match
        label = f"http[{index}]"
        if rule.sequence is not None:
            steps = [http_fault_of(f"{label}.sequence[{n}]", step) for n, step in enumerate(rule.sequence)]
            limit: int | None = len(steps)
        else:
            steps = [http_fault_of(label, rule)]
            limit = rule.times
        return cls(
            index,
            match.method,
            compile_glob(match.path, segments=True),
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
        return glob_ok(self.path, path)


@dataclass(slots=True)
class WebhookMatcher:
    """The compiled match of a `webhooks` rule."""

    index: int
    rule: WebhookRule
    event: re.Pattern[str] | str | None
    url: re.Pattern[str] | str | None
    effect: WebhookEffect

    @classmethod
    def build(cls, index: int, rule: WebhookRule) -> WebhookMatcher:
        label = f"webhooks[{index}]"
        effect = WebhookEffect(label, rule.delay_seconds, rule.duplicate, rule.corrupt, rule.drop)
        return cls(index, rule, compile_glob(rule.match.event), compile_glob(rule.match.url), effect)

    def matches(self, seed: int, event: str, url: str, source: str, key: str) -> bool:
        match = self.rule.match
        if match.source is not None and match.source != source:
            return False
        if not (glob_ok(self.event, event) and glob_ok(self.url, url)):
            return False
        return match.fraction is None or picked(seed, self.index, key, match.fraction)


@dataclass(slots=True)
class VideoMatcher:
    """The compiled match of a `videos` rule."""

    index: int
    rule: VideoRule
    prompt: re.Pattern[str] | None
    model: re.Pattern[str] | str | None
    effect: VideoEffect

    @classmethod
    def build(cls, index: int, rule: VideoRule) -> VideoMatcher:
        fail = rule.fail
        effect = VideoEffect(
            f"videos[{index}]",
            rule.extra_seconds,
            fail.code if fail else None,
            fail.message if fail else None,
            fail.at_progress if fail else 0,
        )
        prompt = custom_id_pattern(rule.match.prompt) if rule.match.prompt is not None else None
        return cls(index, rule, prompt, compile_glob(rule.match.model), effect)

    def matches(self, seed: int, prompt: str, model: str, remix: bool, key: str) -> bool:
        match = self.rule.match
        if match.remix is not None and match.remix != remix:
            return False
        if self.prompt is not None:
            regex = match.prompt is not None and match.prompt.startswith("regex:")
            found = self.prompt.search(prompt) if regex else self.prompt.match(prompt)
            if found is None:
                return False
        if not glob_ok(self.model, model):
            return False
        return match.fraction is None or picked(seed, self.index, key, match.fraction)


def take_one(used: list[int], candidates: Iterable[tuple[int, int | None, EffectT]]) -> EffectT | None:
    """The effect of the first (rule index, `times`, effect) candidate with uses left, counting the use."""
    for index, times, effect in candidates:
        if times is not None and used[index] >= times:
            continue
        used[index] += 1
        return effect
    return None
