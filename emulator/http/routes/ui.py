"""GET /_emulator/ui: the dashboard, one self-contained HTML page (its CSS and script inlined, nothing fetched
from elsewhere) built from the files in emulator/http/ui/; the JSON it reads comes from `ui_data`."""

from __future__ import annotations

import functools
from importlib import resources

from aiohttp import web

from emulator.http.routes import ui_data

UI_PATH = "/_emulator/ui"
ASSETS = "emulator.http"


SCRIPTS = ("api.js", "timeline.js", "batches.js", "panels.js", "main.js")  # main.js starts the page: last


@functools.cache
def page_html() -> str:
    """index.html with dashboard.css and the scripts (as one strict-mode script) in place of their markers."""
    folder = resources.files(ASSETS).joinpath("ui")
    html = folder.joinpath("index.html").read_text(encoding="utf-8")
    style = folder.joinpath("dashboard.css").read_text(encoding="utf-8")
    script = "\n".join(['"use strict";', *(folder.joinpath(name).read_text(encoding="utf-8") for name in SCRIPTS)])
    return html.replace("/* dashboard.css */", style).replace("/* dashboard.js */", script)


async def dashboard(request: web.Request) -> web.Response:
    return web.Response(
        text=page_html(), content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-store"}
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get(UI_PATH, dashboard)
    app.router.add_get(UI_PATH + "/", dashboard)
    ui_data.setup_routes(app, UI_PATH)
