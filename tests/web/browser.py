"""Headless Chromium for the web tests, driven by Playwright for Python (async API).

Playwright launches Debian's `chromium` (never a browser build of its own: `playwright install`
is not needed). Its locators and `expect` wait for elements and navigations by themselves, so a
test never races a page that is being replaced. Fixtures: `browser` (one per test) and `page` (a
fresh context and tab in it); a test that needs a second person opens `browser.new_context()`.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from typing import overload

import pytest
from playwright.async_api import Browser, BrowserContext, Expect, Locator, Page, async_playwright
from playwright.async_api._generated import LocatorAssertions, PageAssertions

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TIMEOUT_MS = 20_000  # a shared two-core machine: generous, a passing test never waits this long

__all__ = ["Browser", "BrowserContext", "Page", "browser", "expect", "new_context", "page"]


@overload
def expect(actual: Page) -> PageAssertions: ...
@overload
def expect(actual: Locator) -> LocatorAssertions: ...
def expect(actual: Page | Locator) -> PageAssertions | LocatorAssertions:
    """Playwright's `expect` (retries until true) with the tests' timeout instead of 5 s."""
    assertions = Expect()
    assertions.set_options(timeout=TIMEOUT_MS)
    return assertions(actual)


async def new_context(browser: Browser) -> BrowserContext:
    """A context (cookies, storage: a separate person) with the tests' timeouts."""
    context = await browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert CHROMIUM, "Debian's chromium package is required (make test installs it)"
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-quic"])
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await new_context(browser)
    try:
        yield await context.new_page()
    finally:
        await context.close()
