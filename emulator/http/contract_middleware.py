"""Contract mode over HTTP: after a request to an OpenAI (or Anthropic) route has been answered, the request and
the answer are checked against the operation they address (see `emulator.contract`) and what is wrong is kept
as violations. The answer itself is never changed: a violation is a finding, not a change of behaviour.

This middleware sits outside `emulator_middleware`, so it sees the final answer (error envelopes and provider
headers included) and the journal entry that names the request. Checking happens only in contract mode; a
server without it pays one attribute read per request. A multipart form is checked through the text fields
its route hands over in `FORM_FIELDS` (the body is streamed, never read twice); other bodies are taken after the
route from the copy `read_body` keeps (or read then, up to `MAX_CHECKED_BODY` bytes). An answer documented as JSON
Lines (Anthropic's batch results) is streamed: its first lines are checked (`validator.LineCheck`) one by one as the
route sends them, through the `LINE_CHECK` it finds on the request. An answer that a scenario's transport fault
broke on purpose is not checked.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from emulator.contract.monitor import ContractMonitor, Mount, Target
from emulator.contract.violations import Problem
from emulator.dialects.envelopes import OPENAI_ERRORS
from emulator.engine.errors import EmulatorError
from emulator.http.body import read_body
from emulator.http.responses import ENTRY, ENVELOPE, LINE_CHECK, backend_of

if TYPE_CHECKING:
    from emulator.contract.validator import LineCheck

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The fields of a multipart form as its route read them: a dict of text fields (the first of each name), or every
# (name, text) in order, with None as the text of a file part.
FormFields = dict[str, str] | list[tuple[str, str | None]]
FORM_FIELDS: web.RequestKey[FormFields] = web.RequestKey("contract_form_fields")
MAX_CHECKED_BODY = 32 * 1024 * 1024
FORM = "multipart/form-data"


@web.middleware
async def contract_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    monitor = backend_of(request).contract
    if not monitor.enabled:
        return await handler(request)
    try:
        lines = _watch_lines(request, monitor)
    except Exception as exc:
        lines = None
        _report(request, exc)
    response = await handler(request)
    try:
        await _check(request, response, monitor, lines)
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception as exc:
        _report(request, exc)
    return response


def _report(request: web.Request, exc: Exception) -> None:
    """A bug in the checks: the answer stands, the test that caused it hears of it."""
    backend_of(request).handler_errors.append(
        {"method": request.method, "path": request.path, "error": repr(exc), "traceback": traceback.format_exc()}
    )


def _watch_lines(request: web.Request, monitor: ContractMonitor) -> LineCheck | None:
    """A check of each line the answer streams, when the operation documents its answer as JSON Lines."""
    target = monitor.target(request.method, request.path)
    if not isinstance(target, Target):
        return None
    check = monitor.validator(target.provider).line_check(target.operation, 200)
    if check is not None:
        sink: Callable[[bytes], None] = check
        request[LINE_CHECK] = sink
    return check


async def _check(
    request: web.Request, response: web.StreamResponse, monitor: ContractMonitor, lines: LineCheck | None
) -> None:
    target = monitor.target(request.method, request.path)
    if target is None or (target.provider == "openai" and request.get(ENVELOPE, OPENAI_ERRORS) is not OPENAI_ERRORS):
        return
    entry = request.get(ENTRY)
    request_id = entry.get("request_id") if entry is not None else None
    if isinstance(target, Mount):
        if response.status not in (404, 405):
            problem = Problem(where="path", message="the document has no such operation, yet the server answered it")
            monitor.record("response", target, request.method, request.path, [problem], request_id)
        return
    problems = await _request_problems(request, monitor, target)
    monitor.record("request", target, request.method, request.path, problems, request_id)
    if entry is not None and entry.get("fault") is not None:
        return  # a scenario broke this answer on purpose (a cut body, a wrong content type)
    body = response.body if isinstance(response, web.Response) and isinstance(response.body, bytes) else None
    validator = monitor.validator(target.provider)
    answer = validator.check_response(target.operation, response.status, response.content_type, body)
    if lines is not None and response.status == 200:
        if lines.failure is not None:
            raise lines.failure
        answer.extend(lines.problems)
    monitor.record("response", target, request.method, request.path, answer, request_id)


async def _request_problems(request: web.Request, monitor: ContractMonitor, target: Target) -> list[Problem]:
    validator = monitor.validator(target.provider)
    operation = target.operation
    query = {name: request.query.getall(name) for name in request.query}
    problems = validator.check_parameters(operation, target.path_values, query)
    media, wrong_type = validator.check_content_type(operation, request.content_type if request.body_exists else None)
    problems.extend(wrong_type)
    if media == FORM:
        fields = request.get(FORM_FIELDS)
        if fields is not None:
            pairs: list[tuple[str, str | None]] = list(fields.items()) if isinstance(fields, dict) else fields
            problems.extend(validator.check_form(operation, media, pairs))
    elif media is not None or (operation.body_required and not request.body_exists):
        try:
            raw = await read_body(request, MAX_CHECKED_BODY)  # the route's copy, when it read the body
        except EmulatorError:
            return problems  # too large to check, or not readable (the route said so itself)
        problems.extend(validator.check_json_body(operation, media or "", raw))
    return problems
