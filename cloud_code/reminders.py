"""`sendAppointmentReminders`: one email per appointment in the next 24 hours, never two.

Each reminder is *claimed* before its email goes out, with one atomic conditional update
(`reminderSent` must still be unset/false), so overlapping runs, in one process or several,
send it once. A failed send releases the claim so a later run tries again. Logs hold counts
only, never patient data.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from parse_compat.cloud import Cloud, JobRequest, ParseObject
from parse_compat.mail import Email

WINDOW = timedelta(hours=24)
PAGE = 200
NOT_SENT = {"reminderSent": {"$ne": True}}


def reminder_email(reminder: ParseObject, patient: dict[str, Any]) -> Email:
    when = reminder.get_date("appointmentDate")
    moment = when.strftime("%A %d %B %Y at %H:%M UTC") if when else "soon"
    name = patient.get("name") or "patient"
    return Email(to=str(patient["email"]), subject="Your dental appointment reminder",
                 text=f"Dear {name},\n\nThis is a reminder of your dental appointment on {moment}.\n\n"
                      "If you cannot come, please call the practice.\n")


async def send_appointment_reminders(request: JobRequest) -> str:
    sdk = request.sdk.as_master()
    now = datetime.now(UTC)
    sent = failed = skipped = taken = 0
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
            if not await sdk.update_if("AppointmentReminder", reminder_id, NOT_SENT, {"reminderSent": True}):
                taken += 1  # another run claimed it between our query and our claim
                continue
            patient = reminder.get("patient")
            if not isinstance(patient, dict) or not patient.get("email"):
                skipped += 1
                given_up.append(reminder_id)
                continue  # claimed and left as sent: there is nobody to write to
            try:
                await request.mail.send(reminder_email(reminder, patient))
            except Exception as exc:  # noqa: BLE001 - any delivery failure releases the claim
                request.log.warning("reminder %s not sent: %s", reminder_id, type(exc).__name__)
                await sdk.update_if("AppointmentReminder", reminder_id, {"reminderSent": True},
                                    {"reminderSent": False})
                failed += 1
                given_up.append(reminder_id)
                continue
            sent += 1
    return (f"sent {sent} reminder(s), {failed} failed, {skipped} without an email address, "
            f"{taken} taken by another run")


def register(cloud: Cloud) -> None:
    cloud.job("sendAppointmentReminders", send_appointment_reminders)
    cloud.schedule("sendAppointmentReminders", repeat_minutes=15,
                   description="Email patients about appointments in the next 24 hours")
