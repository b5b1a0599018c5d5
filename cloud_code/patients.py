"""Patient rules: who may read a new patient, who may delete one, and no orphaned records."""

from __future__ import annotations

from parse_compat.cloud import Cloud, ParseError, TriggerRequest
from parse_compat.errors import OPERATION_FORBIDDEN, VALIDATION_ERROR

from .access import RW, is_admin, with_admin

CHILD_CLASSES = ("XRayLog", "TreatmentPlan", "AppointmentReminder")
BLOCKING_CHILDREN = {"XRayLog": "x-ray log", "TreatmentPlan": "treatment plan"}


async def before_save_patient(request: TriggerRequest) -> None:
    """A new patient belongs to its creator and the administrators; every ACL keeps the
    administrators."""
    obj = request.object
    if request.original is None:
        if request.user is not None and request.user.id:
            acl = {request.user.id: dict(RW)}
        else:  # the master key: keep the ACL it sent, if any
            acl = obj.acl if obj.dirty("ACL") else {}
        obj.set_acl(with_admin(acl))
    elif obj.dirty("ACL"):
        obj.set_acl(with_admin(obj.acl))


async def after_save_patient(request: TriggerRequest) -> None:
    """A patient's records follow its ACL when it changes (their beforeSave copies it)."""
    if request.original is None or request.object.acl == request.original.acl:
        return
    master = request.sdk.as_master()
    for class_name in CHILD_CLASSES:
        children = await master.query(class_name).equal_to("patient", request.object.pointer()).limit(10000).find()
        for child in children:
            await master.update(class_name, child.id or "", {"ACL": request.object.acl})


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
