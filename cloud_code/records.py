"""Records of a patient (x-rays, treatment plans, appointment reminders): they share the
patient's ACL, need a patient the caller can read, and keep their own data rules."""

from __future__ import annotations

from datetime import UTC, datetime

from parse_compat.cloud import Cloud, ParseError, TriggerRequest
from parse_compat.errors import OBJECT_NOT_FOUND, VALIDATION_ERROR

from .access import RW

STATUSES = ("planned", "in_progress", "completed", "cancelled")
CLOSED = ("completed", "cancelled")
ORDER = {"planned": 0, "in_progress": 1, "completed": 2}


async def inherit_patient_acl(request: TriggerRequest) -> None:
    """Copy the ACL of the record's patient; 101 when the caller cannot read that patient."""
    obj = request.object
    creating = request.original is None
    if not creating and not request.master and obj.id:
        # Hooks run before the write's own ACL check: never judge a record the caller cannot see.
        await request.sdk.get(obj.class_name, obj.id)
    if not creating and not obj.dirty("patient") and not obj.dirty("ACL"):
        return
    pointer = obj.get("patient")
    if not (isinstance(pointer, dict) and pointer.get("className") == "Patient"
            and isinstance(pointer.get("objectId"), str)):
        return  # missing: the schema answers 142 (required); another type: 111
    try:
        patient = await request.sdk.get("Patient", pointer["objectId"])
    except ParseError as exc:
        if exc.code == OBJECT_NOT_FOUND:
            raise ParseError(OBJECT_NOT_FOUND, "Patient not found.") from exc
        raise
    obj.set_acl(patient.acl or {"*": dict(RW)})


def check_transition(old: object, new: str) -> None:
    if old == new or old not in STATUSES:
        return  # unchanged, or repairing a value from before these rules
    if old in CLOSED:
        raise ParseError(VALIDATION_ERROR, f"This treatment plan is {old}; its status cannot change to {new}.")
    if new == "cancelled":
        return
    if ORDER[new] < ORDER[str(old)]:
        raise ParseError(VALIDATION_ERROR, f"A treatment plan's status only moves forward: {old} → {new} "
                                           "is not allowed.")


async def before_save_plan(request: TriggerRequest) -> None:
    await inherit_patient_acl(request)
    obj = request.object
    if request.master or request.original is None or not obj.dirty("status"):
        return
    check_transition(request.original.get("status"), str(obj.get("status")))


async def before_save_reminder(request: TriggerRequest) -> None:
    await inherit_patient_acl(request)
    obj = request.object
    if request.original is not None and not obj.dirty("appointmentDate"):
        return
    when = obj.get_date("appointmentDate")
    if when is None:
        return
    if not request.master and when <= datetime.now(UTC):
        raise ParseError(VALIDATION_ERROR, "appointmentDate must be in the future.")
    if request.original is not None and request.original.get_date("appointmentDate") != when:
        obj.set("reminderSent", False)  # rescheduled: remind again


def register(cloud: Cloud) -> None:
    cloud.before_save("XRayLog", inherit_patient_acl)
    # Validators skip the master key unless told otherwise, as in Parse.
    cloud.before_save("TreatmentPlan", before_save_plan, fields={"status": {"options": list(STATUSES)}})
    cloud.before_save("AppointmentReminder", before_save_reminder)
