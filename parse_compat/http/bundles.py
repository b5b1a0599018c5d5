"""Serving a page's vendored npm bundle (GraphiQL, Swagger UI): its boot script, its listed files
from the assets directory, a plain-text 404 for anything else or when `make` has not fetched it."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web


def bundle_file(name: str, *, boot_name: str, boot: Path, assets: Path, files: dict[str, str],
                missing: str) -> web.Response:
    """One file of a bundle: `boot_name` is the page's own script; `files` maps the bundle's file
    names to their content types; `missing` says which make target fetches the bundle."""
    if name == boot_name:
        return web.Response(body=boot.read_bytes(), content_type="application/javascript")
    if name not in files:
        return web.Response(text="Not found", status=404, content_type="text/plain")
    path = assets / name
    if not path.is_file():
        return web.Response(text=missing, status=404, content_type="text/plain")
    return web.Response(body=path.read_bytes(), content_type=files[name],
                        headers={"Cache-Control": "public, max-age=86400"})
