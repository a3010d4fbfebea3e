"""The scenario engine: which rule fires for a line, a batch or an API request, and what it does."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.config import Timing
from emulator.scenario.registry import (
    BatchPlan,
    LineEffect,
    ScenarioEngine,
    ScenarioRegistry,
    WebhookEffect,
    parse_document,
    token_limit_error,
)

BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "temperature": 0}


def engine(document: dict[str, Any], base_timing: Timing | None = None) -> ScenarioEngine:
    return ScenarioEngine(parse_document(document), base_timing=base_timing)


def effect(
    eng: ScenarioEngine,
    line: int = 1,
    custom_id: str = "req-1",
    body: dict[str, Any] | None = None,
    batch_id: str = "batch_a",
    model: str | None = "gpt-4o-mini",
) -> LineEffect | None:
    return eng.line_effect(batch_id=batch_id, line=line, custom_id=custom_id, body=body or BODY, model=model)


def rule_of(eng: ScenarioEngine, **kwargs: Any) -> str | None:
    found = effect(eng, **kwargs)
    return found.rule if found is not None else None


def picks(eng: ScenarioEngine, count: int, batch_id: str = "batch_a") -> set[str]:
    chosen = set()
    for n in range(1, count + 1):
        if effect(eng, line=n, custom_id=f"req-{n}", batch_id=batch_id) is not None:
            chosen.add(f"req-{n}")
    return chosen


# -- line matching -------------------------------------------------------------------------------------


def test_no_line_rules_means_no_effect() -> None:
    assert effect(engine({})) is None


def test_first_matching_line_rule_wins() -> None:
    eng = engine(
        {
            "lines": [
                {"match": {"custom_id": "fail-*"}, "status": 500},
                {"match": {"every_nth": 2}, "status": 400},
                {"status": 429},
            ]
        }
    )
    assert rule_of(eng, line=2, custom_id="fail-2") == "lines[0]"
    assert rule_of(eng, line=2, custom_id="ok-2") == "lines[1]"
    assert rule_of(eng, line=3, custom_id="ok-3") == "lines[2]"


def test_a_rule_without_effects_shields_later_rules() -> None:
    eng = engine({"lines": [{"match": {"custom_id": "keep-*"}}, {"status": 500}]})
    assert effect(eng, custom_id="keep-1") is None
    assert rule_of(eng, custom_id="other") == "lines[1]"


def test_custom_id_glob_regex_prefix_and_regex_field() -> None:
    glob = engine({"lines": [{"match": {"custom_id": "req-?"}, "status": 500}]})
    assert rule_of(glob, custom_id="req-7") == "lines[0]"
    assert rule_of(glob, custom_id="req-17") is None
    assert rule_of(glob, custom_id="xreq-7") is None

    literal = engine({"lines": [{"match": {"custom_id": "a.b"}, "status": 500}]})
    assert rule_of(literal, custom_id="a.b") == "lines[0]"
    assert rule_of(literal, custom_id="axb") is None

    prefixed = engine({"lines": [{"match": {"custom_id": r"regex:req-\d+0"}, "status": 500}]})
    assert rule_of(prefixed, custom_id="req-120") == "lines[0]"
    assert rule_of(prefixed, custom_id="req-12") is None

    field = engine({"lines": [{"match": {"custom_id_regex": r"(a|b)-\d"}, "status": 500}]})
    assert rule_of(field, custom_id="b-3") == "lines[0]"
    assert rule_of(field, custom_id="b-3x") is None, "the regex must match the whole custom_id"


def test_body_subset_matches_recursively() -> None:
    eng = engine({"lines": [{"match": {"body": {"temperature": 0, "metadata": {"tier": "gold"}}}, "status": 500}]})
    gold = {**BODY, "metadata": {"tier": "gold", "extra": 1}}
    assert rule_of(eng, body=gold) == "lines[0]"
    assert rule_of(eng, body={**BODY, "metadata": {"tier": "silver"}}) is None
    assert rule_of(eng, body=BODY) is None
    assert rule_of(eng, body={**gold, "temperature": 1}) is None


def test_every_nth_single_line_and_ranges() -> None:
    nth = engine({"lines": [{"match": {"every_nth": 3}, "status": 500}]})
    assert [n for n in range(1, 10) if effect(nth, line=n)] == [3, 6, 9]

    single = engine({"lines": [{"match": {"line": 4}, "status": 500}]})
    assert [n for n in range(1, 10) if effect(single, line=n)] == [4]

    text = engine({"lines": [{"match": {"lines": "3-5"}, "status": 500}]})
    assert [n for n in range(1, 10) if effect(text, line=n)] == [3, 4, 5]

    mapping = engine({"lines": [{"match": {"lines": {"from": 7, "to": 8}}, "status": 500}]})
    assert [n for n in range(1, 10) if effect(mapping, line=n)] == [7, 8]

    open_ended = engine({"lines": [{"match": {"lines": "8-", "every_nth": 2}, "status": 500}]})
    assert [n for n in range(1, 13) if effect(open_ended, line=n)] == [8, 10, 12]


def test_model_glob_uses_the_batch_model_or_the_body() -> None:
    eng = engine({"lines": [{"match": {"model": "gpt-4o*"}, "status": 500}]})
    assert rule_of(eng, model="gpt-4o-mini") == "lines[0]"
    assert rule_of(eng, model="o3") is None
    assert rule_of(eng, model=None, body={"model": "gpt-4o"}) == "lines[0]"


# -- fractions -----------------------------------------------------------------------------------------


def test_fraction_replays_with_the_same_seed_and_differs_with_another() -> None:
    document = {"seed": 7, "lines": [{"match": {"fraction": 0.2}, "status": 500}]}
    first = picks(engine(document), 500)
    assert first == picks(engine(document), 500)
    assert first != picks(engine({**document, "seed": 8}), 500)
    assert first != picks(engine(document), 500, batch_id="batch_b"), "each batch gets its own picks"


def test_fraction_does_not_depend_on_processing_order() -> None:
    eng = engine({"seed": 3, "lines": [{"match": {"fraction": 0.3}, "status": 500}]})
    forward = picks(eng, 300)
    backward = {f"req-{n}" for n in range(300, 0, -1) if effect(eng, line=n, custom_id=f"req-{n}") is not None}
    assert forward == backward


def test_fraction_roughly_matches_over_ten_thousand_lines() -> None:
    eng = engine({"seed": 11, "lines": [{"match": {"fraction": 0.1}, "status": 500}]})
    assert 900 <= len(picks(eng, 10_000)) <= 1100


def test_fraction_zero_and_one_are_exact() -> None:
    assert picks(engine({"lines": [{"match": {"fraction": 0}, "status": 500}]}), 200) == set()
    assert len(picks(engine({"lines": [{"match": {"fraction": 1}, "status": 500}]}), 200)) == 200


# -- line effects --------------------------------------------------------------------------------------


def test_error_status_gets_a_complete_default_error() -> None:
    found = effect(engine({"lines": [{"status": 500}]}))
    assert found is not None
    assert found.status == 500
    assert found.error is not None and found.error["type"] == "server_error" and found.error["message"]
    assert set(found.error) == {"message", "type", "param", "code"}


def test_given_error_fields_override_the_defaults_even_with_null() -> None:
    found = effect(engine({"lines": [{"status": 429, "error": {"message": "slow down", "code": None}}]}))
    assert found is not None
    assert found.error == {"message": "slow down", "type": "requests", "param": None, "code": None}


def test_odd_shapes_and_other_effects_are_passed_through() -> None:
    eng = engine(
        {
            "lines": [
                {"match": {"line": 1}, "status": 0},
                {"match": {"line": 2}, "omit": True, "count_as": "failed"},
                {"match": {"line": 3}, "response": {"id": "fixed"}, "finish_reason": "length"},
                {"match": {"line": 4}, "empty_content": True, "refusal": "no", "extra_seconds": 90000},
            ]
        }
    )
    zero = effect(eng, line=1)
    assert zero is not None and zero.status_code_zero and zero.status is None and zero.error is None
    omitted = effect(eng, line=2)
    assert omitted is not None and omitted.omit and omitted.count_as == "failed"
    fixed = effect(eng, line=3)
    assert fixed is not None and fixed.response == {"id": "fixed"} and fixed.finish_reason == "length"
    shaped = effect(eng, line=4)
    assert shaped is not None and shaped.empty_content and shaped.refusal == "no" and shaped.extra_seconds == 90000


# -- HTTP rules ----------------------------------------------------------------------------------------


def test_injected_429_carries_tiny_retry_headers_and_the_rate_limit_error() -> None:
    fault = engine({"http": [{"match": {"method": "POST", "path": "/v1/files"}, "status": 429}]}).http_fault(
        "post", "/v1/files"
    )
    assert fault is not None
    assert fault.status == 429
    assert fault.headers == {"retry-after-ms": "1", "retry-after": "0"}
    assert fault.body is not None
    assert fault.body["error"]["type"] == "requests"
    assert fault.body["error"]["code"] == "rate_limit_exceeded"
    assert fault.rule == "http[0]"


def test_server_error_defaults() -> None:
    eng = engine({"http": [{"match": {"path": "/a"}, "status": 500}, {"match": {"path": "/b"}, "status": 503}]})
    five_hundred = eng.http_fault("GET", "/a")
    unavailable = eng.http_fault("GET", "/b")
    assert five_hundred is not None and five_hundred.body is not None
    assert five_hundred.body["error"]["type"] == "server_error"
    assert unavailable is not None and unavailable.body is not None
    assert unavailable.body["error"]["code"] == "service_unavailable"


def test_headers_override_defaults_and_null_removes_one() -> None:
    eng = engine({"http": [{"status": 429, "headers": {"Retry-After-Ms": 5, "retry-after": None, "x-a": "b"}}]})
    fault = eng.http_fault("GET", "/v1/batches")
    assert fault is not None
    assert fault.headers == {"retry-after-ms": "5", "x-a": "b"}


def test_times_limits_a_rule_and_reset_restores_it() -> None:
    eng = engine({"http": [{"match": {"method": "POST", "path": "/v1/files"}, "times": 2, "status": 500}]})
    statuses = [eng.http_fault("POST", "/v1/files") for _ in range(3)]
    assert [f.status if f else None for f in statuses] == [500, 500, None]
    eng.reset()
    fault = eng.http_fault("POST", "/v1/files")
    assert fault is not None and fault.status == 500


def test_sequence_steps_are_consumed_one_per_request_then_the_rule_is_off() -> None:
    eng = engine({"http": [{"match": {"path": "/v1/batches"}, "sequence": [429, 429, "pass", 503]}]})
    outcomes = [eng.http_fault("POST", "/v1/batches") for _ in range(5)]
    assert [f.status if f else None for f in outcomes] == [429, 429, None, 503, None]
    assert [f.rule for f in outcomes if f] == [f"http[0].sequence[{n}]" for n in range(4)]
    assert outcomes[4] is None, "a used-up sequence no longer matches"
    passed = outcomes[2]
    assert passed is not None and (passed.status, passed.fault, passed.delay_ms) == (None, None, 0)
    eng.reset()
    first = eng.http_fault("POST", "/v1/batches")
    assert first is not None and first.status == 429


def test_exhausted_rule_falls_through_to_the_next_one() -> None:
    eng = engine({"http": [{"times": 1, "status": 500}, {"status": 503}]})
    assert [f.status for f in (eng.http_fault("GET", "/x"), eng.http_fault("GET", "/x")) if f] == [500, 503]


def test_path_globs_stay_within_a_segment_unless_double_star() -> None:
    eng = engine({"http": [{"match": {"path": "/v1/batches/*"}, "status": 500}]})
    assert eng.http_fault("GET", "/v1/batches/batch_1") is not None
    assert eng.http_fault("POST", "/v1/batches/batch_1/cancel") is None
    assert eng.http_fault("GET", "/v1/batches") is None
    deep = engine({"http": [{"match": {"path": "/v1/**"}, "status": 500}]})
    assert deep.http_fault("POST", "/v1/batches/batch_1/cancel?x=1") is not None


def test_purpose_and_endpoint_narrow_creates() -> None:
    eng = engine(
        {
            "http": [
                {"match": {"path": "/v1/files", "purpose": "batch"}, "status": 500},
                {"match": {"path": "/v1/batches", "endpoint": "/v1/embeddings"}, "status": 503},
            ]
        }
    )
    assert eng.http_fault("POST", "/v1/files", purpose="assistants") is None
    assert eng.http_fault("POST", "/v1/files") is None
    assert eng.http_fault("POST", "/v1/files", purpose="batch") is not None
    assert eng.http_fault("POST", "/v1/batches", endpoint="/v1/chat/completions") is None
    assert eng.http_fault("POST", "/v1/batches", endpoint="/v1/embeddings") is not None


def test_admin_paths_are_never_faulted() -> None:
    assert engine({"http": [{"status": 500}]}).http_fault("POST", "/_emulator/reset") is None


def test_delay_and_transport_faults_are_reported() -> None:
    eng = engine({"http": [{"match": {"method": "GET"}, "delay_ms": 40}, {"fault": "connection_reset"}]})
    delayed = eng.http_fault("GET", "/v1/files")
    reset = eng.http_fault("DELETE", "/v1/files/f")
    assert delayed is not None and (delayed.status, delayed.delay_ms, delayed.fault) == (None, 40, None)
    assert reset is not None and (reset.status, reset.fault, reset.body) == (None, "connection_reset", None)


def test_http_fraction_replays_after_reset() -> None:
    eng = engine({"seed": 5, "http": [{"match": {"fraction": 0.5}, "status": 500}]})
    first = [eng.http_fault("GET", "/v1/files") is not None for _ in range(40)]
    eng.reset()
    assert [eng.http_fault("GET", "/v1/files") is not None for _ in range(40)] == first
    assert 5 < sum(first) < 35


# -- batch rules ---------------------------------------------------------------------------------------


def plan(
    eng: ScenarioEngine, endpoint: str = "/v1/chat/completions", metadata: dict[str, str] | None = None
) -> BatchPlan:
    return eng.batch_plan(batch_id="batch_a", endpoint=endpoint, metadata=metadata)


def test_timing_layers_base_then_scenario_then_rule() -> None:
    base = Timing(validating=10, finalizing=9)
    eng = engine(
        {
            "timing": {"validating": 5, "requests_per_second": 3},
            "batch": [{"match": {"metadata": {"slow": "yes"}}, "timing": {"requests_per_second": 0.5}}],
        },
        base_timing=base,
    )
    plain = plan(eng)
    assert (plain.timing.validating, plain.timing.requests_per_second, plain.timing.finalizing) == (5, 3, 9)
    assert plain.rule is None
    slow = plan(eng, metadata={"slow": "yes", "other": "x"})
    assert (slow.timing.validating, slow.timing.requests_per_second) == (5, 0.5)
    assert slow.rule == "batch[0]"
    override = eng.batch_plan(batch_id="b", endpoint="/v1/x", metadata=None, base_timing=Timing(finalizing=1))
    assert override.timing.finalizing == 1


def test_nth_counts_batches_since_reset() -> None:
    eng = engine({"batch": {"match": {"nth": 2}, "cancel": "refuse"}})
    assert [plan(eng).cancel_refused for _ in range(3)] == [False, True, False]
    eng.reset()
    assert [plan(eng).cancel_refused for _ in range(2)] == [False, True]


def test_endpoint_glob_and_first_batch_rule_wins() -> None:
    eng = engine(
        {
            "batch": [
                {"match": {"endpoint": "/v1/embeddings"}, "stuck_in": "in_progress"},
                {"cancel_delay_seconds": 600, "empty_string_file_ids": True},
            ]
        }
    )
    stuck = plan(eng, endpoint="/v1/embeddings")
    assert (stuck.stuck_in, stuck.cancel_delay, stuck.rule) == ("in_progress", None, "batch[0]")
    other = plan(eng)
    assert (other.stuck_in, other.cancel_delay, other.timing.cancelling) == (None, 600, 600)
    assert other.empty_string_file_ids and other.rule == "batch[1]"


def test_validation_failures_and_token_limit() -> None:
    failing = plan(engine({"batch": {"fail_validation": [{"code": "invalid_url", "line": 2, "param": "url"}]}}))
    assert failing.fail_validation == [
        {"code": "invalid_url", "message": "This line failed validation.", "param": "url", "line": 2}
    ]
    assert plan(engine({"batch": {"token_limit_exceeded": True}})).token_limit_exceeded
    error = token_limit_error("gpt-4o-mini", "org-abc")
    assert error["code"] == "token_limit_exceeded" and error["line"] is None
    assert error["message"].startswith("Enqueued token limit reached for gpt-4o-mini in organization org-abc.")


def test_shuffle_seed_is_stable_per_seed_and_batch() -> None:
    document: dict[str, Any] = {"seed": 1, "batch": {"shuffle_output": True}}
    first = plan(engine(document)).shuffle_seed
    assert first is not None and first == plan(engine(document)).shuffle_seed
    assert first != plan(engine({**document, "seed": 2})).shuffle_seed


def test_batch_plan_round_trips_through_a_dict() -> None:
    original = plan(engine({"batch": {"cancel": "ignore", "timing": {"finalizing": 4}}}))
    assert original.cancel_ignored and not original.cancel_refused
    assert BatchPlan.from_dict(original.to_dict()) == original


# -- bundled scenarios behave as their comments say ----------------------------------------------------


@pytest.fixture(scope="module")
def registry() -> ScenarioRegistry:
    return ScenarioRegistry()


def test_rate_limited_api_limits_two_creates_each(registry: ScenarioRegistry) -> None:
    eng = ScenarioEngine(registry.get("rate_limited_api"))
    for path in ("/v1/files", "/v1/batches"):
        outcomes = [eng.http_fault("POST", path) for _ in range(4)]
        assert [f.status if f else None for f in outcomes] == [429, 429, None, None]
        assert all(int(f.headers["retry-after-ms"]) <= 5 for f in outcomes if f and f.status)
    assert eng.http_fault("GET", "/v1/files") is None


def test_flaky_server_fails_polls_and_downloads_twice(registry: ScenarioRegistry) -> None:
    eng = ScenarioEngine(registry.get("flaky_server"))
    polls = [eng.http_fault("GET", "/v1/batches/batch_1") for _ in range(3)]
    downloads = [eng.http_fault("GET", "/v1/files/file-1/content") for _ in range(3)]
    assert [f.status if f else None for f in polls] == [500, 503, None]
    assert [f.status if f else None for f in downloads] == [503, 500, None]


def test_odd_shape_scenarios_hit_the_documented_lines(registry: ScenarioRegistry) -> None:
    zero = ScenarioEngine(registry.get("status_code_zero_lines"))
    assert [n for n in range(1, 11) if effect(zero, line=n, custom_id=f"r{n}")] == [5, 10]
    missing = ScenarioEngine(registry.get("missing_output_lines"))
    assert [n for n in range(1, 11) if effect(missing, line=n, custom_id=f"r{n}")] == [4, 8]
    failing = ScenarioEngine(registry.get("all_lines_failed"))
    assert all((e := effect(failing, line=n, custom_id=f"r{n}")) and e.status == 400 for n in range(1, 20))
    expiry = ScenarioEngine(registry.get("expiry_mid_run"))
    timing = plan(expiry).timing
    assert int((timing.completion_window - timing.validating) * timing.requests_per_second) == 8


# -- webhook rules ------------------------------------------------------------------------------------


def hook(eng: ScenarioEngine, event: str = "batch.completed", url: str = "http://x/hook", source: str = "openai"):
    return eng.webhook_effect(event=event, url=url, source=source, key=f"{event}:{url}")


def test_webhook_rules_match_event_url_and_source_first_wins() -> None:
    eng = engine(
        {
            "webhooks": [
                {"match": {"source": "url"}, "drop": True},
                {"match": {"event": "batch.c*", "url": "*/audit"}, "delay_seconds": 30},
                {"match": {"event": "batch.*"}, "corrupt": "signature", "duplicate": 2},
            ]
        }
    )
    assert hook(eng, source="url") == WebhookEffect("webhooks[0]", drop=True)
    assert hook(eng, event="batch.cancelled", url="http://x/audit") == WebhookEffect("webhooks[1]", 30.0)
    assert hook(eng, event="batch.failed", url="http://x/audit") == WebhookEffect(
        "webhooks[2]", duplicate=2, corrupt="signature"
    )
    assert hook(eng, event="response.completed") is None


def test_webhook_times_is_consumed_and_reset_restores_it() -> None:
    eng = engine({"webhooks": [{"times": 1, "delay_seconds": 5}, {"duplicate": 1}]})
    assert hook(eng).rule == "webhooks[0]"
    assert hook(eng).rule == "webhooks[1]"
    eng.reset()
    assert hook(eng).rule == "webhooks[0]"


def test_webhook_fraction_is_a_seeded_pick_per_delivery() -> None:
    def dropped(seed: int) -> set[int]:
        eng = engine({"seed": seed, "webhooks": [{"match": {"fraction": 0.5}, "drop": True}]})
        return {n for n in range(200) if hook(eng, url=f"http://x/{n}") is not None}

    assert dropped(3) == dropped(3)
    assert dropped(3) != dropped(4)
    assert 60 < len(dropped(3)) < 140
