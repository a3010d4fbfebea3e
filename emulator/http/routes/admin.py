"""/_emulator: health, clock control, reset, scenarios, the request journal, and read-only inspection."""

from __future__ import annotations

from typing import Any

import orjson
import yaml
from aiohttp import web

from emulator import __version__
from emulator.engine.clock import ClockError, parse_time
from emulator.engine.errors import InvalidRequest, NotFound
from emulator.http.responses import backend_of, json_response


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidRequest("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    return body


def _seconds(body: dict[str, Any]) -> float:
    total = 0.0
    for key, factor in (("seconds", 1), ("minutes", 60), ("hours", 3600), ("days", 86400)):
        value = body.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidRequest(f"'{key}' must be a number.", param=key)
        total += float(value) * factor
    if total < 0:
        raise InvalidRequest("The clock cannot move backwards.", param="seconds")
    return total


async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok", "version": __version__})


async def get_clock(request: web.Request) -> web.Response:
    return json_response(backend_of(request).clock_state())


async def advance_clock(request: web.Request) -> web.Response:
    backend = backend_of(request)
    try:
        ran = backend.advance(_seconds(await _body(request)))
    except ClockError as exc:
        raise InvalidRequest(str(exc), param="seconds") from None
    return json_response({**backend.clock_state(), "transitions": ran})


async def set_clock(request: web.Request) -> web.Response:
    backend = backend_of(request)
    body = await _body(request)
    if "now" not in body:
        raise InvalidRequest("Missing required parameter: 'now'.", param="now", code="missing_required_parameter")
    try:
        ran = backend.set_time(parse_time(body["now"]))
    except ClockError as exc:
        raise InvalidRequest(str(exc), param="now") from None
    return json_response({**backend.clock_state(), "transitions": ran})


async def run_until_idle(request: web.Request) -> web.Response:
    backend = backend_of(request)
    body = await _body(request)
    limit = body.get("max_seconds", 172_800)
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit < 0:
        raise InvalidRequest("'max_seconds' must be a non-negative number.", param="max_seconds")
    ran = backend.run_until_idle(float(limit))
    return json_response({**backend.clock_state(), "transitions": ran})


async def reset(request: web.Request) -> web.Response:
    backend = backend_of(request)
    body = await _body(request)
    start_time = body.get("start_time")
    seed = body.get("seed")
    clock = body.get("clock")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise InvalidRequest("'seed' must be an integer.", param="seed")
    if clock is not None and clock not in ("manual", "real"):
        raise InvalidRequest("'clock' must be 'manual' or 'real'.", param="clock")
    try:
        start = parse_time(start_time) if start_time is not None else None
    except ClockError as exc:
        raise InvalidRequest(str(exc), param="start_time") from None
    backend.reset(start_time=start, seed=seed, clock_mode=clock)
    return json_response({"status": "reset", **backend.clock_state()})


async def get_scenario(request: web.Request) -> web.Response:
    return json_response(backend_of(request).engine.scenario.model_dump(mode="json", exclude_none=True))


async def put_scenario(request: web.Request) -> web.Response:
    backend = backend_of(request)
    raw = await request.read()
    try:
        document = yaml.safe_load(raw.decode("utf-8")) if raw.strip() else None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"The scenario is not valid JSON or YAML: {exc}", param="scenario") from None
    if isinstance(document, dict) and set(document) == {"name"}:
        engine = backend.scenarios.engine(str(document["name"]))
    else:
        scenario = backend.scenarios.register(backend.scenarios.parse_document(raw, source="<admin>"))
        engine = backend.scenarios.engine(scenario.name)
    engine.reset()
    backend.use_scenario(engine)
    return json_response(engine.scenario.model_dump(mode="json", exclude_none=True))


async def list_scenarios(request: web.Request) -> web.Response:
    backend = backend_of(request)
    return json_response({"active": backend.engine.scenario.name, "available": backend.scenarios.describe()})


async def get_requests(request: web.Request) -> web.Response:
    return json_response({"object": "list", "data": backend_of(request).journal.entries()})


async def clear_requests(request: web.Request) -> web.Response:
    backend_of(request).journal.clear()
    return json_response({"object": "list", "data": []})


async def inspect_batch(request: web.Request) -> web.Response:
    backend = backend_of(request)
    record = backend.store.get("batches", request.match_info["batch_id"])
    if record is None:
        raise NotFound(f"No batch found with id '{request.match_info['batch_id']}'.")
    backend.batches.sync(record)
    return json_response(record)


async def inspect_file(request: web.Request) -> web.Response:
    backend = backend_of(request)
    record = backend.store.get("files", request.match_info["file_id"])
    if record is None:
        raise NotFound(f"No such File object: {request.match_info['file_id']}")
    return json_response(record)


async def get_findings(request: web.Request) -> web.Response:
    return json_response({"object": "list", "data": backend_of(request).client_findings()})


async def handler_errors(request: web.Request) -> web.Response:
    return json_response({"object": "list", "data": backend_of(request).handler_errors})


def setup_routes(app: web.Application, prefix: str = "/_emulator") -> None:
    app.router.add_get(f"{prefix}/health", health)
    app.router.add_get(f"{prefix}/clock", get_clock)
    app.router.add_post(f"{prefix}/clock/advance", advance_clock)
    app.router.add_post(f"{prefix}/clock/set", set_clock)
    app.router.add_post(f"{prefix}/clock/run-until-idle", run_until_idle)
    app.router.add_post(f"{prefix}/reset", reset)
    app.router.add_get(f"{prefix}/scenario", get_scenario)
    app.router.add_put(f"{prefix}/scenario", put_scenario)
    app.router.add_get(f"{prefix}/scenarios", list_scenarios)
    app.router.add_get(f"{prefix}/requests", get_requests)
    app.router.add_delete(f"{prefix}/requests", clear_requests)
    app.router.add_get(f"{prefix}/batches/{{batch_id}}", inspect_batch)
    app.router.add_get(f"{prefix}/files/{{file_id}}", inspect_file)
    app.router.add_get(f"{prefix}/handler-errors", handler_errors)
    app.router.add_get(f"{prefix}/findings", get_findings)
