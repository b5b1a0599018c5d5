"""The GraphQL playground (`mountPlayground`): a GraphiQL page served entirely from this server.

GraphiQL and React come from npm at build time (`make graphiql` copies their minified bundles
into `playground_assets/`); the page loads nothing from another origin, so it works offline.
Unlike Parse Server's playground, the page never embeds the master key: the caller types the
X-Parse-* headers into GraphiQL's headers editor (only the public app id is prefilled).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from aiohttp import web

from ..http.bundles import bundle_file

HERE = Path(__file__).resolve().parent
ASSETS = HERE / "playground_assets"
BOOT = HERE / "playground_boot.js"
FILES = {
    "graphiql.min.js": "application/javascript", "graphiql.min.css": "text/css",
    "react.production.min.js": "application/javascript", "react-dom.production.min.js": "application/javascript",
}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GraphQL playground</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{base}/assets/graphiql.min.css">
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style></head>
<body><div id="graphiql" data-endpoint="{endpoint}" data-app-id="{app_id}">Loading the playground…</div>
<script src="{base}/assets/react.production.min.js"></script>
<script src="{base}/assets/react-dom.production.min.js"></script>
<script src="{base}/assets/graphiql.min.js"></script>
<script src="{base}/assets/playground.js"></script>
</body></html>"""


def playground_page(settings: Any) -> web.Response:
    base = html.escape(settings.playgroundPath.rstrip("/"))
    body = PAGE.format(base=base, endpoint=html.escape(settings.graphQLPath), app_id=html.escape(settings.appId))
    return web.Response(text=body, content_type="text/html", headers={
        "Content-Security-Policy": CSP, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def playground_asset(name: str) -> web.StreamResponse:
    return bundle_file(name, boot_name="playground.js", boot=BOOT, assets=ASSETS, files=FILES,
                       missing="The playground bundle is missing: run `make graphiql`.")
