"""Issue 12, reminder mail that cannot be abused: patient contact fields are checked on save, the
mail is one fixed text with escaped values, patients can opt out, and daily caps hold per
practice and per recipient."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from parse_compat.codec.dates import format_iso
from parse_compat.rest.write import new_object_id

from .conftest import Outbox, Running
from .dental_support import date_in, practice

JOB = "sendAppointmentReminders"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code"}


def format_iso_now() -> str:
    return format_iso(datetime.now(UTC))


async def run_job(running: Running) -> str:
    reply = await running.client.post(f"/jobs/{JOB}", {}, master=True)
    assert reply.status == 200, reply.body
    await running.runtime.jobs.wait_idle()
    rows = (await running.client.get("/classes/_JobStatus", master=True)).body["results"]
    return str(sorted(rows, key=lambda row: row["createdAt"])[-1]["message"])


PHISHING_NAMES = ["Ann\nYour account is suspended", "Visit clinic-refunds.com now", "<a href=x>Ann</a>",
                  "Ann http://evil.example/x", "Call 0800 123 456", "Ann\r\nBcc: all@example.com", "A" * 81,
                  "one two three four five six seven"]
BAD_EMAILS = ["ann@patients.example\nBcc: x@y.z", "ann @patients.example", "ann@patients.example, x@y.z",
              "<ann@patients.example>", "ann", "ann@localhost"]


async def test_patient_contact_fields_are_checked_on_save(running: Running) -> None:
    api = running.client
    clinic = await practice(api)
    for name in PHISHING_NAMES:
        for master in (False, True):
            body = {"name": name, "email": "ann@patients.example", "phone": "555"}
            reply = (await api.post("/classes/Patient", body, master=True) if master
                     else await clinic.as_(clinic.staff1, "POST", "/classes/Patient", body))
            assert reply.body["code"] == 142, (name, reply.body)
    for email in BAD_EMAILS:
        reply = await clinic.as_(clinic.staff1, "POST", "/classes/Patient", {"name": "Ann", "email": email,
                                                                            "phone": "555"})
        assert reply.body == {"code": 142, "error": "email must be a plain email address."}, email
    good = await clinic.patient(clinic.staff1, "Ann-Marie O'Neil", email="ann.marie+oneil@patients.example")
    renamed = await clinic.as_(clinic.staff1, "PUT", f"/classes/Patient/{good}", {"name": "Ann <b>bold</b>"})
    assert renamed.body["code"] == 142
    count = await api.get("/classes/Patient", master=True, params={"count": 1, "limit": 0})
    assert count.body["count"] == 1


async def test_the_mail_is_the_fixed_text_with_escaped_values(running: Running, outbox: Outbox) -> None:
    api = running.client
    clinic = await practice(api)
    await api.put("/config", {"params": {"practiceName": "Smile & <Co>\nClick http://x", "practicePhone": "555 0100"}},
                  master=True)
    patient = await clinic.patient(clinic.staff1, "Ann")
    await clinic.record(clinic.staff1, "AppointmentReminder", patient, appointmentDate=date_in(hours=3))
    # a patient stored before the rules (straight into the database) with a phishing name
    storage, schema = running.state.storage, running.state.schemas.get("Patient")
    legacy = new_object_id(10)
    acl_doc = {"_rperm": [clinic.staff1.id], "_wperm": [clinic.staff1.id]}
    await storage.insert(schema, {"objectId": legacy, "createdAt": format_iso_now(), "updatedAt": format_iso_now(),
                                  "name": "Your card is blocked, see evil.example", "email": "bob@patients.example",
                                  "phone": "1", **acl_doc})
    made = await clinic.record(clinic.staff1, "AppointmentReminder", legacy, appointmentDate=date_in(hours=4))
    assert made.status == 201, made.body
    message = await run_job(running)
    assert message.startswith("sent 2 reminder(s)")
    by_recipient = {mail.to: mail for mail in outbox.sent}
    ann = by_recipient["ann@patients.example"]
    assert ann.subject == "Your dental appointment reminder"
    assert ann.text.startswith("Dear Ann,\n\nThis is a reminder of your appointment at Smile & <Co> Click http://x")
    assert "please call us on 555 0100" in ann.text
    assert ann.html is not None and "Smile &amp; &lt;Co&gt;" in ann.html and "<Co>" not in ann.html
    bob = by_recipient["bob@patients.example"]
    assert bob.text.startswith("Dear patient,") and "evil" not in bob.text and "evil" not in (bob.html or "")


async def test_opted_out_patients_get_no_reminder(running: Running, outbox: Outbox) -> None:
    clinic = await practice(running.client)
    quiet = await clinic.patient(clinic.staff1, "Quiet", reminderOptOut=True)
    await clinic.record(clinic.staff1, "AppointmentReminder", quiet, appointmentDate=date_in(hours=2))
    message = await run_job(running)
    assert outbox.sent == [] and "1 opted out" in message


async def test_daily_caps_per_practice_and_per_recipient(running: Running, outbox: Outbox) -> None:
    api = running.client
    clinic = await practice(api)
    await api.put("/config", {"params": {"reminderDailyCap": 3, "reminderDailyCapPerRecipient": 1}}, master=True)
    family = [await clinic.patient(clinic.staff1, name, email="family@patients.example") for name in ("Al", "Bo")]
    others = [await clinic.patient(clinic.staff1, name) for name in ("Cy", "Di", "Ed")]
    for hours, patient in enumerate(family + others, start=1):
        await clinic.record(clinic.staff1, "AppointmentReminder", patient, appointmentDate=date_in(hours=hours))
    message = await run_job(running)
    recipients = [mail.to for mail in outbox.sent]
    assert recipients == ["family@patients.example", "cy@patients.example", "di@patients.example"]
    assert "2 over a daily cap" in message
    again = await run_job(running)  # the same day: the practice cap still holds
    assert again.startswith("sent 0 reminder(s)") and len(outbox.sent) == 3


async def test_a_patient_the_caller_cannot_read_answers_101_before_any_field_check(running: Running) -> None:
    clinic = await practice(running.client)
    patient = await clinic.patient(clinic.staff1, "Uma")
    for body in ({"phone": "bad phone!"}, {"phone": "555 0199"}):
        reply = await clinic.as_(clinic.staff2, "PUT", f"/classes/Patient/{patient}", body)
        assert reply.body == {"code": 101, "error": "Object not found."}, reply.body
