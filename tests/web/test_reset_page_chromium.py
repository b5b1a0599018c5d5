"""The password-reset page in headless Chromium: the emailed link opens a form, the new password is
typed and submitted like a person would, and the account then logs in with it.

Chromium is driven over the DevTools protocol (CDP) with aiohttp's websocket client (tests/web/browser.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Client

from .browser import Page

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(schema=None)]


async def test_reset_password_in_a_real_browser(api: Client, page: Page) -> None:
    user = await api.post("/users", {"username": "rita", "password": "old-password", "email": "rita@example.com"})
    assert user.status == 201
    mail = api.state.extras["account_mail"]
    sent: list[Any] = []

    class Capture:
        async def send(self, message: Any) -> None:
            sent.append(message)

    api.state.extras["mail"] = Capture()
    await mail.request(None, "password_reset", "rita@example.com")
    link = next(word for word in sent[0].text.split() if word.startswith("http"))
    await page.send("Page.navigate", url=link)
    await page.wait_for("document.querySelector('#password') !== null")
    await page.evaluate("document.querySelector('#password').value = 'typed-in-browser'")
    await page.evaluate("document.querySelector('#submit').click()")
    outcome = await page.wait_for("(document.querySelector('[role=alert]') || {}).textContent || "
                                  "(document.querySelector('h1').textContent === 'Password changed' && 'changed')")
    assert outcome == "changed"
    assert (await api.post("/login", {"username": "rita", "password": "typed-in-browser"})).status == 200
    assert (await api.post("/login", {"username": "rita", "password": "old-password"})).status == 404
