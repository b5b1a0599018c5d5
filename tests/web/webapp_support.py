"""Helpers for the web app tests: signing in through the form, an axe-core check of the screen,
a small real PNG to upload, and the console errors a page produced."""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

from playwright.async_api import ConsoleMessage, Page

from .browser import expect

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "parse_compat" / "webapp" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS_ENV = "PARSE_COMPAT_SCREENSHOTS"  # e.g. docs/webapp: where the README's pictures come from


async def screenshot(page: Page, tmp_path: Path, name: str, full_page: bool = False) -> Path:
    """A screenshot in the test's tmp dir, and in $PARSE_COMPAT_SCREENSHOTS when set."""
    path = tmp_path / name
    await page.screenshot(path=str(path), full_page=full_page)
    target = os.environ.get(SCREENSHOTS_ENV)
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(target) / name)
    return path


def app_url(api_base: str) -> str:
    """`http://127.0.0.1:<port>/parse` → the web app at `/app/`."""
    return api_base.rsplit("/parse", 1)[0] + "/app/"


async def sign_in(page: Page, url: str, username: str, password: str) -> None:
    await page.goto(url)
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_label("Username", exact=True).fill(username)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()


async def load_axe(page: Page) -> None:
    assert AXE.exists(), "axe-core is missing: run `make webapp`"
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text(encoding="utf-8"))


async def serious_violations(page: Page, selector: str | None = None) -> list[dict[str, Any]]:
    """axe-core (from npm) run in the page (or on one element of it): the serious and critical
    WCAG 2.1 A/AA violations."""
    await load_axe(page)
    script = ("([tags, selector]) => axe.run(selector ? document.querySelector(selector) : document, "
              "{runOnly: {type: 'tag', values: tags}})")
    result = await page.evaluate(script, [AXE_TAGS, selector])
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


async def assert_accessible(page: Page, screen: str, selector: str | None = None) -> None:
    violations = await serious_violations(page, selector)
    assert not violations, f"{screen}: {violations}"


def png(width: int = 64, height: int = 48) -> bytes:
    """A real grayscale PNG (a gradient), made here so the test needs no fixture file."""
    rows = b"".join(b"\x00" + bytes((x * 4 + y * 2) % 256 for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


class PageErrors:
    """What went wrong in one page that a person would not see as a message: uncaught exceptions,
    console errors (CSP refusals among them) and failed loads of anything but API calls (the
    app shows those in words)."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("console", self._console)
        page.on("response", lambda response: self.errors.append(f"{response.status} {response.url}")
                if response.status >= 400 and "/parse/" not in response.url else None)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")
