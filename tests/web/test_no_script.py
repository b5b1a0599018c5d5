"""Nothing we serve runs script (issue 18, finding 4): every registered route, the account pages,
the files routes, health and unknown paths are fetched with hostile paths, parameters and bodies;
no answer echoes that input unescaped into HTML, and every answer carries nosniff and a CSP with
`frame-ancestors 'none'`. Then headless Chromium loads the hostile 404 (GET, and POST from a
cross-site `<form enctype="text/plain">`) and no script runs.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from tests.api.conftest import APP_ID, MASTER_KEY, Client

from .browser import Page, expect

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(schema=None)]

MARKERS = ("<script>document.title='pwned'</script>", "\"><img src=x onerror=\"document.title='pwned'\">")
HOSTILE = MARKERS[0] + MARKERS[1]
SEGMENT = quote(HOSTILE, safe="")


def _paths_of(api: Client) -> list[tuple[str, str]]:
    """Every route the API router knows, its parameters filled with hostile text."""
    router = api.state.services.router
    out = []
    for method, regex, _handler in router._routes:
        pattern = regex.pattern.removeprefix("^").removesuffix("/?$")
        out.append((method, re.sub(r"\(\?P<\w+>\[\^/\]\+\)", SEGMENT, pattern)))
    return out


def _extra_paths() -> list[tuple[str, str]]:
    pages = [f"/apps/{APP_ID}/{page}" for page in ("verify_email", "request_password_reset", "accept_invite")]
    out = [(m, p + f"?token={SEGMENT}&username={SEGMENT}") for p in pages for m in ("GET", "POST")]
    out += [("GET", f"/apps/{SEGMENT}/verify_email"), ("GET", f"/apps/{APP_ID}/{SEGMENT}"),
            ("GET", f"/files/{APP_ID}/{SEGMENT}"), ("GET", f"/files/{SEGMENT}/{SEGMENT}"),
            ("GET", f"/files/{APP_ID}/metadata/{SEGMENT}"), ("POST", f"/files/{SEGMENT}"),
            ("DELETE", f"/files/{SEGMENT}"), ("PUT", f"/files/{SEGMENT}"), ("GET", "/health"),
            ("GET", f"/health?x={SEGMENT}")]
    for method in ("GET", "POST", "PUT", "DELETE"):
        out += [(method, f"/{SEGMENT}"), (method, f"/classes/{SEGMENT}/{SEGMENT}/{SEGMENT}")]
    return out


def _check(method: str, path: str, status: int, headers: Any, body: str) -> None:
    where = f"{method} {path} -> {status}"
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'none'" in csp, where
    kind = headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", ""):
        for marker in MARKERS:
            assert marker not in body, where
        assert "<script" not in body.lower() and "<img" not in body.lower(), where
    if kind == "text/html":
        assert "frame-ancestors 'none'" in csp, where
    assert status < 500, where


async def test_no_route_echoes_unescaped_input_into_html(api: Client) -> None:
    base = api.base  # http://127.0.0.1:<port>/parse
    root = base.rsplit("/parse", 1)[0]
    routes = _paths_of(api) + _extra_paths()
    assert len(routes) > 40
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    variants: list[tuple[dict[str, str], Any]] = [
        ({}, None),  # no credentials at all
        ({"Content-Type": "text/plain"}, HOSTILE),  # what a cross-site <form enctype=text/plain> sends
        ({"X-Parse-Application-Id": APP_ID, "X-Parse-Master-Key": MASTER_KEY, **form},
         f"token={SEGMENT}&new_password={SEGMENT}&username={SEGMENT}"),
        ({"X-Parse-Application-Id": APP_ID, "Content-Type": "application/json"},
         '{"where": "' + HOSTILE.replace('"', '\\"') + '", "email": "' + HOSTILE.replace('"', '\\"') + '"}'),
    ]
    checked = 0
    async with aiohttp.ClientSession() as session:
        for method, path in routes:
            for headers, data in variants:
                separator = "&" if "?" in path else "?"
                url = f"{base}{path}{separator}where={SEGMENT}&x={SEGMENT}"
                async with session.request(method, url, headers=headers, data=data,
                                           allow_redirects=False) as resp:
                    _check(method, path, resp.status, resp.headers, await resp.text(errors="replace"))
                    checked += 1
        for method in ("GET", "POST"):  # outside the mount path: aiohttp's own 404
            async with session.request(method, f"{root}/{SEGMENT}", data=HOSTILE) as resp:
                _check(method, "/" + SEGMENT, resp.status, resp.headers, await resp.text())
    assert checked >= 4 * len(routes)


async def test_api_404_is_express_html_without_the_path(api: Client) -> None:
    # Finding 4: `POST /parse/<script>…</script>` with a text/plain body answered an HTML 404
    # that echoed the path unescaped, with no CSP. Now: Express's page, without the path, under the CSP.
    reply = await api.request("POST", "/" + SEGMENT, raw=json.dumps({"_ApplicationId": APP_ID}),
                              headers={"Content-Type": "text/plain"}, app_id=None)
    assert reply.status == 404
    assert reply.headers["Content-Type"].startswith("text/html")
    assert "<pre>Cannot POST</pre>" in reply.body and "script" not in reply.body.lower()
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"]


async def test_chromium_runs_no_script_from_the_hostile_404(api: Client, page: Page) -> None:
    app_json = quote(json.dumps({"_ApplicationId": APP_ID}))
    for url in (f"{api.base}/{SEGMENT}", f"{api.base}/{SEGMENT}?where={SEGMENT}",
                f"{api.base}/apps/{APP_ID}/request_password_reset?token={SEGMENT}",
                f"{api.base}/apps/{APP_ID}/verify_email?token={SEGMENT}", f"{api.base}/files/{APP_ID}/{SEGMENT}",
                f"{api.base}/apps/{APP_ID}/accept_invite?token={SEGMENT}",
                f"{api.base}/classes/{SEGMENT}?{app_json}"):
        await page.goto(url)  # returns once the answer's document has loaded
        assert await page.title() != "pwned", url
        assert await page.locator("script, img").count() == 0, url
    # The cross-site form: POST /parse/<script>…</script> with a text/plain body carrying the app id.
    attacker = ("data:text/html,<form id=f method=post enctype=text/plain action='"
                + f"{api.base}/{quote(SEGMENT)}'><input name='{{\"_ApplicationId\":\"{APP_ID}\",\"x\":\"' "
                + "value='\"}'></form><script>document.getElementById('f').submit()</script>")
    await page.goto(attacker, wait_until="commit")  # the data: page submits its form at once
    await page.wait_for_url(f"{api.base}/**")  # our server's answer, loaded
    await expect(page.locator("body")).to_contain_text("Cannot POST")
    assert await page.title() != "pwned"
    assert await page.locator("script, img").count() == 0
