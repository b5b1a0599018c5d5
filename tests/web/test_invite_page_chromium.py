"""The staff invitation page in headless Chromium (issue 12): an administrator invites a person,
the emailed link opens a form, the person types a password like anyone would, and then logs in.
Runs on the dental template (public signup off, its password policy)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Client
from tests.cloud.dental_support import PASSWORD, member

from .browser import Page

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(cloud="cloud_code")]


class Outbox:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send(self, message: Any) -> None:
        self.sent.append(message)


async def outcome(tab: Page) -> Any:
    return await tab.wait_for("(document.querySelector('[role=alert]') || {}).textContent || "
                              "(document.querySelector('h1').textContent === 'Password set' && 'set')")


async def test_an_invited_person_sets_a_password_in_a_real_browser(api: Client, page: Page) -> None:  # noqa: F811
    outbox = Outbox()
    api.state.services.mail = outbox
    admin = await member(api, "admin", role="administrator")
    invited = await api.post("/functions/inviteStaff", {"email": "nina@clinic.example", "username": "nina"},
                             session_token=admin.token)
    assert invited.status == 200, invited.body
    link = next(word for word in outbox.sent[0].text.split() if word.startswith("http"))
    await page.send("Page.navigate", url=link)
    await page.wait_for("document.querySelector('#password') !== null")
    assert await page.evaluate("document.querySelector('#username').textContent") == "nina"
    await page.evaluate("document.querySelector('#password').value = 'password1234'")  # a common one
    await page.evaluate("document.querySelector('#submit').click()")
    refused = await outcome(page)
    assert "common password" in refused
    await page.wait_for("document.querySelector('#password') !== null")
    await page.evaluate(f"document.querySelector('#password').value = {PASSWORD!r}")
    await page.evaluate("document.querySelector('#submit').click()")
    await page.wait_for("document.querySelector('h1') && document.querySelector('h1').textContent !== "
                        "'Welcome to the practice'")
    assert await outcome(page) == "set"
    login = await api.post("/login", {"username": "nina", "password": PASSWORD})
    assert login.status == 200, login.body
    await page.send("Page.navigate", url=link)  # the link worked once
    await page.wait_for("document.querySelector('h1') && document.querySelector('h1').textContent === "
                        "'Invalid link'")
