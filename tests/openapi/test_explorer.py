"""The REST API explorer (Swagger UI at `/playground/rest`): off unless the playground is mounted,
served by this server alone with a strict CSP and no key in the page; in headless Chromium, with
every request outside the server refused, it renders the dental classes a staff member may use."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from playwright.async_api import Browser, Page, Route

from tests.cloud.dental_support import member
from tests.web.browser import browser, expect, new_context  # noqa: F401 - the browser fixture

from .conftest import MASTER_KEY, Client

pytestmark = pytest.mark.asyncio


def root(api: Client) -> str:
    return api.base.rsplit("/parse", 1)[0]


async def test_the_explorer_is_off_unless_the_playground_is_mounted(api: Client) -> None:
    async with aiohttp.ClientSession() as session, session.get(root(api) + "/playground/rest") as resp:
        assert resp.status == 404


@pytest.mark.settings(mountPlayground=True)
async def test_the_explorer_page_loads_only_local_bundles_and_no_key(api: Client) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(root(api) + "/playground/rest") as resp:
            assert resp.status == 200 and resp.content_type == "text/html"
            page = await resp.text()
            csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "unsafe-eval" not in csp
        assert MASTER_KEY not in page and "http://" not in page and "https://" not in page
        assert 'data-document="/parse/openapi.json"' in page
        sources = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert len(sources) == 3
        for source in sources:
            async with session.get(root(api) + source) as resp:
                assert resp.status == 200 and len(await resp.read()) > 200, source
        async with session.get(root(api) + "/playground/rest/assets/..%2F..%2Fapp.py") as resp:
            assert resp.status == 404


@pytest.fixture
async def offline_page(browser: Browser, api: Client) -> AsyncIterator[tuple[Page, list[str]]]:  # noqa: F811
    """A Chromium tab that may reach the test server only; every other request is refused and kept."""
    context = await new_context(browser)
    refused: list[str] = []

    async def only_this_server(route: Route) -> None:
        if route.request.url.startswith(root(api) + "/"):
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_this_server)
    try:
        yield await context.new_page(), refused
    finally:
        await context.close()


@pytest.mark.settings(mountPlayground=True)
async def test_the_explorer_renders_the_dental_classes_offline(api: Client,
                                                               offline_page: tuple[Page, list[str]]) -> None:
    page, refused = offline_page
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    staff = await member(api, "sam")
    await page.goto(root(api) + "/playground/rest")
    # Without a session the document lists no dental class (they require a logged-in user).
    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("parse-compat REST API")
    await expect(page.get_by_text("/classes/Patient", exact=True)).to_have_count(0)
    await page.get_by_label("Session token").fill(staff.token)
    await page.get_by_role("button", name="Load the API").click()
    for name in ("Patient", "XRayLog", "TreatmentPlan", "AppointmentReminder"):
        await expect(page.locator(f'.opblock-tag-section h3[data-tag="{name}"]')).to_be_visible()
    # "Try it out" on GET /classes/Patient: the page adds the typed session to the request.
    operation = page.locator("#operations-Patient-find_Patient")
    await operation.locator(".opblock-summary-control").click()
    await operation.get_by_role("button", name="Try it out").click()
    await operation.get_by_role("button", name="Execute").click()
    await expect(operation.locator(".live-responses-table tbody .response-col_status")).to_have_text("200")
    await expect(operation.locator(".live-responses-table .microlight").first).to_contain_text('"results"')
    assert refused == [] and problems == [], (refused, problems)
