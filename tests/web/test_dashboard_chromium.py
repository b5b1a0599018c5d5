"""Parse Dashboard (npm, the release `make dashboard` runs) against parse-compat with the dental
template, in headless Chromium (issue 14, deliverable 5).

The dashboard is started by `make dashboard`'s launcher from the server's credentials.json, with its
generated user; the person signs in, opens the data browser, the Patient class and a seeded row, edits
a cell of it, then schedules a job in the Jobs screen — the server stores it in `_JobSchedule` as Parse
does and the scheduler runs it at its time of day, not before — and reads that run in the Logs screen.
Every request the dashboard's pages make must succeed: a failed one is a difference from Parse Server.

One storage adapter (SQLite): the API under the dashboard is tested on every adapter elsewhere.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from parse_compat.cloud.runtime import CloudRuntime
from parse_compat.codec.dates import parse_iso
from tests.api.conftest import APP_ID, MASTER_KEY, Client
from tests.cloud.dental_support import member

from .browser import Page, expect
from .dashboard_cloud import UNSCHEDULED_JOB
from .dashboard_support import Dashboard, Findings, form_field, keep_local, run_dashboard, sign_in, write_credentials

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(cloud="tests.web.dashboard_cloud")]
APP_NAME = "parse-compat"  # the launcher's default --appName: the dashboard's URLs carry it
TEMPLATE_SCHEDULE = "Email patients about appointments in the next 24 hours"


@pytest.fixture
def adapter_name() -> str:
    return "sqlite"


def next_run(start_after: datetime, hour: int, minute: int) -> datetime:
    """The first moment at or after `start_after` that is hour:minute UTC."""
    slot = start_after.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return slot if slot >= start_after else slot + timedelta(days=1)


async def schedules_of(api: Client, job_name: str) -> list[dict[str, object]]:
    reply = await api.get("/classes/_JobSchedule", master=True, params={"where": {"jobName": job_name}})
    assert reply.status == 200, reply.body
    return list(reply.body["results"])


async def open_patient_row(page: Page, dashboard: Dashboard, patient_id: str) -> None:
    await page.goto(f"{dashboard.url}/apps/{APP_NAME}/browser")
    await page.get_by_role("link", name="Patient", exact=False).first.click()
    await expect(page).to_have_url(f"{dashboard.url}/apps/{APP_NAME}/browser/Patient")
    await expect(page.get_by_text("1 object").first).to_be_visible()
    for column in ("name", "email", "phone", "owner"):
        await expect(page.get_by_text(column, exact=True).first).to_be_visible()
    row = page.get_by_text(patient_id, exact=True)
    await expect(row).to_be_visible()
    await row.click()
    for value in ("Ann Lee", "ann@patients.example", "555-0100"):
        await expect(page.get_by_text(value, exact=True)).to_be_visible()


async def edit_cell(page: Page, old: str, new: str) -> None:
    """Double-click a cell of the data browser, type a new value, Enter: Dashboard saves the row."""
    await page.get_by_text(old, exact=True).dblclick()
    await page.keyboard.press("Control+A")
    await page.keyboard.type(new)
    await page.keyboard.press("Enter")
    await expect(page.get_by_text(new, exact=True)).to_be_visible()


async def schedule_daily(page: Page, dashboard: Dashboard, hour: int, minute: int) -> None:
    """Dashboard's "Schedule a job" form: the unscheduled job, repeating daily at hour:minute UTC."""
    await page.goto(f"{dashboard.url}/apps/{APP_NAME}/jobs/scheduled")
    await expect(page.get_by_text(TEMPLATE_SCHEDULE)).to_be_visible()
    await page.get_by_role("button", name="Schedule a job").click()
    await page.get_by_placeholder("Pick a good name…").fill("Nightly check")
    await form_field(page, "Cloud job", "*[@role='combobox']").get_by_role("combobox").click()
    await page.get_by_role("option", name=UNSCHEDULED_JOB, exact=True).click()
    await form_field(page, "Should it repeat?", "span").locator("span").last.click()
    when = form_field(page, "When should it run each day?", "*[@role='combobox']").get_by_role("combobox")
    await when.nth(0).click()
    await page.get_by_role("option", name=str(hour), exact=True).click()
    await when.nth(1).click()
    await page.get_by_role("option", name=f"{minute:02d}", exact=True).click()
    await expect(page.get_by_text(f"It will repeat every day at {hour}:{minute:02d} UTC")).to_be_visible()
    await page.get_by_role("button", name="Schedule", exact=True).click()
    await expect(page).to_have_url(f"{dashboard.url}/apps/{APP_NAME}/jobs/scheduled")
    await expect(page.get_by_text(f"Every day, after {hour:02d}:{minute:02d}")).to_be_visible()


