"""The page an invitation email links to (`/apps/<appId>/accept_invite?token=…`): GET shows a
form to choose a password, POST sets it (`auth/invites.py`). Like the account pages it needs no
app id header (a raw route) and is built with `pages.page()`, so it carries the same security
headers; everything shown is escaped.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl

from aiohttp import web

from ..auth.invites import INVALID, invites_of
from ..errors import ParseError
from ..state import AppState
from .pages import page

MAX_FORM = 16 * 1024


def no_referrer(response: web.Response) -> web.Response:
    """The token is in the page's URL: never send it on as a Referer."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def invite_form(token: str, username: str, error: str | None = None) -> web.Response:
    message = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    body = (f"{message}<p>Choose a password for <strong id=\"username\">{html.escape(username)}</strong>.</p>"
            "<form method=\"post\">"
            f"<input type=\"hidden\" name=\"token\" value=\"{html.escape(token)}\">"
            "<label>Password <input type=\"password\" name=\"new_password\" id=\"password\" required "
            "autocomplete=\"new-password\"></label> "
            "<button type=\"submit\" id=\"submit\">Set password</button></form>")
    return no_referrer(page("Welcome to the practice", body, 400 if error else 200))


def install_invite_page(state: AppState) -> None:
    settings = state.settings
    pattern = re.compile(r"^/apps/([^/]+)/accept_invite/?$")

    def matches(method: str, path: str, request: web.Request) -> bool:
        return bool(pattern.match(path)) and method in ("GET", "POST")

    async def handle(request: web.Request, path: str) -> web.StreamResponse:
        found = pattern.match(path)
        assert found is not None
        if found.group(1) != settings.appId:
            return page("Invalid link", "<p>This link is not valid.</p>", 404)
        invites = invites_of(state)
        token = request.query.get("token", "")
        if request.method == "POST":
            raw = await request.content.read(MAX_FORM)
            form = dict(parse_qsl(raw.decode("utf-8", errors="replace")))
            token = form.get("token", token)
        user = await invites.pending(token)
        if user is None:
            return page("Invalid link", f"<p>{html.escape(INVALID)}</p>", 400)
        username = str(user.get("username") or "")
        if request.method == "GET":
            return invite_form(token, username)
        try:
            await invites.accept(token, form.get("new_password", ""))
        except ParseError as exc:
            return invite_form(token, username, exc.message)
        return page("Password set", "<p>Your password is set. You can log in now.</p>")

    state.services.raw_routes.append((matches, handle))
