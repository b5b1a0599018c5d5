"""Password reset and email verification through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from .conftest import Client

pytestmark = pytest.mark.asyncio


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SMTP_PORT = _free_port()


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield handler
    controller.stop()


async def _wait_for(inbox: Inbox, count: int) -> None:
    # returns as soon as the mail is there; up to 20 s for a loaded machine (the outbox sends off
    # the request path, after its own loop turn)
    for _ in range(400):
        if len(inbox.messages) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} messages, got {len(inbox.messages)}")


def _link(message: Any) -> str:
    found = re.search(r"https?://\S+", message.get_payload(decode=True).decode())
    assert found, message.get_payload()
    return found.group(0)


@pytest.mark.settings(schema=None, emailAdapter={"host": "127.0.0.1", "port": SMTP_PORT, "from": "clinic@example.com"})
async def test_password_reset_by_mail(api: Client, inbox: Inbox) -> None:
    user = await api.post("/users", {"username": "nina", "password": "old-password", "email": "nina@example.com"})
    assert user.status == 201
    assert (await api.post("/requestPasswordReset", {"email": "nobody@example.com"})).body == {}
    assert (await api.post("/requestPasswordReset", {"email": "nina@example.com"})).body == {}
    await _wait_for(inbox, 1)
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "nina@example.com"
    link = urlsplit(_link(inbox.messages[0]))
    token = dict(p.split("=", 1) for p in link.query.split("&"))["token"]
    path = link.path[len("/parse"):]
    form = await api.request("GET", path, params={"token": token}, app_id=None)
    assert form.status == 200 and "new_password" in form.body
    done = await api.request("POST", path, raw=f"token={token}&new_password=brand-new-pw", app_id=None,
                             headers={"Content-Type": "application/x-www-form-urlencoded",
                                      "X-Requested-With": "XMLHttpRequest"})
    assert done.status == 200 and done.body == "Password successfully reset"
    again = await api.request("POST", path, raw=f"token={token}&new_password=other", app_id=None,
                              headers={"Content-Type": "application/x-www-form-urlencoded",
                                       "X-Requested-With": "XMLHttpRequest"})
    assert again.status == 400 and again.body["code"] == -1
    assert (await api.post("/login", {"username": "nina", "password": "old-password"})).status == 404
    assert (await api.post("/login", {"username": "nina", "password": "brand-new-pw"})).status == 200
    old_session = await api.get("/users/me", session_token=user.body["sessionToken"])
    assert old_session.body["code"] == 209


@pytest.mark.settings(schema=None, verifyUserEmails=True,
                      emailAdapter={"host": "127.0.0.1", "port": SMTP_PORT, "from": "clinic@example.com"})
async def test_email_verification_by_mail(api: Client, inbox: Inbox) -> None:
    user = await api.post("/users", {"username": "omar", "password": "pw-omar", "email": "omar@example.com"})
    assert (await api.post("/verificationEmailRequest", {"email": "omar@example.com"})).body == {}
    await _wait_for(inbox, 1)
    link = urlsplit(_link(inbox.messages[0]))
    token = dict(p.split("=", 1) for p in link.query.split("&"))["token"]
    page = await api.request("GET", link.path[len("/parse"):], params={"token": token}, app_id=None)
    assert page.status == 200 and "verified" in page.body
    me = await api.get(f"/users/{user.body['objectId']}", master=True)
    assert me.body["emailVerified"] is True
    reused = await api.request("GET", link.path[len("/parse"):], params={"token": token}, app_id=None)
    assert reused.status == 400


async def test_email_request_errors(api: Client) -> None:
    assert (await api.post("/requestPasswordReset", {})).body["code"] == 204
    assert (await api.post("/requestPasswordReset", {"email": 5})).body["code"] == 125
    assert (await api.post("/verificationEmailRequest", {})).body["code"] == 204


@pytest.mark.settings(schema=None, verifyUserEmails=True, preventLoginWithUnverifiedEmail=True,
                      emailAdapter={"host": "127.0.0.1", "port": SMTP_PORT, "from": "clinic@example.com"})
async def test_prevent_login_with_unverified_email(api: Client, inbox: Inbox) -> None:
    signup = await api.post("/users", {"username": "pia", "password": "pw-pia", "email": "pia@example.com"})
    assert signup.status == 201 and "sessionToken" not in signup.body  # Parse: no session before verification
    refused = await api.post("/login", {"username": "pia", "password": "pw-pia"})
    assert refused.status == 400 and refused.body == {"code": 205, "error": "User email is not verified."}
    wrong = await api.post("/login", {"username": "pia", "password": "wrong"})
    assert wrong.body["code"] == 101  # the password is checked first: no hint that the account exists
    await api.put(f"/users/{signup.body['objectId']}", {"emailVerified": True}, master=True)
    assert (await api.post("/login", {"username": "pia", "password": "pw-pia"})).status == 200
    anonymous = await api.post("/users", {"authData": {"anonymous": {"id": "9f3c0e7a-1111-2222-3333-444455556666"}}})
    assert anonymous.status == 201 and "sessionToken" in anonymous.body


CUSTOM = {"choosePassword": "https://app.example.com/choose", "passwordResetSuccess": "https://app.example.com/done",
          "verifyEmailSuccess": "https://app.example.com/verified", "invalidLink": "https://app.example.com/bad"}


@pytest.mark.settings(schema=None, customPages=CUSTOM, appName="Clinic", verifyUserEmails=True,
                      emailAdapter={"host": "127.0.0.1", "port": SMTP_PORT, "from": "clinic@example.com"})
async def test_custom_pages_receive_the_emailed_links(api: Client, inbox: Inbox) -> None:
    await api.post("/users", {"username": "rui", "password": "pw-rui-old", "email": "rui@example.com"})
    await api.post("/requestPasswordReset", {"email": "rui@example.com"})
    await api.post("/verificationEmailRequest", {"email": "rui@example.com"})
    await _wait_for(inbox, 2)
    links = {("reset" if "password_reset" in _link(m) else "verify"): urlsplit(_link(m)) for m in inbox.messages}
    reset, verify = links["reset"], links["verify"]
    token = dict(p.split("=", 1) for p in reset.query.split("&"))["token"]
    path = reset.path[len("/parse"):]
    http = api.session

    async def location(method: str, url: str, **kw: Any) -> str:
        async with http.request(method, url, allow_redirects=False, **kw) as resp:
            assert resp.status == 302, await resp.text()
            return resp.headers["Location"]

    chosen = await location("GET", api.base + path, params={"token": token})
    assert chosen == f"https://app.example.com/choose?token={token}&id=test-app&app=Clinic"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    failed = await location("POST", api.base + path, data=f"token={token}&new_password=", headers=form)
    assert failed.startswith("https://app.example.com/choose?token=") and "error=" in failed
    done = await location("POST", api.base + path, data=f"token={token}&new_password=pw-rui-new", headers=form)
    assert done == "https://app.example.com/done"
    verified = await location("GET", api.base + verify.path[len("/parse"):] + "?" + verify.query)
    assert verified == "https://app.example.com/verified"
    again = await location("GET", api.base + verify.path[len("/parse"):] + "?" + verify.query)
    assert again == "https://app.example.com/bad?appId=test-app"
    assert await location("GET", f"{api.base}/apps/other-app/verify_email") == "https://app.example.com/bad"


@pytest.mark.parametrize("pages", [{"choosePassword": "javascript:alert(1)"}, {"nope": "https://x.example"}, []])
async def test_custom_pages_are_checked_at_boot(pages: Any) -> None:
    from parse_compat.http.pages import custom_pages

    with pytest.raises(ValueError, match="customPages"):
        custom_pages(pages)
