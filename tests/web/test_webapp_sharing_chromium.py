"""Issue 16, "share with a colleague": a staff member who owns a patient (not an administrator,
so unable to read other accounts) picks a named colleague in the share dialog, which lists the
practice's staff through the `listColleagues` cloud function; the colleague then sees the
patient, another colleague does not, and "Stop sharing" takes it back. axe-core checks the
dialog."""

from __future__ import annotations

import pytest

from tests.api.conftest import Client
from tests.cloud.dental_support import PASSWORD, member

from .browser import Browser, Page, expect, new_context
from .webapp_support import PageErrors, app_url, assert_accessible, sign_in

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(cloud="cloud_code")]


@pytest.fixture
def adapter_name() -> str:
    return "sqlite"  # a browser test of the app; the API under it is tested on every adapter elsewhere


async def patients_shared_with_me(page: Page) -> None:
    await page.get_by_label("Show").select_option(label="Shared with me")
    await page.get_by_role("button", name="Search").click()


async def test_a_staff_owner_shares_a_patient_with_a_named_colleague(api: Client, browser: Browser,
                                                                    page: Page) -> None:
    await member(api, "dr.admin", role="administrator")
    cora = await member(api, "cora")
    for name in ("dana", "eve"):
        await member(api, name)
    created = await api.post("/classes/Patient", {"name": "Bea Moss", "email": "bea@patients.example",
                                                  "phone": "555-0142"}, session_token=cora.token)
    assert created.status == 201, created.body
    errors = PageErrors(page)
    url = app_url(api.base)
    await sign_in(page, url, "cora", PASSWORD)
    assert await page.get_by_role("link", name="Staff").is_hidden()  # not an administrator
    await page.get_by_role("link", name="Bea Moss").click()
    sharing = page.get_by_role("region", name="Sharing")
    whom = sharing.get_by_label("Share with")
    # the role stays an option; the people are the other staff (not the owner, not administrators)
    await expect(whom.locator("option")).to_have_text(["All staff", "dana", "eve"])
    await expect(sharing.get_by_role("listitem")).to_have_text(["Not shared with anyone."])
    await whom.select_option(label="dana")
    await sharing.get_by_label("Access").select_option(label="Can read")
    await sharing.get_by_role("button", name="Share").click()
    await expect(sharing.get_by_role("listitem")).to_have_text(["dana: can read Stop sharing"])
    await expect(page.locator("#announce")).to_have_text("Shared with dana.")
    await assert_accessible(page, "patient profile, shared by its owner")

    dana_context = await new_context(browser)
    dana = await dana_context.new_page()
    dana_errors = PageErrors(dana)
    await sign_in(dana, url, "dana", PASSWORD)
    await patients_shared_with_me(dana)
    await dana.get_by_role("link", name="Bea Moss").click()
    await expect(dana.get_by_role("heading", level=1)).to_have_text("Bea Moss")
    await expect(dana.get_by_text("Shared with you")).to_be_visible()
    await expect(dana.get_by_role("region", name="Sharing")).to_have_count(0)  # read access: not the owner
    eve_context = await new_context(browser)
    eve = await eve_context.new_page()
    await sign_in(eve, url, "eve", PASSWORD)
    await expect(eve.get_by_text("No patients yet.")).to_be_visible()

    await sharing.get_by_role("button", name="Stop sharing with dana").click()
    await expect(sharing.get_by_role("listitem")).to_have_text(["Not shared with anyone."])
    await dana.goto(url)  # the list again, from the server
    await patients_shared_with_me(dana)
    await expect(dana.get_by_text("No patients yet.")).to_be_visible()
    await expect(dana.get_by_role("link", name="Bea Moss")).to_have_count(0)
    await dana_context.close()
    await eve_context.close()
    assert errors.errors == [] and dana_errors.errors == []
