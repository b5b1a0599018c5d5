"""The account pages emailed links lead to (`/apps/<appId>/verify_email`,
`/apps/<appId>/request_password_reset`; `apps` is Parse's `pages.pagesEndpoint`, see pages_option.py).
They need no app id header, so they are raw routes.

Parse's `customPages` option sends the browser to the app's own pages instead (302):
`verifyEmailSuccess`, `invalidVerificationLink` (or `invalidLink`), `choosePassword` (with
`token`, `id` = app id and `app` = `appName`; an error comes back as `error`),
`passwordResetSuccess` and `invalidLink`. parse-compat: no `username` is added to those URLs
(it would end up in the other site's logs).
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from aiohttp import web

from ..errors import ParseError
from ..pages_option import pages_endpoint, resolve_custom_pages
from ..rest.account_mail import AccountMail
from ..state import AppState
from .safety import PAGE_CSP
from .server import json_response

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""


def page(title: str, body: str, status: int = 200) -> web.Response:
    response = web.Response(text=PAGE.format(title=html.escape(title), body=body), status=status,
                            content_type="text/html")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def reset_form(token: str, error: str | None = None) -> web.Response:
    message = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    body = (f"{message}<form method=\"post\"><input type=\"hidden\" name=\"token\" value=\"{html.escape(token)}\">"
            "<label>New password <input type=\"password\" name=\"new_password\" id=\"password\" required "
            "autocomplete=\"new-password\"></label> <button type=\"submit\" id=\"submit\">Change password</button>"
            "</form>")
    return page("Choose a new password", body, 400 if error else 200)


CUSTOM_PAGES = ("invalidLink", "invalidVerificationLink", "linkSendSuccess", "linkSendFail", "choosePassword",
                "verifyEmailSuccess", "passwordResetSuccess", "parseFrameURL")


def custom_pages(option: Any) -> dict[str, str]:
    """`customPages`, checked at boot: Parse's keys, absolute http(s) URLs."""
    if option is None:
        return {}
    if not isinstance(option, dict):
        raise ValueError("option customPages must be an object of page URLs")
    out: dict[str, str] = {}
    for key, url in option.items():
        if key not in CUSTOM_PAGES:
            raise ValueError(f"option customPages: unknown page {str(key)[:40]!r}")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"option customPages.{key} must be an http(s) URL")
        out[key] = url
    return out


def redirect(url: str, params: dict[str, str] | None = None) -> web.Response:
    target = url + (("&" if "?" in url else "?") + urlencode(params) if params else "")
    response = web.Response(status=302, headers={"Location": target, "Cache-Control": "no-store"})
    return response


def install_pages(state: AppState) -> None:
    settings = state.settings
    endpoint = re.escape(pages_endpoint(settings.pages))  # Parse's pages.pagesEndpoint
    pattern = re.compile(rf"^/{endpoint}/([^/]+)/(verify_email|request_password_reset)/?$")
    mail = AccountMail(state)
    custom = custom_pages(resolve_custom_pages(settings.pages, settings.customPages))  # with pages.customUrls
    invalid_link = custom.get("invalidLink")
    invalid_verification = custom.get("invalidVerificationLink") or invalid_link

    def matches(method: str, path: str, request: web.Request) -> bool:
        found = pattern.match(path)
        return bool(found) and method in ("GET", "POST")

    async def handle(request: web.Request, path: str) -> web.StreamResponse:
        found = pattern.match(path)
        assert found is not None
        if found.group(1) != settings.appId:
            if invalid_link:
                return redirect(invalid_link)
            return page("Invalid link", "<p>This link is not valid.</p>", 404)
        token = request.query.get("token", "")
        if found.group(2) == "verify_email":
            if await mail.verify_email(token):
                if "verifyEmailSuccess" in custom:
                    return redirect(custom["verifyEmailSuccess"])
                return page("Email verified", "<p>Your email address has been verified.</p>")
            if invalid_verification:
                return redirect(invalid_verification, {"appId": settings.appId})
            return page("Invalid link", "<p>This link is invalid or has already been used.</p>", 400)
        choose = custom.get("choosePassword")
        app_params: dict[str, str] = {"id": settings.appId}
        if settings.appName:
            app_params["app"] = settings.appName
        if request.method == "GET":
            if choose:
                return redirect(choose, {"token": token, **app_params})
            return reset_form(token)
        raw = await request.content.read(64 * 1024)
        form = dict(parse_qsl(raw.decode("utf-8", errors="replace")))
        token = form.get("token", token)
        xhr = request.headers.get("X-Requested-With") == "XMLHttpRequest"
        try:
            await mail.reset_password(token, form.get("new_password", ""))
        except ParseError as exc:
            if xhr:
                return json_response(exc.to_json(), 400)
            if choose:
                return redirect(choose, {"token": token, **app_params, "error": exc.message})
            return reset_form(token, exc.message)
        if xhr:
            return web.Response(text="Password successfully reset", content_type="text/plain")
        if "passwordResetSuccess" in custom:
            return redirect(custom["passwordResetSuccess"])
        return page("Password changed", "<p>Your password has been changed. You can log in now.</p>")

    state.services.raw_routes.append((matches, handle))
    state.services.account_mail = mail
    mail.outbox.start()  # sends queued account mail off the request path
    state.services.on_close.insert(0, mail.outbox.stop)
