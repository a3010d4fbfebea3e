"""Checks of the Batches API: create, the lifecycle, counts and result files, listing, cancel, and the errors for
unknown ids, bad parameters and bad JSONL."""

from __future__ import annotations

from typing import Any

import orjson

from emulator.conformance.context import (
    CHAT_ENDPOINT,
    INPUT_LINES,
    CheckFailed,
    Context,
    expect,
    expect_error,
    expect_status,
    jsonl,
)
from emulator.conformance.files_checks import walk_pages

ORDER = {"validating": 0, "in_progress": 1, "finalizing": 2, "completed": 3}
CANCEL_ORDER = {"validating": 0, "in_progress": 0, "finalizing": 0, "cancelling": 1, "cancelled": 2, "completed": 2}
STAMPS = ("created_at", "in_progress_at", "finalizing_at", "completed_at")


def _body(ctx: Context, **changes: Any) -> dict[str, Any]:
    body = {"input_file_id": ctx.need_input()["id"], "endpoint": CHAT_ENDPOINT, "completion_window": "24h"}
    return {**body, **changes}


async def create(ctx: Context) -> str:
    metadata = {"suite": "conformance", "run": ctx.nonce}
    batch = expect_status(await ctx.client.call("POST", "/batches", json=_body(ctx, metadata=metadata)), 200, "create")
    expect(batch.get("object") == "batch", f"create batch: object is {batch.get('object')!r}")
    expect(batch.get("metadata") == metadata, f"create batch: metadata came back as {batch.get('metadata')!r}")
    expect(batch.get("input_file_id") == ctx.need_input()["id"], "create batch: another input_file_id came back")
    expect(batch.get("endpoint") == CHAT_ENDPOINT, f"create batch: endpoint {batch.get('endpoint')!r}")
    expect(batch.get("status") in ORDER, f"create batch: status {batch.get('status')!r}")
    ctx.batch = batch
    ctx.batch_statuses = [str(batch["status"])]
    return f"{batch['id']}, {batch['status']}, metadata kept"


async def lifecycle(ctx: Context) -> str:
    created = ctx.need_batch()
    final = await ctx.watch(created["id"], ctx.batch_statuses)
    ctx.batch = final
    seen = ctx.batch_statuses
    unknown = [status for status in seen if status not in ORDER]
    expect(not unknown, f"statuses {seen}: {unknown} not expected for a batch that completes")
    ranks = [ORDER[status] for status in seen]
    expect(ranks == sorted(ranks), f"statuses went backwards: {' -> '.join(seen)}")
    expect(seen[-1] == "completed", f"the batch ended {seen[-1]}, not completed")
    stamps = [final.get(name) for name in STAMPS]
    expect(
        all(isinstance(stamp, int) for stamp in stamps),
        f"a status was skipped: {dict(zip(STAMPS, stamps, strict=True))}",
    )
    expect(
        [int(stamp or 0) for stamp in stamps] == sorted(int(stamp or 0) for stamp in stamps),
        f"timestamps out of order: {dict(zip(STAMPS, stamps, strict=True))}",
    )
    return " -> ".join(seen)


async def request_counts(ctx: Context) -> str:
    batch = ctx.need_batch()
    await _read_results(ctx, batch)
    counts = batch.get("request_counts") or {}
    expected = {"total": INPUT_LINES, "completed": len(ctx.output_lines), "failed": len(ctx.error_lines)}
    expect(counts == expected, f"request_counts {counts}; the files hold {expected}")
    return f"{counts}"


async def output_lines(ctx: Context) -> str:
    batch = ctx.need_batch()
    await _read_results(ctx, batch)
    ids = [line.get("custom_id") for line in ctx.output_lines + ctx.error_lines]
    expect(len(ids) == len(set(ids)), f"a custom_id appears twice: {sorted(map(str, ids))}")
    expect(set(ids) == set(ctx.custom_ids), f"custom_ids {sorted(map(str, ids))}; the input has {ctx.custom_ids}")
    found = ctx.client.validator.index.find("POST", CHAT_ENDPOINT.removeprefix("/v1"))
    assert found is not None, "the document has no chat completions operation"
    for line in ctx.output_lines:
        response = line.get("response") or {}
        expect(isinstance(line.get("id"), str), f"output line without an id: {line}")
        expect(response.get("status_code") == 200, f"output line {line.get('custom_id')}: status {response}")
        expect(line.get("error") is None, f"output line {line.get('custom_id')}: error {line.get('error')}")
        problems = ctx.client.validator.check_response(
            found[0], 200, "application/json", orjson.dumps(response.get("body"))
        )
        expect(not problems, f"output line {line.get('custom_id')}: body breaks the document: {problems[:2]}")
    return f"{len(ctx.output_lines)} output and {len(ctx.error_lines)} error line(s), custom_ids once each"


