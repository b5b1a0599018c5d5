"""The practice's web app at /app (issue 16), driven in headless Chromium the way a person would:
an administrator signs in, creates a patient, uploads an x-ray and sees its thumbnail (a signed,
protected URL), adds a treatment plan, shares the patient with a colleague and moves the plan's
status — the colleague, signed in in a second browser context, sees the change appear live (Live
Query); a staff member without access sees none of it; an appointment shows in the week view;
signing out clears the screen and the browser's storage. axe-core checks every screen.

One storage adapter (SQLite): this is a test of the app in a browser; the API under it is tested
on every adapter elsewhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.api.conftest import Client
from tests.cloud.dental_support import PASSWORD, member

from .browser import Browser, Page, expect, new_context
from .webapp_support import PageErrors, app_url, assert_accessible, png, screenshot, sign_in

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(cloud="cloud_code")]


@pytest.fixture
def adapter_name() -> str:
    return "sqlite"


async def test_the_practice_works_in_a_real_browser(api: Client, browser: Browser, page: Page, tmp_path: Path) -> None:
    await member(api, "dr.admin", role="administrator")
    await member(api, "cora")  # the colleague the patient is shared with
    await member(api, "otto")  # staff without access
    url = app_url(api.base)
    errors = PageErrors(page)
    await page.set_viewport_size({"width": 1100, "height": 900})

    await page.goto(url)
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await assert_accessible(page, "sign in")
    await page.get_by_label("Username", exact=True).fill("dr.admin")
    await page.get_by_label("Password", exact=True).fill("not-the-password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("The username or password is not right.")
    await sign_in(page, url, "dr.admin", PASSWORD)
    await expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    await assert_accessible(page, "patients")

    # A new patient.
    await page.get_by_role("link", name="New patient").click()
    await page.get_by_label("Name", exact=True).fill("Ann Lee")
    await page.get_by_label("Email", exact=True).fill("ann@patients.example")
    await page.get_by_label("Phone", exact=True).fill("555-0100")
    await assert_accessible(page, "patient form")
    await page.get_by_role("button", name="Save patient").click()
    await expect(page.get_by_role("heading", name="Ann Lee")).to_be_visible()
    patient_id = page.url.rsplit("/", 1)[1]

    # An x-ray: a text file is refused in plain words, a PNG is uploaded and its thumbnail loads.
    upload = page.get_by_role("form", name="Upload an x-ray")
    await upload.get_by_label("X-ray image").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not an image"}])
    await upload.get_by_role("button", name="Upload x-ray").click()
    await expect(upload.get_by_role("alert")).to_contain_text("not an image")
    await upload.get_by_label("X-ray image").set_input_files(
        files=[{"name": "bitewing.png", "mimeType": "image/png", "buffer": png()}])
    await upload.get_by_label("Date of the image").fill("2026-11-30")
    await upload.get_by_role("button", name="Upload x-ray").click()
    thumbnail = page.get_by_role("img", name="X-ray taken 30 November 2026")
    await expect(thumbnail).to_be_visible()
    handle = await thumbnail.element_handle()
    await page.wait_for_function("img => img.complete && img.naturalWidth === 64", arg=handle)
    source = await thumbnail.get_attribute("src") or ""
    assert "/files/" in source and "bitewing" in source, source
    await page.get_by_role("button", name="Open the x-ray of 30 November 2026").click()
    viewer = page.get_by_role("dialog")
    full = viewer.get_by_role("img", name="X-ray taken 30 November 2026, full size")
    await page.wait_for_function("img => img.complete && img.naturalWidth === 64", arg=await full.element_handle())
    await page.keyboard.press("Escape")
    await expect(viewer).to_have_count(0)
    # A second x-ray dropped on the upload area instead of chosen.
    dropped = await page.evaluate_handle(
        "bytes => { const data = new DataTransfer(); data.items.add(new File([new Uint8Array(bytes)], 'panoramic.png', "
        "{type: 'image/png'})); return data; }", list(png(80, 40)))
    await upload.locator(".dropzone").dispatch_event("drop", {"dataTransfer": dropped})
    await upload.get_by_label("Date of the image").fill("2026-12-01")
    await upload.get_by_role("button", name="Upload x-ray").click()
    await expect(page.get_by_role("img", name="X-ray taken 1 December 2026")).to_be_visible()

    # A treatment plan, shared with a colleague (read access).
    plans = page.get_by_role("region", name="Treatment plans")
    await page.get_by_label("Treatment details").fill("Crown on 14")
    await page.get_by_role("button", name="Add plan").click()
    plan = plans.locator("li.plan", has_text="Crown on 14")
    await expect(plan.locator(".status")).to_have_text("Planned")
    sharing = page.get_by_role("region", name="Sharing")
    await sharing.get_by_label("Share with").select_option(label="cora")
    await sharing.get_by_role("button", name="Share").click()
    await expect(sharing.get_by_role("listitem").filter(has_text="cora")).to_contain_text("can read")

    # An appointment in two days at 10:00 (browser time), then the profile as a whole.
    when = (datetime.now() + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    appointments = page.get_by_role("region", name="Appointments")
    await appointments.get_by_label("Date and time").fill(when.strftime("%Y-%m-%dT%H:%M"))
    await appointments.get_by_role("button", name="Add appointment").click()
    await expect(appointments.get_by_role("listitem").filter(has_text="Reminder pending")).to_have_count(1)
    later = when + timedelta(hours=1)  # rescheduled to 11:00
    await appointments.get_by_label("New time for the appointment of").fill(later.strftime("%Y-%m-%dT%H:%M"))
    await appointments.get_by_role("button", name="Reschedule").click()
    await expect(appointments.get_by_role("listitem").first).to_contain_text("11:00")
    await assert_accessible(page, "patient profile")
    await page.set_viewport_size({"width": 768, "height": 1024})  # a tablet held upright: nothing runs off the side
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await page.set_viewport_size({"width": 1100, "height": 900})

    # The colleague signs in in another browser context and opens the patient.
    colleague_context = await new_context(browser)
    colleague = await colleague_context.new_page()
    colleague_errors = PageErrors(colleague)
    await sign_in(colleague, url, "cora", PASSWORD)
    await colleague.get_by_label("Show").select_option(label="Shared with me")
    await colleague.get_by_role("button", name="Search").click()
    await colleague.get_by_role("link", name="Ann Lee").click()
    their_plans = colleague.get_by_role("region", name="Treatment plans")
    await expect(their_plans).to_have_attribute("data-live", "open")  # subscribed
    await expect(their_plans.locator("li.plan .status")).to_have_text("Planned")
    await expect(their_plans.get_by_role("button")).to_have_count(0)  # read access: no status moves
    await colleague.evaluate("window.notReloaded = true")

    # The administrator starts the treatment; the colleague's screen changes by itself.
    await plan.get_by_role("button", name="Start treatment: Crown on 14").click()
    await expect(plan.locator(".status")).to_have_text("In progress")
    await expect(their_plans.locator("li.plan .status")).to_have_text("In progress")
    assert await colleague.evaluate("window.notReloaded === true")
    await plan.get_by_role("button", name="Mark completed: Crown on 14").click()
    await expect(their_plans.locator("li.plan .status")).to_have_text("Completed")
    await expect(plan.get_by_role("button")).to_have_count(0)  # closed: no more moves
    await screenshot(page, tmp_path, "patient.png", full_page=True)
    await expect(colleague.get_by_role("img", name="X-ray taken 30 November 2026")).to_be_visible()

    # A staff member without access sees none of it.
    outsider_context = await new_context(browser)
    outsider = await outsider_context.new_page()
    await sign_in(outsider, url, "otto", PASSWORD)
    await expect(outsider.get_by_text("No patients yet.")).to_be_visible()
    await outsider.goto(f"{url}#/patients/{patient_id}")
    await expect(outsider.get_by_role("alert")).to_have_text(
        "This record was not found, or you do not have access to it.")
    await outsider.goto(f"{url}#/appointments")
    await expect(outsider.get_by_role("heading", level=1)).to_contain_text("Week of")
    assert await outsider.get_by_text("Ann Lee").count() == 0
    await outsider_context.close()

    # The week view shows the appointment.
    monday = (when - timedelta(days=when.weekday())).strftime("%Y-%m-%d")
    await page.goto(f"{url}#/appointments?week={monday}")
    day = page.get_by_role("region", name=when.strftime("%A %-d %b"))
    await expect(day.get_by_role("link", name="Ann Lee")).to_be_visible()
    await expect(day).to_contain_text("11:00")
    await assert_accessible(page, "week view")
    await screenshot(page, tmp_path, "week.png")

    # Administrator screens: staff, and the patient's access log (the colleague's reads are in it).
    await page.get_by_role("link", name="Staff").click()
    await expect(page.get_by_role("row", name="cora")).to_be_visible()
    await assert_accessible(page, "staff")
    await page.goto(f"{url}#/patients/{patient_id}")
    log = page.get_by_role("region", name="Access log")
    await log.get_by_role("button", name="Show access log").click()
    await expect(log.get_by_role("row").filter(has_text="cora").first).to_be_visible()
    await assert_accessible(page, "access log")

    # Signing out clears the screen and the browser's storage; an x-ray never enters the browser's
    # cache (the server answers protected downloads with Cache-Control: private, no-store).
    image_url = await colleague.get_by_role("img", name="X-ray taken 30 November 2026").evaluate("img => img.src")
    cached = "url => fetch(url, {cache: 'only-if-cached', mode: 'same-origin'}).then(r => r.status, () => 'not cached')"
    assert await colleague.evaluate(cached, image_url) == "not cached"
    await colleague.get_by_role("button", name="Sign out").click()
    await expect(colleague.get_by_role("heading", name="Sign in")).to_be_visible()
    assert await colleague.get_by_text("Ann Lee").count() == 0
    assert await colleague.get_by_text("Crown on 14").count() == 0
    assert await colleague.evaluate("sessionStorage.length + localStorage.length") == 0
    assert await colleague.evaluate(cached, image_url) == "not cached"
    await colleague.go_back()
    await expect(colleague.get_by_role("heading", name="Sign in")).to_be_visible()
    assert await colleague.get_by_text("Ann Lee").count() == 0
    await colleague_context.close()
    assert errors.errors == [] and colleague_errors.errors == []
