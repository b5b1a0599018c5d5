"""The `sendAppointmentReminders` job against a real SMTP server (aiosmtpd): one email per
reminder due in the next 24 hours, `reminderSent` set, never twice, even when runs overlap in
one process or in two processes sharing the database."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from parse_compat.auth.identity import Auth
from parse_compat.cloud.sdk import CloudSDK
from parse_compat.errors import ParseError

from .conftest import Client, Running, start
from .dental_support import Practice, date_in, practice
from .smtp_server import SmtpServer

JOB = "sendAppointmentReminders"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer(delay=0.05) as server:
        yield server


@pytest.fixture
def settings_overrides(smtp: SmtpServer) -> dict[str, Any]:
    return {"cloud": "cloud_code", "emailAdapter": smtp.adapter_options}


async def reminder(clinic: Practice, patient: str, **when: float) -> str:
    reply = await clinic.record(clinic.staff1, "AppointmentReminder", patient, appointmentDate=date_in(**when))
    assert reply.status == 201, reply.body
    return str(reply.body["objectId"])


async def sent_flags(api: Client) -> dict[str, Any]:
    rows = (await api.get("/classes/AppointmentReminder", master=True)).body["results"]
    return {row["objectId"]: row.get("reminderSent") for row in rows}


async def statuses(api: Client) -> list[dict[str, Any]]:
    where = json.dumps({"jobName": JOB})
    return list((await api.get("/classes/_JobStatus", master=True, params={"where": where})).body["results"])


async def setup_reminders(clinic: Practice) -> dict[str, str]:
    ann = await clinic.patient(clinic.staff1, "Ann")
    bob = await clinic.patient(clinic.staff2, "Bob")
    ids = {
        "ann_soon": await reminder(clinic, ann, hours=2),
        "ann_later": await reminder(clinic, ann, days=3),  # outside the 24 h window
    }
    bob_reply = await clinic.record(clinic.staff2, "AppointmentReminder", bob, appointmentDate=date_in(hours=20))
    ids["bob_tomorrow"] = bob_reply.body["objectId"]
    done = await clinic.record(clinic.staff2, "AppointmentReminder", bob, appointmentDate=date_in(hours=5))
    await clinic.api.put(f"/classes/AppointmentReminder/{done.body['objectId']}", {"reminderSent": True}, master=True)
    ids["bob_already_sent"] = done.body["objectId"]
    return ids


async def test_two_overlapping_runs_send_each_reminder_once(running: Running, smtp: SmtpServer) -> None:
    api = running.client
    clinic = await practice(api)
    ids = await setup_reminders(clinic)
    first, second = await asyncio.gather(api.post(f"/jobs/{JOB}", {}, master=True),
                                         api.post(f"/jobs/{JOB}", {}, master=True))
    assert first.status == second.status == 200
    await running.runtime.jobs.wait_idle()
    assert smtp.handler.recipients() == ["ann@patients.example", "bob@patients.example"]
    flags = await sent_flags(api)
    assert flags[ids["ann_soon"]] is True and flags[ids["bob_tomorrow"]] is True
    assert not flags[ids["ann_later"]]
    runs = await statuses(api)
    assert [run["status"] for run in runs] == ["succeeded", "succeeded"]
    assert sum(int(run["message"].split()[1]) for run in runs) == 2
    assert all(", 0 failed, 0 without an email address, " in run["message"] for run in runs)
    message = next(item.message for item in smtp.handler.delivered if "ann@patients.example" in item.recipients)
    assert message["From"] == "clinic@example.com" and message["Subject"] == "Your dental appointment reminder"
    assert "Dear Ann," in message.get_payload()[0].get_payload()  # text part; an escaped HTML part follows
    again = (await api.post(f"/jobs/{JOB}", {}, master=True)).headers["X-Parse-Job-Status-Id"]
    await running.runtime.jobs.wait_idle()
    assert len(smtp.handler.delivered) == 2
    rerun = (await api.get(f"/classes/_JobStatus/{again}", master=True)).body
    assert rerun["message"].startswith("sent 0 reminder(s)")


async def test_the_declared_schedule_runs_the_job(running: Running, smtp: SmtpServer) -> None:
    api = running.client
    clinic = await practice(api)
    patient = await clinic.patient(clinic.staff1, "Cleo")
    await reminder(clinic, patient, hours=1)
    rows = (await api.get("/cloud_code/jobs", master=True)).body
    assert [(row["jobName"], row["repeatMinutes"]) for row in rows] == [(JOB, 15)]
    started = await running.runtime.scheduler.tick(datetime.now(UTC))
    assert len(started) == 1
    await running.runtime.jobs.wait_idle()
    assert smtp.handler.recipients() == ["cleo@patients.example"]
    assert await running.runtime.scheduler.tick(datetime.now(UTC)) == []  # next run in 15 minutes


async def test_a_refused_delivery_is_retried_by_a_later_run(running: Running, smtp: SmtpServer) -> None:
    api = running.client
    clinic = await practice(api)
    patient = await clinic.patient(clinic.staff1, "Dan")
    target = await reminder(clinic, patient, hours=3)
    smtp.handler.refuse.add("dan@patients.example")
    job_id = (await api.post(f"/jobs/{JOB}", {}, master=True)).headers["X-Parse-Job-Status-Id"]
    await running.runtime.jobs.wait_idle()
    status = (await api.get(f"/classes/_JobStatus/{job_id}", master=True)).body
    assert status["status"] == "succeeded" and "1 failed" in status["message"]
    assert (await sent_flags(api))[target] is False  # the claim was released
    smtp.handler.refuse.clear()
    await api.post(f"/jobs/{JOB}", {}, master=True)
    await running.runtime.jobs.wait_idle()
    assert smtp.handler.recipients() == ["dan@patients.example"]
    assert (await sent_flags(api))[target] is True


async def test_a_reminder_claim_is_won_once(running: Running) -> None:
    clinic = await practice(running.client)
    target = await reminder(clinic, await clinic.patient(clinic.staff1, "Fay"), hours=2)
    master = running.runtime.system_context()
    sdk = CloudSDK(master)
    claims = await asyncio.gather(*(sdk.update_if("AppointmentReminder", target, {"reminderSent": {"$ne": True}},
                                                  {"reminderSent": True}) for _ in range(5)))
    assert sorted(claims) == [False, False, False, False, True]
    staff_sdk = CloudSDK(master.with_auth(Auth()))
    with pytest.raises(ParseError):
        await staff_sdk.update_if("AppointmentReminder", target, {}, {"reminderSent": False})


@pytest.mark.parametrize("adapter_name", ["sqlite"])
async def test_runs_in_two_processes_sharing_the_database_send_once(tmp_path: Path, adapter_name: str,
                                                                     smtp: SmtpServer) -> None:
    overrides = {"cloud": "cloud_code", "emailAdapter": smtp.adapter_options}
    apps = [await start(tmp_path, adapter_name, overrides) for _ in range(2)]
    try:
        one, two = (Running(client, server) for server, client, _ in apps)
        clinic = await practice(one.client)
        patient = await clinic.patient(clinic.staff1, "Eve")
        await one.client.put("/config", {"params": {"reminderDailyCapPerRecipient": 10}}, master=True)
        for hours in (1, 2, 3, 4, 5, 6):
            await reminder(clinic, patient, hours=hours)
        await asyncio.gather(one.client.post(f"/jobs/{JOB}", {}, master=True),
                             two.client.post(f"/jobs/{JOB}", {}, master=True),
                             one.client.post(f"/jobs/{JOB}", {}, master=True))
        await asyncio.gather(one.runtime.jobs.wait_idle(), two.runtime.jobs.wait_idle())
        assert smtp.handler.recipients() == ["eve@patients.example"] * 6
        assert set((await sent_flags(one.client)).values()) == {True}
    finally:
        for server, _client, session in apps:
            await session.close()
            await server.close()


@pytest.mark.parametrize("settings_overrides", [{"cloud": "cloud_code"}])
async def test_without_smtp_nothing_is_sent_and_the_log_holds_no_patient_data(
        running: Running, caplog: pytest.LogCaptureFixture) -> None:
    api = running.client
    clinic = await practice(api)
    patient = await clinic.patient(clinic.staff1, "Secretname")
    target = await reminder(clinic, patient, hours=2)
    with caplog.at_level(logging.DEBUG):
        await api.post(f"/jobs/{JOB}", {}, master=True)
        await running.runtime.jobs.wait_idle()
    assert (await sent_flags(api))[target] is True
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "email not sent" in logged
    assert "secretname" not in logged.lower() and "patients.example" not in logged
