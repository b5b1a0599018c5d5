"""Headers that keep anything we serve from running script on our origin.

Every response gets `X-Content-Type-Options: nosniff` and, unless its handler chose a stricter
or more specific one, `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'` and
`X-Frame-Options: DENY`. HTML pages (the account pages) set their own policy through `PAGE_CSP`.
Unknown paths answer Express's HTML 404 page (`not_found`), under the default CSP and without
echoing the requested path.
"""

from __future__ import annotations

from aiohttp import web

DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'")


def secure_headers(response: web.StreamResponse) -> None:
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")


async def _on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    secure_headers(response)


def install_security_headers(app: web.Application) -> None:
    """Every response of the app, including aiohttp's own 404/405 answers, gets the headers."""
    app.on_response_prepare.append(_on_prepare)


EXPRESS_404 = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n'
               '</head>\n<body>\n<pre>Cannot {method}</pre>\n</body>\n</html>\n')
SAFE_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})


def not_found(method: str) -> web.Response:
    """Express's 404 page for an unknown route (`text/html`, like Parse Server's).

    parse-compat: Express writes `Cannot <METHOD> <path>`; the path is left out here, so nothing a
    client sent is ever reflected into markup (and the default CSP forbids script anyway)."""
    shown = method if method in SAFE_METHODS else "METHOD"
    return web.Response(text=EXPRESS_404.format(method=shown), status=404, content_type="text/html",
                        charset="utf-8")
