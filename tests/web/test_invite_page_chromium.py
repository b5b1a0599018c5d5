"""The staff invitation page in headless Chromium (issue 12): an administrator invites a person,
the emailed link opens a form, the person types a password like anyone would, and then logs in.
Runs on the dental template (public signup off, its password policy)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Client
from tests.cloud.dental_support import PASSWORD, member

from .browser import Page, expect

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(cloud="cloud_code")]


class Outbox:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send(self, message: Any) -> None:
        self.sent.append(message)


async def test_an_invited_person_sets_a_password_in_a_real_browser(api: Client, page: Page) -> None:  # noqa: F811
    outbox = Outbox()
    api.state.services.mail = outbox
    admin = await member(api, "admin", role="administrator")
    invited = await api.post("/functions/inviteStaff", {"email": "nina@clinic.example", "username": "nina"},
                             session_token=admin.token)
    assert invited.status == 200, invited.body
    link = next(word for word in outbox.sent[0].text.split() if word.startswith("http"))
    await page.goto(link)
    await expect(page.locator("#username")).to_have_text("nina")
    await page.get_by_label("Password").fill("password1234")  # a common one
    await page.get_by_role("button", name="Set password").click()  # waits for the form's navigation
    await expect(page.get_by_role("alert")).to_contain_text("common password")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Set password").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Password set")
    login = await api.post("/login", {"username": "nina", "password": PASSWORD})
    assert login.status == 200, login.body
    await page.goto(link)  # the link worked once
    await expect(page.get_by_role("heading", level=1)).to_have_text("Invalid link")
