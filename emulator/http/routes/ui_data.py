"""The JSON the dashboard reads, under /_emulator/ui/: a summary with a version that changes whenever anything
shown changes (the page polls it), pages of batches with their timelines, a batch's details, files and
uploads, the journal with filters, the rules fired, and file downloads for any owner."""

from __future__ import annotations

import hashlib
from typing import Any

from aiohttp import web
from aiohttp.helpers import content_disposition_header

from emulator.backend import Backend
from emulator.engine.errors import InvalidRequest, NotFound
from emulator.http import ui_views
from emulator.http.responses import backend_of, json_response
from emulator.version import __version__

DEFAULT_PAGE = 50
DETAIL_ENTRIES = 50
CONTRACT_SHOWN = 50


def _int_param(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidRequest(f"'{name}' must be an integer.", param=name) from None
    if value < 0:
        raise InvalidRequest(f"'{name}' must not be negative.", param=name)
    return value


def _version(backend: Backend) -> str:
    """A short digest of everything the page shows that can change without the clock or the journal moving
    too (a scenario switch, a webhook answer) together with those two."""
    entries = backend.journal.entries()
    deliveries = backend.webhooks.deliveries
    parts = (
        backend.clock.now(),
        len(entries),
        id(entries[-1]) if entries else 0,
        backend.batches.table.count(),
        backend.files.table.count(),
        backend.uploads.uploads.count(),
        id(backend.active_scenario),
        len(deliveries),
        sum(len(delivery.attempts) for delivery in deliveries),
        len(backend.handler_errors),
        repr(_contract(backend)),
    )
    return hashlib.blake2b(repr(parts).encode(), digest_size=8).hexdigest()


def _contract(backend: Backend) -> dict[str, Any] | None:
    """The latest contract violations while contract mode is on (None when it is off, or absent)."""
    monitor = getattr(backend, "contract", None)
    if monitor is None or not monitor.enabled:
        return None
    violations = list(monitor.violations)
    return {"total": len(violations), "dropped": monitor.dropped, "latest": violations[-CONTRACT_SHOWN:][::-1]}


async def summary(request: web.Request) -> web.Response:
    backend = backend_of(request)
    return json_response(
        {
            "version": _version(backend),
            "emulator_version": __version__,
            "clock": backend.clock_state(),
            "scenario": backend.active_scenario.scenario.name,
            "batches": ui_views.status_counts(backend.batches.table.values()),
            "files": backend.files.table.count(),
            "uploads": backend.uploads.uploads.count(),
            "journal": len(backend.journal.entries()),
            "handler_errors": len(backend.handler_errors),
            "contract": _contract(backend),
        }
    )


async def list_batches(request: web.Request) -> web.Response:
    """Batches newest first (those of one status when `status` is given), with their timeline segments."""
    backend = backend_of(request)
    status = request.query.get("status") or None
    records = [r for r in backend.batches.table.values() if status is None or r["status"] == status]
    records.reverse()
    page = ui_views.page_of(records, _int_param(request, "offset", 0), _int_param(request, "limit", DEFAULT_PAGE))
    for record in page["data"]:
        backend.batches.sync(record)
    now = backend.clock.now()
    page["data"] = [ui_views.batch_row(record, now) for record in page["data"]]
    return json_response({**page, "now": now})


def _file_summary(backend: Backend, file_id: str | None) -> dict[str, Any] | None:
    record = backend.files.table.get(file_id) if file_id else None
    if record is None:
        return None
    return {**ui_views.file_row(record, "file"), "head": ui_views.head_lines(backend.blobs.path(record["id"]))}


async def batch_details(request: web.Request) -> web.Response:
    """The full record, its row, its files with their first lines, the rules that fired for it and its
    journal entries (newest first)."""
    backend = backend_of(request)
    batch_id = request.match_info["batch_id"]
    record = backend.batches.inspect(batch_id)
    if record is None:
        raise NotFound(f"No batch found with id '{batch_id}'.")
    about = ui_views.batch_entries(backend.journal.entries(), record)
    files = {
        "input_file_id": _file_summary(backend, record["input_file_id"]),
        "output_file_id": _file_summary(backend, record["output_file_id"]),
        "error_file_id": _file_summary(backend, record["error_file_id"]),
    }
    return json_response(
        {
            "record": record,
            "row": ui_views.batch_row(record, backend.clock.now()),
            "files": files,
            "rules": ui_views.rules_fired(about),
            "journal": about[:DETAIL_ENTRIES],
            "journal_total": len(about),
        }
    )


async def list_files(request: web.Request) -> web.Response:
    """Files and uploads of every owner, newest first."""
    backend = backend_of(request)
    rows = [ui_views.file_row(r, "file") for r in backend.files.table.values()]
    rows += [ui_views.file_row(r, "upload") for r in backend.uploads.uploads.values()]
    rows.sort(key=lambda row: (row["created_at"] or 0, row["id"]), reverse=True)
    return json_response(
        ui_views.page_of(rows, _int_param(request, "offset", 0), _int_param(request, "limit", DEFAULT_PAGE))
    )


async def file_content(request: web.Request) -> web.StreamResponse:
    """A file's bytes as a download, whoever owns it (an admin read: it is not journaled, so it does not count
    as the client downloading its results)."""
    backend = backend_of(request)
    file_id = request.match_info["file_id"]
    record = backend.files.table.get(file_id)
    if record is None or not backend.blobs.path(record["id"]).is_file():
        raise NotFound(f"No such File object: {file_id}")
    path = backend.blobs.path(record["id"])
    disposition = content_disposition_header("attachment", filename=str(record["filename"]))
    return web.FileResponse(
        path, headers={"Content-Type": "application/octet-stream", "Content-Disposition": disposition}
    )


async def journal(request: web.Request) -> web.Response:
    wanted = {name: request.query.get(name, "").strip() for name in ui_views.JOURNAL_FILTERS}
    page = ui_views.journal_page(
        backend_of(request).journal.entries(),
        wanted,
        _int_param(request, "offset", 0),
        _int_param(request, "limit", DEFAULT_PAGE),
    )
    return json_response(page)


async def rules(request: web.Request) -> web.Response:
    return json_response({"data": ui_views.rules_fired(backend_of(request).journal.entries())})


def setup_routes(app: web.Application, prefix: str = "/_emulator/ui") -> None:
    app.router.add_get(f"{prefix}/summary", summary)
    app.router.add_get(f"{prefix}/batches", list_batches)
    app.router.add_get(f"{prefix}/batches/{{batch_id}}", batch_details)
    app.router.add_get(f"{prefix}/files", list_files)
    app.router.add_get(f"{prefix}/files/{{file_id}}/content", file_content)
    app.router.add_get(f"{prefix}/journal", journal)
    app.router.add_get(f"{prefix}/rules", rules)
