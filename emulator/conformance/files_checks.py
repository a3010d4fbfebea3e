"""Checks of the Files and Uploads APIs: upload, retrieve, content, paging, the Uploads API, delete."""

from __future__ import annotations

from typing import Any

import aiohttp

from emulator.conformance.context import CheckFailed, CheckSkipped, Context, expect, expect_error, expect_status

MAX_PAGES = 50


async def upload(ctx: Context) -> str:
    data = ctx.input_data()
    file = expect_status(await ctx.upload(data, "conformance-input.jsonl"), 200, "upload")
    expect(isinstance(file, dict) and isinstance(file.get("id"), str), f"upload: no file id in {file}")
    expect(file.get("object") == "file", f"upload: object is {file.get('object')!r}, not 'file'")
    expect(file.get("purpose") == "batch", f"upload: purpose is {file.get('purpose')!r}, not 'batch'")
    expect(file.get("bytes") == len(data), f"upload: bytes is {file.get('bytes')!r}, the file has {len(data)}")
    expect(file.get("filename") == "conformance-input.jsonl", f"upload: filename is {file.get('filename')!r}")
    ctx.input_file = file
    return f"{file['id']}, {len(data)} bytes"


async def retrieve(ctx: Context) -> str:
    uploaded = ctx.need_input()
    file = expect_status(await ctx.client.call("GET", f"/files/{uploaded['id']}"), 200, "retrieve file")
    for key in ("id", "bytes", "filename", "purpose", "created_at"):
        expect(
            file.get(key) == uploaded.get(key),
            f"retrieve file: {key} is {file.get(key)!r}, upload said {uploaded.get(key)!r}",
        )
    return "the upload's fields, unchanged"


async def content(ctx: Context) -> str:
    uploaded = ctx.need_input()
    answer = await ctx.client.call("GET", f"/files/{uploaded['id']}/content")
    expect_status(answer, 200, "file content")
    expect(answer.body == ctx.input_data(), f"file content: {len(answer.body)} bytes that differ from the upload")
    return f"{len(answer.body)} bytes, identical"


async def list_paging(ctx: Context) -> str:
    ctx.need_input()
    for index in (1, 2):
        extra = expect_status(await ctx.upload(ctx.input_data(), f"conformance-extra-{index}.jsonl"), 200, "upload")
        ctx.extra_files.append(extra)
    ours = {ctx.need_input()["id"], *(file["id"] for file in ctx.extra_files)}
    seen, pages = await walk_pages(ctx, "/files", {"limit": "2", "order": "desc", "purpose": "batch"}, ours)
    times = [item.get("created_at", 0) for item in seen]
    expect(times == sorted(times, reverse=True), f"list files (desc): created_at not descending: {times}")
    missing = ours - {item.get("id") for item in seen}
    expect(not missing, f"list files: paging with after never reached {sorted(missing)}")
    first = expect_status(await ctx.client.call("GET", "/files", params={"limit": "1", "order": "asc"}), 200, "list")
    data = first.get("data") or []
    expect(len(data) == 1, f"list files (asc, limit=1): {len(data)} items")
    expect(data[0].get("created_at", 0) <= min(times), "list files: order=asc does not start with the oldest file")
    return f"{len(seen)} files over {pages} page(s) of 2, no repeats; asc and desc agree"


async def walk_pages(
    ctx: Context, path: str, params: dict[str, str], wanted: set[str]
) -> tuple[list[dict[str, Any]], int]:
    """Follow `after` page by page until every id in `wanted` was seen or the list ends; CheckFailed on a repeat,
    an oversized page, or a `has_more` that lies."""
    seen: list[dict[str, Any]] = []
    limit = int(params["limit"])
    for page in range(1, MAX_PAGES + 1):
        body = expect_status(await ctx.client.call("GET", path, params=params), 200, f"list {path}")
        data = body.get("data") if isinstance(body, dict) else None
        expect(isinstance(data, list), f"list {path}: no data list in {body}")
        assert isinstance(data, list)
        expect(len(data) <= limit, f"list {path}: {len(data)} items on a page of limit={limit}")
        ids = [item.get("id") for item in data]
        repeated = set(ids) & {item.get("id") for item in seen}
        expect(
            not repeated, f"list {path}: page {page} repeats {sorted(map(str, repeated))} (after={params.get('after')})"
        )
        seen.extend(data)
        if wanted <= {item.get("id") for item in seen}:
            return seen, page
        if not body.get("has_more"):
            return seen, page
        expect(data, f"list {path}: has_more is true on an empty page")
        params = {**params, "after": str(ids[-1])}
    raise CheckFailed(f"list {path}: still has_more after {MAX_PAGES} pages")


async def uploads_api(ctx: Context) -> str:
    data = ctx.input_data()
    created = await ctx.client.call(
        "POST",
        "/uploads",
        json={
            "purpose": "batch",
            "filename": "conformance-upload.jsonl",
            "bytes": len(data),
            "mime_type": "text/jsonl",
        },
    )
    if created.status in (404, 405):
        raise CheckSkipped("the server does not offer the Uploads API")
    upload = expect_status(created, 200, "create upload")
    expect(upload.get("status") == "pending", f"create upload: status {upload.get('status')!r}, not 'pending'")
    half = len(data) // 2
    part_ids = []
    for chunk in (data[:half], data[half:]):
        form = aiohttp.FormData()
        form.add_field("data", chunk, filename="part", content_type="application/octet-stream")
        part = expect_status(
            await ctx.client.call("POST", f"/uploads/{upload['id']}/parts", form=form), 200, "add part"
        )
        expect(part.get("upload_id") == upload["id"], f"add part: upload_id {part.get('upload_id')!r}")
        part_ids.append(part["id"])
    done = await ctx.client.call("POST", f"/uploads/{upload['id']}/complete", json={"part_ids": part_ids})
    completed = expect_status(done, 200, "complete upload")
    expect(completed.get("status") == "completed", f"complete upload: status {completed.get('status')!r}")
    file = completed.get("file") or {}
    expect(
        file.get("bytes") == len(data), f"complete upload: the file has {file.get('bytes')!r} bytes, not {len(data)}"
    )
    body = await ctx.client.call("GET", f"/files/{file.get('id')}/content")
    expect_status(body, 200, "content of the uploaded file")
    expect(body.body == data, "complete upload: the file's content differs from the parts")
    return f"2 parts joined into {file.get('id')}"


async def delete(ctx: Context) -> str:
    if not ctx.extra_files:
        raise CheckSkipped("needs the files that files.list uploads")
    file_id = ctx.extra_files[-1]["id"]
    deleted = expect_status(await ctx.client.call("DELETE", f"/files/{file_id}"), 200, "delete file")
    expect(deleted.get("id") == file_id and deleted.get("deleted") is True, f"delete file: answered {deleted}")
    expect_error(await ctx.client.call("GET", f"/files/{file_id}"), 404, "retrieve a deleted file")
    return f"{file_id} deleted, then 404"
