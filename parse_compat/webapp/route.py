"""Serving the practice's web app at `/app` (option `mountWebApp`, on by default with a schema
template): the static files in `static/`, the Parse JavaScript SDK's browser build from this
folder's `node_modules` (installed by `make webapp`, never fetched from a CDN), and `config.json`
(the app id and the API's mount path: what any Parse client is configured with), and
`signed-out`, which answers `Clear-Site-Data` so a sign-out leaves no cached x-ray behind.

Every answer carries a strict Content-Security-Policy: scripts and styles only from this origin
(no inline script, no eval), connections only to this origin (REST and the Live Query websocket),
images from this origin or the files origin (signed x-ray URLs).
"""

from __future__ import annotations

import asyncio
import mimetypes
from pathlib import Path

from aiohttp import web

from ..settings import Settings

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
SDK_BUILD = HERE / "node_modules" / "parse" / "dist" / "parse.min.js"
PREFIX = "/app"
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png",
         ".json": "application/json", ".ico": "image/x-icon"}
NOT_BUILT = ("The web app's JavaScript SDK is not installed on this server: run `make webapp` "
             "(npm install in parse_compat/webapp) and restart.")


def web_app_enabled(settings: Settings) -> bool:
    value = getattr(settings, "mountWebApp", None)
    return bool(settings.schema) if value is None else bool(value)


def app_csp(settings: Settings) -> str:
    images = "'self'"
    if settings.filesOrigin:
        images += " " + settings.filesOrigin.rstrip("/")
    return ("default-src 'none'; script-src 'self'; style-src 'self'; "
            f"img-src {images}; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; "
            "base-uri 'none'")


def static_files() -> dict[str, Path]:
    """What may be served: the files under static/ (by their path), and the SDK build."""
    files = {str(path.relative_to(STATIC)): path for path in STATIC.rglob("*")
             if path.is_file() and path.suffix in TYPES}
    files["vendor/parse.min.js"] = SDK_BUILD
    return files


def install_webapp(app: web.Application, settings: Settings) -> None:
    """Add the `/app` routes (before the API's catch-all, so a root mount path works too)."""
    files = static_files()
    csp = app_csp(settings)

    def secured(response: web.Response, cache: str = "no-cache") -> web.Response:
        response.headers["Content-Security-Policy"] = csp
        response.headers["Cache-Control"] = cache
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPPermanentRedirect(PREFIX + "/")

    async def config(request: web.Request) -> web.StreamResponse:
        body = {"appId": settings.appId, "mountPath": settings.mountPath,
                "maxUploadSize": settings.maxUploadSize,
                "sessionIdleTimeout": getattr(settings, "sessionIdleTimeout", None)}
        return secured(web.json_response(body), "no-store")

    async def serve(request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name") or "index.html"
        path = files.get(name)
        if path is None:
            return secured(web.Response(text=f"Cannot GET {PREFIX}/…", status=404, content_type="text/plain"))
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return secured(web.Response(text=NOT_BUILT, status=503, content_type="text/plain"))
        kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        cache = "no-store" if path.suffix == ".html" else "no-cache"
        return secured(web.Response(body=data, content_type=kind, charset="utf-8" if kind.startswith("text/")
                                    else None), cache)

    async def signed_out(request: web.Request) -> web.StreamResponse:
        # Fetched by the app on sign-out: the browser drops this origin's HTTP cache (x-ray images
        # among it) and storage. Browsers honour it in secure contexts (HTTPS, localhost).
        response = secured(web.Response(status=204), "no-store")
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
        return response

    app.router.add_get(PREFIX, redirect)
    app.router.add_post(PREFIX + "/signed-out", signed_out)
    app.router.add_get(PREFIX + "/config.json", config)
    app.router.add_get(PREFIX + "/", serve)
    app.router.add_get(PREFIX + "/{name:.+}", serve)

