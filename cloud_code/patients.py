"""Patient rules: who may read a new patient, who may delete one, no orphaned records, and
contact fields that are safe to put in an email (`patient_fields.py`).

A new patient belongs to its creator (`owner`, set by the server) and the administrators; the
owner and administrators share it with colleagues (`sharing.py`). When a patient's ACL changes,
its x-rays, plans and reminders take the new ACL in one storage transaction (where the database
has transactions: SQLite, MongoDB replica sets).
"""

from __future__ import annotations

from parse_compat.cloud import Cloud, CloudSDK, ParseError, TriggerRequest
from parse_compat.errors import OPERATION_FORBIDDEN, VALIDATION_ERROR

from .access import RW, is_admin, with_admin
from .patient_fields import check_patient_fields

CHILD_CLASSES = ("XRayLog", "TreatmentPlan", "AppointmentReminder")
BLOCKING_CHILDREN = {"XRayLog": "x-ray log", "TreatmentPlan": "treatment plan"}
CONTACT_FIELDS = ("name", "email", "phone")
SHARING_FLAG = "dental.sharing"  # set in the request context while sharing.py moves the records itself
PAGE = 1000


async def before_save_patient(request: TriggerRequest) -> None:
    """A new patient belongs to its creator and the administrators; every ACL keeps the
    administrators; contact fields are checked."""
    obj = request.object
    if request.original is not None and not request.master and obj.id:
        # Hooks run before the write's own ACL check: never judge a patient the caller cannot see.
        await request.sdk.get("Patient", obj.id)
    check_patient_fields({key: obj.get(key) for key in CONTACT_FIELDS if obj.dirty(key)})
    if request.original is None:
        if request.user is not None and request.user.id:
            acl = {request.user.id: dict(RW)}
            obj.set("owner", {"__type": "Pointer", "className": "_User", "objectId": request.user.id})
        else:  # the master key: keep the ACL (and owner) it sent, if any
            acl = (obj.acl or {}) if obj.dirty("ACL") else {}
        obj.set_acl(with_admin(acl))
    else:
        if obj.dirty("owner") and not request.master:
            raise ParseError(OPERATION_FORBIDDEN, "A patient's owner cannot be changed.")
        if obj.dirty("ACL"):
            obj.set_acl(with_admin(obj.acl))


async def copy_acl_to_records(master: CloudSDK, patient_id: str, acl: dict[str, dict[str, bool]] | None) -> int:
    """Every x-ray, plan and reminder of the patient takes `acl`; returns how many changed.
    Runs inside the caller's transaction when there is one."""
    pointer = {"__type": "Pointer", "className": "Patient", "objectId": patient_id}
    changed = 0
    for class_name in CHILD_CLASSES:
        last = ""
        while True:
            rows = await (master.query(class_name).equal_to("patient", pointer).greater_than("objectId", last)
                          .select("ACL").ascending("objectId").limit(PAGE).find())
            for row in rows:
                last = row.id or ""
                if row.acl != acl:
                    await master.update(class_name, row.id or "", {"ACL": acl})
                    changed += 1
            if len(rows) < PAGE:
                break
    return changed


async def after_save_patient(request: TriggerRequest) -> None:
    """A patient's records follow its ACL when it is changed directly (their beforeSave copies it)."""
    if request.original is None or request.object.acl == request.original.acl:
        return
    if request.context.get(SHARING_FLAG):
        return  # sharePatient moves the records in its own transaction
    master = request.sdk.as_master()
    async with master.transaction():
        await copy_acl_to_records(master, request.object.id or "", request.object.acl)


async def before_delete_patient(request: TriggerRequest) -> None:
    if not await is_admin(request):
        raise ParseError(OPERATION_FORBIDDEN, "Only administrators may delete patients.")
    master = request.sdk.as_master()
    pointer = request.object.pointer()
    remaining = []
    for class_name, label in BLOCKING_CHILDREN.items():
        count = await master.query(class_name).equal_to("patient", pointer).count()
        if count:
            remaining.append(f"{count} {label}{'s' if count > 1 else ''}")
    if remaining:
        raise ParseError(VALIDATION_ERROR, f"Cannot delete this patient: {' and '.join(remaining)} still "
                                           "refer to it. Delete those records first.")


async def after_delete_patient(request: TriggerRequest) -> None:
    """Reminders of a deleted patient go with it."""
    master = request.sdk.as_master()
    pointer = {"__type": "Pointer", "className": "Patient", "objectId": request.object.id}
    for reminder in await master.query("AppointmentReminder").equal_to("patient", pointer).limit(10000).find():
        await master.delete(reminder)


def register(cloud: Cloud) -> None:
    cloud.before_save("Patient", before_save_patient)
    cloud.after_save("Patient", after_save_patient)
    cloud.before_delete("Patient", before_delete_patient)
    cloud.after_delete("Patient", after_delete_patient)
