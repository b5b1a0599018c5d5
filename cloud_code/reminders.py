"""`sendAppointmentReminders`: one email per appointment in the next 24 hours, never two, and
nothing a staff account typed can turn it into a mail of its own.

Each reminder is *claimed* before its email goes out, with one atomic conditional update
(`reminderSent` must still be unset/false), so overlapping runs, in one process or several,
send it once. A failed send releases the claim so a later run tries again. Logs hold counts
only, never patient data.

The mail is one fixed, reviewed text: the patient's name (re-checked at send time; a name the
rules refuse, stored before them, is replaced by "patient"), the date and time, and the
practice's name and phone number from Parse Config (`patient_fields.py`). Values are escaped in
the HTML part and kept to one line in the text part. Patients with `reminderOptOut` get none.
Daily caps (UTC day, counted from `reminderSentAt`): `reminderDailyCap` for the practice and
`reminderDailyCapPerRecipient` per email address; a reminder over a cap is left unsent.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, time, timedelta
from typing import Any

from parse_compat.cloud import Cloud, CloudSDK, JobRequest, ParseObject
from parse_compat.codec.dates import date_value
from parse_compat.mail import Email

from .patient_fields import practice_settings, valid_email, valid_name

WINDOW = timedelta(hours=24)
PAGE = 200
NOT_SENT = {"reminderSent": {"$ne": True}}
RELEASE = {"reminderSent": False, "reminderSentAt": {"__op": "Delete"}}
SUBJECT = "Your dental appointment reminder"


def reminder_email(reminder: ParseObject, patient: dict[str, Any], practice: dict[str, Any]) -> Email:
    when = reminder.get_date("appointmentDate")
    day = when.strftime("%A %d %B %Y") if when else "soon"
    hour = when.strftime("%H:%M UTC") if when else ""
    name = patient.get("name") if valid_name(patient.get("name")) else "patient"
    values = {"name": str(name), "day": day, "hour": hour, "practice": practice["name"], "phone": practice["phone"]}
    call = "please call us on {phone}" if values["phone"] else "please call the practice"
    lines = ["Dear {name},", "", "This is a reminder of your appointment at {practice} on {day} at {hour}.", "",
             f"If you cannot come, {call}.", "",
             "You receive this email because you are a patient of {practice}. To stop these reminders, tell "
             "the practice."]
    text = "\n".join(lines).format(**{k: " ".join(v.split()) for k, v in values.items()}) + "\n"
    escaped = {k: html.escape(v) for k, v in values.items()}
    body = "".join(f"<p>{line.format(**escaped)}</p>" for line in lines if line)
    return Email(to=str(patient["email"]), subject=SUBJECT, text=text, html=f"<!doctype html><html><body>{body}"
                                                                            "</body></html>")


def _start_of_day(now: datetime) -> dict[str, str]:
    return date_value(datetime.combine(now.date(), time(0), tzinfo=UTC))


async def _over_caps(sdk: CloudSDK, practice: dict[str, Any], email: str, now: datetime) -> str | None:
    """Which cap the send just claimed goes over ("practice" / "recipient"), if any."""
    today = _start_of_day(now)
    sent_today = sdk.query("AppointmentReminder").equal_to("reminderSent", True).greater_than_or_equal_to(
        "reminderSentAt", today)
    if await sent_today.count() > practice["cap"]:
        return "practice"
    patients = {"where": {"email": email}, "className": "Patient"}
    to_recipient = (sdk.query("AppointmentReminder").equal_to("reminderSent", True)
                    .greater_than_or_equal_to("reminderSentAt", today).where_all({"patient": {"$inQuery": patients}}))
    if await to_recipient.count() > practice["capPerRecipient"]:
        return "recipient"
    return None


async def send_appointment_reminders(request: JobRequest) -> str:
    sdk = request.sdk.as_master()
    practice = await practice_settings(request)
    now = datetime.now(UTC)
    counts = {"sent": 0, "failed": 0, "skipped": 0, "opted out": 0, "capped": 0, "taken": 0}
    given_up: list[str] = []
    while True:
        query = (sdk.query("AppointmentReminder").greater_than_or_equal_to("appointmentDate", now)
                 .less_than_or_equal_to("appointmentDate", now + WINDOW).not_equal_to("reminderSent", True)
                 .include("patient").ascending("appointmentDate").limit(PAGE))
        if given_up:
            query.not_contained_in("objectId", given_up)
        batch = await query.find()
        if not batch:
            break
        for reminder in batch:
            reminder_id = reminder.id or ""
            claim = {"reminderSent": True, "reminderSentAt": date_value(datetime.now(UTC))}
            if not await sdk.update_if("AppointmentReminder", reminder_id, NOT_SENT, claim):
                counts["taken"] += 1  # another run claimed it between our query and our claim
                continue
            patient = reminder.get("patient")
            if not isinstance(patient, dict) or not valid_email(patient.get("email")):
                counts["skipped"] += 1
                given_up.append(reminder_id)
                continue  # claimed and left as sent: there is nobody (valid) to write to
            if patient.get("reminderOptOut") is True:
                counts["opted out"] += 1
                given_up.append(reminder_id)
                continue  # claimed and left as sent: the patient asked for no reminders
            cap = await _over_caps(sdk, practice, str(patient["email"]), now)
            if cap is not None:
                await sdk.update_if("AppointmentReminder", reminder_id, {"reminderSent": True}, RELEASE)
                counts["capped"] += 1
                given_up.append(reminder_id)
                if cap == "practice":
                    request.log.warning("daily reminder cap of the practice reached; the rest waits")
                    return _summary(counts)
                continue
            try:
                await request.mail.send(reminder_email(reminder, patient, practice))
            except Exception as exc:  # noqa: BLE001 - any delivery failure releases the claim
                request.log.warning("reminder %s not sent: %s", reminder_id, type(exc).__name__)
                await sdk.update_if("AppointmentReminder", reminder_id, {"reminderSent": True}, RELEASE)
                counts["failed"] += 1
                given_up.append(reminder_id)
                continue
            counts["sent"] += 1
    return _summary(counts)


def _summary(counts: dict[str, int]) -> str:
    return (f"sent {counts['sent']} reminder(s), {counts['failed']} failed, {counts['skipped']} without an "
            f"email address, {counts['opted out']} opted out, {counts['capped']} over a daily cap, "
            f"{counts['taken']} taken by another run")


def register(cloud: Cloud) -> None:
    cloud.job("sendAppointmentReminders", send_appointment_reminders)
    cloud.schedule("sendAppointmentReminders", repeat_minutes=15,
                   description="Email patients about appointments in the next 24 hours")
