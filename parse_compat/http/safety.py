"""Headers that keep anything we serve from running script on our origin.

Every response gets `X-Content-Type-Options: nosniff` and, unless its handler chose a stricter
or more specific one, `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'` and
`X-Frame-Options: DENY`. HTML pages (the account pages) set their own policy through `PAGE_CSP`.
Error answers for unknown paths are plain text and never HTML (`not_found`).
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


def not_found(message: str) -> web.Response:
    """Express's `Cannot <METHOD> <path>`, as text/plain: the echoed path is never markup."""
    return web.Response(text=message, status=404, content_type="text/plain", charset="utf-8")
