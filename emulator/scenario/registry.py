"""Scenarios: scripted failures, delays and odd shapes, loaded from YAML/JSON documents and applied by an engine.

This module is the public face; the work is split by job:

- `schema`: the pydantic document model (`Scenario` and its rules), with the glob, regex and line-range
  helpers of `patterns`;
- `loader`: parsing with `FILE:LINE: code [field.path]: message` errors, the `ScenarioRegistry` of bundled and user
  scenarios, and the command-line helpers `check_files` and `json_schema`;
- `engine`: the `ScenarioEngine` the services consult (`http_fault`, `batch_plan`, `line_effect`,
  `webhook_effect`, `video_effect`), matching with the compiled rules of `matchers` and answering with the
  results of `effects`.

Typical use::

    registry = ScenarioRegistry()
    engine = ScenarioEngine(registry.get("partial_line_failures"), base_timing=config.timing)
    plan = engine.batch_plan(batch_id=batch_id, endpoint=endpoint, metadata=metadata)
    effect = engine.line_effect(batch_id=batch_id, line=3, custom_id="req-3", body=body, model=model)
"""

from __future__ import annotations

from emulator.scenario.effects import (
    BatchPlan,
    HttpFault,
    LineEffect,
    VideoEffect,
    WebhookEffect,
    default_error,
    default_headers,
    token_limit_error,
)
from emulator.scenario.engine import ScenarioEngine
from emulator.scenario.loader import (
    ScenarioError,
    ScenarioRegistry,
    bundled_directory,
    check_files,
    json_schema,
    load_scenario_file,
    parse_document,
)
from emulator.scenario.schema import BatchRule, HttpRule, LineRule, Scenario, TimingOverride, VideoRule, WebhookRule

__all__ = [
    "BatchPlan",
    "BatchRule",
    "HttpFault",
    "HttpRule",
    "LineEffect",
    "LineRule",
    "Scenario",
    "ScenarioEngine",
    "ScenarioError",
    "ScenarioRegistry",
    "TimingOverride",
    "VideoEffect",
    "VideoRule",
    "WebhookEffect",
    "WebhookRule",
    "bundled_directory",
    "check_files",
    "default_error",
    "default_headers",
    "json_schema",
    "load_scenario_file",
    "parse_document",
    "token_limit_error",
]
