"""Parse's `pages` option (issue 14, deliverable 6): pagesEndpoint moves the emailed links and
their pages, customUrls redirect as customPages do, and what is not honoured stops the boot."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from parse_compat.settings import Settings

from .conftest import Client
from .test_account_mail import SMTP_PORT, Inbox, _link, _wait_for, inbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.asyncio
URLS = {"passwordReset": "https://app.example.com/options2/choose",
        "passwordResetSuccess": "https://app.example.com/options2/done",
        "emailVerificationSuccess": "https://app.example.com/options2/verified",
        "emailVerificationLinkInvalid": "https://app.example.com/options2/bad-verify"}


@pytest.fixture
def adapter_name() -> str:
    return "sqlite"  # pages and links do not depend on the store


@pytest.mark.settings(schema=None, verifyUserEmails=True, pages={"pagesEndpoint": "account", "customUrls": URLS},
                      emailAdapter={"host": "127.0.0.1", "port": SMTP_PORT, "from": "clinic@example.com"})
async def test_pages_endpoint_and_custom_urls(api: Client, inbox: Inbox) -> None:  # noqa: F811
    await api.post("/users", {"username": "ola", "password": "pw-ola-old", "email": "ola@example.com"})
    await api.post("/requestPasswordReset", {"email": "ola@example.com"})
    await api.post("/verificationEmailRequest", {"email": "ola@example.com"})
    await _wait_for(inbox, 2)
    links = {("reset" if "password_reset" in _link(m) else "verify"): urlsplit(_link(m)) for m in inbox.messages}
    reset, verify = links["reset"], links["verify"]
    assert reset.path == "/parse/account/test-app/request_password_reset"
    assert verify.path == "/parse/account/test-app/verify_email"
    token = dict(p.split("=", 1) for p in reset.query.split("&"))["token"]

    async def location(method: str, url: str, **kw: Any) -> str:
        async with api.session.request(method, url, allow_redirects=False, **kw) as resp:
            assert resp.status == 302, await resp.text()
            return resp.headers["Location"]

    assert await location("GET", f"{api.base}/account/test-app/request_password_reset", params={"token": token}) \
        == f"{URLS['passwordReset']}?token={token}&id=test-app"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert await location("POST", f"{api.base}/account/test-app/request_password_reset",
                          data=f"token={token}&new_password=pw-ola-new", headers=form) == URLS["passwordResetSuccess"]
    verify_url = f"{api.base}/account/test-app/verify_email?{verify.query}"
    assert await location("GET", verify_url) == URLS["emailVerificationSuccess"]
    assert await location("GET", verify_url) == f"{URLS['emailVerificationLinkInvalid']}?appId=test-app"
    old = await api.request("GET", "/apps/test-app/verify_email", params={"token": "x"}, app_id=None)
    assert old.status == 403  # no page there any more: an API path, which wants the app id


@pytest.mark.parametrize(("pages", "message"), [
    ({"enableLocalization": True}, "pages.enableLocalization is not supported"),
    ({"forceRedirect": True}, "pages.forceRedirect is not supported"),
    ({"pagesPath": "/srv/pages"}, "pages.pagesPath is not supported"),
    ({"customUrls": {"emailVerificationLinkExpired": "https://x.example/e"}}, "an expired link is an invalid one"),
    ({"customUrls": {"emailVerificationSendSuccess": "https://x.example/s"}}, "no resend-verification page"),
    ({"customUrls": {"passwordReset": "https://x.example/a"}, "x": 1}, "pages has no key 'x'"),
    ({"pagesEndpoint": "../up"}, "pages.pagesEndpoint must be a path"),
    ("on", "pages must be an object"),
])
async def test_what_is_not_honoured_stops_the_boot(pages: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(appId="a", masterKey="m", pages=pages)


async def test_defaults_written_out_are_accepted_and_conflicts_refused() -> None:
    Settings(appId="a", masterKey="m", pages={"enableLocalization": False, "forceRedirect": False, "placeholders": {},
                                              "customRoutes": [], "pagesEndpoint": "apps"})
    with pytest.raises(ValueError, match="disagree"):
        Settings(appId="a", masterKey="m", customPages={"choosePassword": "https://a.example/1"},
                 pages={"customUrls": {"passwordReset": "https://a.example/2"}})