async def test_dashboard_browses_data_schedules_a_job_and_shows_logs(api: Client, page: Page, tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="parse_compat")  # the server's default --logLevel (the test runner's: warn)
    admin = await member(api, "dr.admin", role="administrator")
    created = await api.post("/classes/Patient", {"name": "Ann Lee", "email": "ann@patients.example",
                                                  "phone": "555-0100"}, session_token=admin.token)
    assert created.status == 201, created.body
    patient_id = created.body["objectId"]
    data_dir = tmp_path / "data"
    write_credentials(data_dir, APP_ID, MASTER_KEY)
    runtime: CloudRuntime | None = api.state.services.cloud
    assert runtime is not None

    async with run_dashboard(data_dir, api.base) as dashboard:
        async with aiohttp.ClientSession() as anonymous:  # the master key is not served without signing in
            async with anonymous.get(dashboard.url + "/parse-dashboard-config.json") as reply:
                assert reply.status == 401 and MASTER_KEY not in await reply.text()
        await keep_local(page)
        findings = Findings(page)
        await page.set_viewport_size({"width": 1400, "height": 900})
        await sign_in(page, dashboard)
        await expect(page.get_by_text("Server version: 9.10.0")).to_be_visible()

        await open_patient_row(page, dashboard, patient_id)
        async with page.expect_response(lambda r: f"/classes/Patient/{patient_id}" in r.url) as saved:
            await edit_cell(page, "555-0100", "555-0199")
        assert (await saved.value).status == 200
        stored_patient = (await api.get(f"/classes/Patient/{patient_id}", master=True)).body
        assert (stored_patient["phone"], stored_patient["name"]) == ("555-0199", "Ann Lee")

        before = datetime.now(UTC)
        hour, minute = (before + timedelta(hours=3)).hour, 30
        await schedule_daily(page, dashboard, hour, minute)
        [stored] = await schedules_of(api, UNSCHEDULED_JOB)
        assert {k: stored[k] for k in ("description", "params", "daysOfWeek", "repeatMinutes", "timeOfDay")} == {
            "description": "Nightly check", "params": "{}", "daysOfWeek": [1] * 7, "repeatMinutes": 1440,
            "timeOfDay": f"{hour:02d}:{minute:02d}:00.000Z"}
        start_after = parse_iso(str(stored["startAfter"]))
        assert before - timedelta(minutes=1) <= start_after <= datetime.now(UTC)
        listed = (await api.get("/cloud_code/jobs", master=True)).body
        assert stored["objectId"] in [row["objectId"] for row in listed]

        # The scheduler runs it at its time of day, not a minute before.
        slot = next_run(start_after, hour, minute)
        await runtime.scheduler.tick(slot - timedelta(minutes=1))
        assert "lastRun" not in (await schedules_of(api, UNSCHEDULED_JOB))[0]
        started = await runtime.scheduler.tick(slot)
        assert (await schedules_of(api, UNSCHEDULED_JOB))[0]["lastRun"] == int(slot.timestamp() * 1000)
        await runtime.jobs.wait_idle()
        statuses = [(await api.get(f"/classes/_JobStatus/{job_id}", master=True)).body for job_id in started]
        [run] = [status for status in statuses if status["jobName"] == UNSCHEDULED_JOB]
        assert (run["status"], run["source"], run["message"]) == ("succeeded", "schedule", "nothing to check")

        # The Logs screen (GET /scriptlog) shows that run.
        await page.goto(f"{dashboard.url}/apps/{APP_NAME}/logs/info")
        await expect(page.get_by_text(f"job {UNSCHEDULED_JOB} ({run['objectId']}) succeeded")).to_be_visible()
        await page.goto(f"{dashboard.url}/apps/{APP_NAME}/logs/error")  # level=error: no error line was logged
        await expect(page.get_by_text("No logs in the last 30 days")).to_be_visible()

        await page.wait_for_load_state("networkidle")  # every answer in, then judged
        assert findings.items == [], json.dumps(findings.items, indent=1)
