"""The account pages in headless Chromium, tried as a new user would: sign up, ask for a password
reset through the API, open the link from the mail a real SMTP server received, type a new
password and submit; change the email, open the verification link the new address received.

Chromium is driven by Playwright (tests/web/browser.py).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import Client
from tests.cloud.smtp_server import SmtpServer

from .browser import Page, expect

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(schema=None)]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def settings_overrides(smtp: SmtpServer) -> dict[str, Any]:
    # a signup with verifyUserEmails is mailed a verification link first: no per-account wait after it
    return {"emailAdapter": smtp.adapter_options, "verifyUserEmails": True, "accountMailInterval": 0}


async def mail_to(smtp: SmtpServer, address: str, kind: str) -> str:
    """The link of the first message delivered to `address` whose link holds `kind`."""
    for _ in range(400):
        for delivered in list(smtp.handler.delivered):
            if address in delivered.recipients:
                text = delivered.message.get_payload(decode=True).decode()
                match = re.search(r"https?://\S+", text)
                assert match, text
                if kind in match.group(0):
                    return match.group(0)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind} mail for {address}")


async def test_reset_password_in_a_real_browser(api: Client, page: Page, smtp: SmtpServer) -> None:
    user = await api.post("/users", {"username": "rita", "password": "old-password", "email": "rita@example.com"})
    assert user.status == 201
    assert (await api.post("/requestPasswordReset", {"email": "rita@example.com"})).body == {}
    link = await mail_to(smtp, "rita@example.com", "password")
    await page.goto(link)
    await page.get_by_label("New password").fill("typed-in-browser")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Password changed")
    assert await page.get_by_role("alert").count() == 0
    assert (await api.post("/login", {"username": "rita", "password": "typed-in-browser"})).status == 200
    assert (await api.post("/login", {"username": "rita", "password": "old-password"})).status == 404
    # The same link a second time: the form opens, but the token is spent.
    await page.goto(link)
    await page.get_by_label("New password").fill("again-in-browser")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("alert")).to_contain_text("invalid or has expired")


async def test_verify_a_new_email_in_a_real_browser(api: Client, page: Page, smtp: SmtpServer) -> None:
    user = await api.post("/users", {"username": "vera", "password": "pw-vera-123", "email": "vera@example.com"})
    token = user.body["sessionToken"]
    changed = await api.put(f"/users/{user.body['objectId']}", {"email": "vera.new@example.com"},
                            session_token=token)
    assert changed.status == 200, changed.body
    link = await mail_to(smtp, "vera.new@example.com", "verify_email")
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Email verified")
    me = await api.get("/users/me", session_token=token)
    assert me.body["email"] == "vera.new@example.com" and me.body["emailVerified"] is True
