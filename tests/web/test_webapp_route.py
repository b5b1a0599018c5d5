"""The web app's route (issue 16): `/app/` serves the static ES modules, the Parse SDK's browser
build from npm and `config.json`, each with a strict Content-Security-Policy (no inline script,
no eval, connections to this origin only); nothing outside the app's own files is served;
`--mountWebApp false` turns it off."""

from __future__ import annotations

import json
import re

import aiohttp
import pytest

from parse_compat.webapp.route import SDK_BUILD, STATIC
from tests.api.conftest import APP_ID, Client


def root_of(api: Client) -> str:
    return api.base.rsplit("/parse", 1)[0]


async def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as session, session.get(url, allow_redirects=False) as resp:
        return resp.status, dict(resp.headers), await resp.read()


def assert_strict_csp(headers: dict[str, str]) -> None:
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"


async def test_the_app_is_served_with_a_strict_policy(api: Client) -> None:
    root = root_of(api)
    status, headers, _ = await fetch(f"{root}/app")
    assert status == 308 and headers["Location"] == "/app/"
    status, headers, body = await fetch(f"{root}/app/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert_strict_csp(headers)
    assert headers["Cache-Control"] == "no-store"
    page = body.decode()
    assert re.findall(r'<script[^>]*src="([^"]+)"', page) == ["vendor/parse.min.js", "js/main.js"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "inline script"
    status, headers, body = await fetch(f"{root}/app/js/main.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert_strict_csp(headers)
    status, headers, body = await fetch(f"{root}/app/vendor/parse.min.js")
    assert SDK_BUILD.exists(), "run `make webapp`"
    assert status == 200 and body == SDK_BUILD.read_bytes()
    status, headers, body = await fetch(f"{root}/app/config.json")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert json.loads(body) == {"appId": APP_ID, "mountPath": "/parse", "maxUploadSize": 20 * 1024 * 1024,
                                "sessionIdleTimeout": None}


async def test_signing_out_clears_the_browsers_cache_and_storage(api: Client) -> None:
    async with aiohttp.ClientSession() as session, session.post(f"{root_of(api)}/app/signed-out") as resp:
        assert resp.status == 204
        assert resp.headers["Clear-Site-Data"] == '"cache", "storage"'
        assert resp.headers["Cache-Control"] == "no-store"


async def test_only_the_apps_own_files_are_served(api: Client) -> None:
    root = root_of(api)
    for path in ("/app/../parse_compat/settings.py", "/app/%2e%2e/route.py", "/app/route.py", "/app/package.json",
                 "/app/node_modules/parse/package.json", "/app/static/index.html", "/app/js/nope.js",
                 "/app/js/%2e%2e%2fmain.js"):
        status, headers, body = await fetch(root + path)
        assert status == 404, path
        assert headers["Content-Type"].startswith("text/plain"), path


def test_the_static_files_hold_no_inline_script_or_style() -> None:
    # The policy would refuse them anyway; this keeps the app from depending on them.
    for path in STATIC.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert " style=" not in text and "<style" not in text, path
    for path in STATIC.rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert "innerHTML" not in text and "eval(" not in text and "new Function" not in text, path


@pytest.mark.settings(mountWebApp=False)
async def test_mount_web_app_false_turns_it_off(api: Client) -> None:
    status, _headers, _body = await fetch(f"{root_of(api)}/app/")
    assert status == 404


@pytest.mark.settings(schema=None)
async def test_off_by_default_without_a_template(api: Client) -> None:
    status, _headers, _body = await fetch(f"{root_of(api)}/app/")
    assert status == 404
