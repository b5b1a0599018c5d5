"""The password-reset page in headless Chromium: the emailed link opens a form, the new password is
typed and submitted like a person would, and the account then logs in with it.

Chromium is driven over the DevTools protocol (CDP) with aiohttp's websocket client.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.api.conftest import Client

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(schema=None)]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Page:
    """One Chromium tab over CDP."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.next_id = 0

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        await self.ws.send_json({"id": self.next_id, "method": method, "params": params})
        while True:
            message = json.loads((await self.ws.receive(timeout=20)).data)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise AssertionError(message["error"])
                return dict(message.get("result") or {})

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    async def wait_for(self, expression: str) -> Any:
        for _ in range(100):
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    assert CHROMIUM, "Debian's chromium package is required (make test installs it)"
    port = _free_port()
    profile = tempfile.mkdtemp(prefix="pc-chromium-")
    proc = subprocess.Popen([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                             "--no-first-run", "--disable-background-networking", "--disable-component-update",
                             "--disable-sync", f"--user-data-dir={profile}", f"--remote-debugging-port={port}",
                             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async with aiohttp.ClientSession() as session:
            targets: list[dict[str, Any]] = []
            for _ in range(100):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/json/list") as resp:
                        targets = [t for t in await resp.json() if t.get("type") == "page"]
                    if targets:
                        break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            assert targets, "chromium did not start"
            async with session.ws_connect(targets[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                tab = Page(ws)
                await tab.send("Page.enable")
                await tab.send("Runtime.enable")
                yield tab
    finally:
        proc.kill()
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


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
