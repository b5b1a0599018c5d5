"""Parse Dashboard (npm, tools/dashboard/) as the browser tests run it: started by `make dashboard`'s
own launcher (tools/dashboard/launch.py) on a free loopback port, with the dashboard user's password
read from what it prints once; and what went wrong in its pages.

The dashboard's HTML asks Google for web fonts: the tests refuse every request that leaves this
machine (`keep_local`), so no test depends on the network, and those refusals are not findings.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import ConsoleMessage, Locator, Page, Request, Response, Route

from .browser import expect

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "tools" / "dashboard" / "launch.py"
DASHBOARD_BIN = ROOT / "tools" / "dashboard" / "node_modules" / "parse-dashboard" / "bin" / "parse-dashboard"
STARTUP_TIMEOUT = 60.0  # node loads express and the dashboard's bundle list on a shared two-core machine
PASSWORD_LINE = re.compile(r"Parse Dashboard user: (\S+)\s+password: (\S+)")
READY_LINE = "The dashboard is now available at"


@dataclass
class Dashboard:
    url: str  # http://127.0.0.1:<port>
    user: str
    password: str
    output: list[str] = field(default_factory=list)  # what the launcher and node printed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_credentials(data_dir: Path, app_id: str, master_key: str) -> None:
    """`<dataDir>/credentials.json` as the server writes it on first start (settings.py)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "credentials.json").write_text(json.dumps({"appId": app_id, "masterKey": master_key}))


async def _drain(stream: asyncio.StreamReader, output: list[str]) -> None:
    while line := await stream.readline():
        output.append(line.decode(errors="replace").rstrip())


@contextlib.asynccontextmanager
async def run_dashboard(data_dir: Path, server_url: str) -> AsyncIterator[Dashboard]:
    """Start the dashboard as `make dashboard` does (a generated user) and stop it afterwards."""
    assert DASHBOARD_BIN.exists(), "Parse Dashboard is missing: run `make dashboard-npm`"
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(LAUNCHER), "--dataDir", str(data_dir), "--serverURL", server_url, "--port", str(port),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert process.stdout is not None
    output: list[str] = []
    user = password = None
    try:
        async with asyncio.timeout(STARTUP_TIMEOUT):
            while not any(READY_LINE in line for line in output):
                line = (await process.stdout.readline()).decode(errors="replace")
                assert line, f"the dashboard exited: {output}"
                output.append(line.rstrip())
                if found := PASSWORD_LINE.search(line):
                    user, password = found.groups()
        assert user and password, output
        drain = asyncio.create_task(_drain(process.stdout, output))
        try:
            yield Dashboard(f"http://127.0.0.1:{port}", user, password, output)
        finally:
            drain.cancel()
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


class Findings:
    """Requests the dashboard's pages made that failed (an HTTP error or no answer), uncaught
    exceptions and console errors: each one is a difference from Parse Server to look at."""

    def __init__(self, page: Page) -> None:
        self.items: list[str] = []
        page.on("pageerror", lambda error: self.items.append(f"pageerror: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _console(self, message: ConsoleMessage) -> None:
        # The browser's own "Failed to load resource" line repeats a response or failure seen below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.items.append(f"console: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.items.append(f"{response.status} {response.request.method} {response.url}")

    def _failed(self, request: Request) -> None:
        # ERR_ABORTED: the browser dropped the request itself, as a navigation left the page.
        if is_local(request.url) and request.failure != "net::ERR_ABORTED":
            self.items.append(f"failed {request.method} {request.url}: {request.failure}")


def is_local(url: str) -> bool:
    return url.startswith(("http://127.0.0.1:", "http://localhost:"))


async def keep_local(page: Page) -> None:
    """Refuse every request that would leave this machine (the dashboard's web fonts)."""
    async def refuse(route: Route) -> None:
        await route.abort("blockedbyclient")

    await page.route(lambda url: not is_local(url) and not url.startswith(("data:", "blob:")), refuse)


async def sign_in(page: Page, dashboard: Dashboard) -> None:
    await page.goto(dashboard.url + "/login")
    await page.locator("input[name=username]").fill(dashboard.user)
    await page.locator("input[name=password]").fill(dashboard.password)
    await page.locator("[type=submit]").click()
    await expect(page).to_have_url(dashboard.url + "/apps")


def form_field(page: Page, label: str, holding: str) -> Locator:
    """A row of one of Dashboard's forms: the nearest element around the label `label` that holds
    an element matching the XPath step `holding` (its classes are hashed, its toggles unnamed)."""
    return page.locator(f"xpath=//div[normalize-space(text())='{label}']/ancestor::div[.//{holding}][1]")