async def _read_results(ctx: Context, batch: dict[str, Any]) -> None:
    if ctx.output_lines or ctx.error_lines:
        return
    for key, into in (("output_file_id", ctx.output_lines), ("error_file_id", ctx.error_lines)):
        file_id = batch.get(key)
        if file_id is None:
            continue
        answer = await ctx.client.call("GET", f"/files/{file_id}/content")
        expect_status(answer, 200, f"content of the {key}")
        for number, raw in enumerate(answer.body.splitlines(), 1):
            if raw.strip():
                try:
                    into.append(orjson.loads(raw))
                except orjson.JSONDecodeError:
                    raise CheckFailed(f"{key} line {number} is not JSON: {raw[:120]!r}") from None


async def listing(ctx: Context) -> str:
    batch = ctx.need_batch()
    seen, pages = await walk_pages(ctx, "/batches", {"limit": "1"}, {batch["id"]})
    expect(batch["id"] in {item.get("id") for item in seen}, f"list batches never reached {batch['id']}")
    times = [item.get("created_at", 0) for item in seen]
    expect(times == sorted(times, reverse=True), f"list batches: created_at not descending: {times}")
    return f"found over {pages} page(s) of 1, no repeats"


async def cancel(ctx: Context) -> str:
    batch = expect_status(await ctx.client.call("POST", "/batches", json=_body(ctx)), 200, "create batch to cancel")
    ctx.other_batch_ids.append(batch["id"])
    answer = await ctx.client.call("POST", f"/batches/{batch['id']}/cancel")
    cancelled = expect_status(answer, 200, "cancel")
    seen = [str(batch.get("status")), str(cancelled.get("status"))]
    expect(seen[-1] in ("cancelling", "cancelled"), f"cancel answered status {seen[-1]!r}")
    final = await ctx.watch(batch["id"], seen)
    ranks = [CANCEL_ORDER.get(status, -1) for status in seen]
    expect(-1 not in ranks and ranks == sorted(ranks), f"statuses after cancel: {' -> '.join(seen)}")
    expect(final.get("status") == "cancelled", f"the cancelled batch ended {final.get('status')}")
    expect(isinstance(final.get("cancelled_at"), int), f"cancelled_at is {final.get('cancelled_at')!r}")
    return " -> ".join(seen)


async def unknown_ids(ctx: Context) -> str:
    missing = f"conformance-missing-{ctx.nonce}"
    for method, path in (
        ("GET", f"/files/file-{missing}"),
        ("GET", f"/files/file-{missing}/content"),
        ("DELETE", f"/files/file-{missing}"),
        ("GET", f"/batches/batch_{missing}"),
        ("POST", f"/batches/batch_{missing}/cancel"),
    ):
        expect_error(await ctx.client.call(method, path), 404, f"{method} {path}")
    return "404 with the error envelope, 5 of 5"


async def bad_parameters(ctx: Context) -> str:
    cases: list[tuple[str, str, dict[str, Any] | None, dict[str, str] | None]] = [
        ("completion_window 1h", "/batches", _body(ctx, completion_window="1h"), None),
        ("unknown endpoint", "/batches", _body(ctx, endpoint="/v1/conformance"), None),
        ("no input_file_id", "/batches", {"endpoint": CHAT_ENDPOINT, "completion_window": "24h"}, None),
        ("metadata value not a string", "/batches", _body(ctx, metadata={"n": 1}), None),
        ("order=sideways", "/files", None, {"order": "sideways"}),
    ]
    for label, path, body, params in cases:
        method = "POST" if body is not None else "GET"
        error = expect_error(await ctx.client.call(method, path, json=body, params=params), 400, label)
        expect(error.get("type") == "invalid_request_error", f"{label}: error type {error.get('type')!r}")
    return f"400 invalid_request_error, {len(cases)} of {len(cases)}"


async def bad_jsonl(ctx: Context) -> str:
    good = jsonl([{"custom_id": "ok", "method": "POST", "url": CHAT_ENDPOINT, "body": {"model": "gpt-4o-mini"}}])
    answer = await ctx.upload(good + b'{"custom_id": "broken", "method": \n', "conformance-bad.jsonl")
    if answer.status == 400:
        expect_error(answer, 400, "upload of bad JSONL")
        return "refused at upload with a 400"
    file = expect_status(answer, 200, "upload of bad JSONL")
    created = await ctx.client.call("POST", "/batches", json=_body(ctx, input_file_id=file["id"]))
    if created.status == 400:
        expect_error(created, 400, "batch of bad JSONL")
        return "refused at create with a 400"
    batch = expect_status(created, 200, "batch of bad JSONL")
    final = await ctx.watch(batch["id"], [])
    expect(final.get("status") == "failed", f"a batch of bad JSONL ended {final.get('status')!r}, not failed")
    errors = (final.get("errors") or {}).get("data") or []
    expect(errors and all("code" in e and "message" in e for e in errors), f"errors of the failed batch: {errors}")
    return f"failed in validation: {errors[0].get('code')}"
