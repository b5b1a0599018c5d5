"""The REST API explorer: a Swagger UI page served entirely from this server, beside the GraphQL
playground (`mountPlayground`, at `<playgroundPath>/rest`; off by default, as the playground is).

Swagger UI comes from npm at build time (`make openapi-ui` copies its bundle into
`explorer_assets/`); the page loads nothing from another origin, so it works offline. It never
embeds a key: the caller types a session token (or, from an allowed address, the master key) into
the page's form, which fetches `<mount>/openapi.json` with them — so it shows the classes that
caller may use — and adds them to the requests tried from the page. Nothing is persisted.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from aiohttp import web

from ..http.bundles import bundle_file

HERE = Path(__file__).resolve().parent
ASSETS = HERE / "explorer_assets"
BOOT = HERE / "explorer_boot.js"
FILES = {"swagger-ui-bundle.js": "application/javascript", "swagger-ui.css": "text/css"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>REST API explorer</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{base}/assets/swagger-ui.css">
<style>#credentials {{ font: 14px sans-serif; margin: 1em 20px; display: flex; gap: 1em; flex-wrap: wrap;
  align-items: end; }} #credentials label {{ display: flex; flex-direction: column; gap: .2em; }}</style></head>
<body><main>
<form id="credentials" data-document="{document}" data-app-id="{app_id}">
<label>Session token <input id="session-token" type="password" autocomplete="off"></label>
<label>Master key <input id="master-key" type="password" autocomplete="off"></label>
<label>REST API key (if the server has one) <input id="rest-key" type="password" autocomplete="off"></label>
<button type="submit">Load the API</button>
</form>
<div id="swagger-ui" role="status">Loading the API description…</div>
</main>
<script src="{base}/assets/swagger-ui-bundle.js"></script>
<script src="{base}/assets/explorer.js"></script>
</body></html>"""


def explorer_path(settings: Any) -> str:
    return str(settings.playgroundPath).rstrip("/") + "/rest"


def explorer_page(settings: Any) -> web.Response:
    base = html.escape(explorer_path(settings))
    document = html.escape(str(settings.mountPath).rstrip("/") + "/openapi.json")
    body = PAGE.format(base=base, document=document, app_id=html.escape(settings.appId))
    return web.Response(text=body, content_type="text/html", headers={
        "Content-Security-Policy": CSP, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def explorer_asset(name: str) -> web.Response:
    return bundle_file(name, boot_name="explorer.js", boot=BOOT, assets=ASSETS, files=FILES,
                       missing="The explorer bundle is missing: run `make openapi-ui`.")


def install_explorer_routes(app: web.Application, settings: Any) -> None:
    """Mount the explorer when the playground is mounted (the same on/off rule)."""
    if not settings.mountPlayground:
        return

    async def page(_request: web.Request) -> web.StreamResponse:
        return explorer_page(settings)

    async def asset(request: web.Request) -> web.StreamResponse:
        return explorer_asset(request.match_info["name"])

    base = explorer_path(settings)
    app.router.add_get(base, page)
    app.router.add_get(base + "/assets/{name}", asset)


__all__ = ["explorer_asset", "explorer_page", "explorer_path", "install_explorer_routes"]
