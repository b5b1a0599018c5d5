"""The web app's patient list and session screens in headless Chromium (issue 16): server-side
search on name, email and phone with paging, "Mine" and "Shared with me"; the idle warning and
the sign-out that follows it; a staff member does not get the administrator's screens."""

from __future__ import annotations

import pytest

from tests.api.conftest import Client
from tests.cloud.dental_support import PASSWORD, member

from .browser import Page, expect
from .webapp_support import PageErrors, app_url, assert_accessible, load_axe, sign_in

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(cloud="cloud_code")]


@pytest.fixture
def adapter_name() -> str:
    return "sqlite"  # a browser test of the app; the API under it is tested on every adapter elsewhere


async def add_patient(api: Client, token: str, name: str, email: str, phone: str) -> None:
    reply = await api.post("/classes/Patient", {"name": name, "email": email, "phone": phone}, session_token=token)
    assert reply.status == 201, reply.body


async def test_search_paging_mine_and_shared(api: Client, page: Page) -> None:
    admin = await member(api, "dr.admin", role="administrator")
    cora = await member(api, "cora")
    for number in range(1, 23):
        await add_patient(api, admin.token, f"Patient {chr(64 + number)}", f"p{number}@patients.example",
                          f"555-01{number:02d}")
    await add_patient(api, cora.token, "Zoe Quill", "zoe@elsewhere.example", "555-9999")
    errors = PageErrors(page)
    url = app_url(api.base)
    await sign_in(page, url, "dr.admin", PASSWORD)
    table = page.get_by_role("table")
    await expect(table.locator("caption")).to_have_text("23 patients, page 1 of 2")
    await expect(table.locator("tbody tr")).to_have_count(20)
    await page.get_by_role("link", name="Next page").click()
    await expect(table.locator("caption")).to_have_text("23 patients, page 2 of 2")
    await expect(table.locator("tbody tr")).to_have_count(3)
    await expect(page.get_by_role("link", name="Next page")).to_have_count(0)

    search = page.get_by_label("Search by name, email or phone")
    for text, expected in (("zoe@ELSEWHERE", ["Zoe Quill"]), ("555-0107", ["Patient G"]),
                           ("patient b", ["Patient B"]), ("(.*)", [])):
        await search.fill(text)
        await page.get_by_role("button", name="Search").click()
        if expected:
            await expect(page.locator("tbody tr td:first-child")).to_have_text(expected)
        else:
            await expect(page.get_by_text("No patient matches this search.")).to_be_visible()
    await search.fill("")
    await page.get_by_label("Show").select_option(label="Shared with me")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("tbody tr td:first-child")).to_have_text(["Zoe Quill"])
    await page.get_by_label("Show").select_option(label="Mine")
    await page.get_by_role("button", name="Search").click()
    await expect(table.locator("caption")).to_have_text("22 patients, page 1 of 2")
    await assert_accessible(page, "patients, filtered")
    assert errors.errors == []


async def test_staff_see_their_own_screens_only(api: Client, page: Page) -> None:
    await member(api, "cora")
    url = app_url(api.base)
    await page.goto(url)
    await page.get_by_role("button", name="Forgot your password?").click()
    await page.get_by_label("Email").fill("cora@clinic.example")
    await page.get_by_role("button", name="Send reset link").click()
    await expect(page.get_by_role("status").filter(has_text="link")).to_contain_text("a link to choose a new password")
    await assert_accessible(page, "password reset request")
    await page.goto(url)  # by keyboard alone: the username field has the focus
    await expect(page.get_by_label("Username", exact=True)).to_be_focused()
    await page.keyboard.type("cora")
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("No patients yet.")).to_be_visible()
    assert await page.get_by_role("link", name="Staff").is_hidden()
    await page.goto(f"{url}#/staff")  # not an administrator: the patients list instead
    await expect(page.get_by_role("heading", level=1)).to_have_text("Patients")


@pytest.mark.settings(cloud="cloud_code", sessionIdleTimeout=21)
async def test_the_idle_warning_then_sign_out(api: Client, page: Page) -> None:
    # 21 s: the warning after 14 s without a request, the sign-out at 18.9 s (the server's at 21 s).
    await member(api, "cora")
    url = app_url(api.base)
    await sign_in(page, url, "cora", PASSWORD)
    await load_axe(page)  # before the warning: it is up for a few seconds only
    warning = page.get_by_role("alertdialog")
    await expect(warning).to_be_visible()
    await expect(warning.get_by_role("button", name="Stay signed in")).to_be_focused()
    await assert_accessible(page, "idle warning", "#idle")
    await warning.get_by_role("button", name="Stay signed in").click()  # a request: the clock restarts
    await expect(warning).to_be_hidden()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=30_000)
    await expect(page.get_by_role("alert")).to_have_text("You were signed out after a period of inactivity.")
    assert await page.evaluate("sessionStorage.length + localStorage.length") == 0
