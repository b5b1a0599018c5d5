"""`sharePatient` / `unsharePatient`: the patient's owner or an administrator gives a colleague
(`userId`) or a role (`role`) read (`access: "read"`) or read/write (`"write"`) access to a
patient, or takes it back. The patient and all its x-rays, plans and reminders change in one
storage transaction, so a failure leaves all of them as they were (on a database with
transactions: SQLite, MongoDB replica sets; the mongomock test double has none). Staff then see
the patients they own or that are shared with them, through the ACL.

`listColleagues` is what a share dialog picks from: staff cannot read other `_User` rows, so
the function answers a signed-in member of staff or an administrator with the active members of
the `staff` role as `[{userId, username}]` (nothing else of the accounts: no email, no role),
without the caller, by username, at most `MAX_COLLEAGUES`. A removed account (out of the role,
its ACL emptied by `removeStaff`) is not listed. Who may share a given patient is still decided
by `sharePatient` alone.
"""

from __future__ import annotations

import logging
from typing import Any

from parse_compat.cloud import Cloud, FunctionRequest, ParseError, ParseObject
from parse_compat.errors import OBJECT_NOT_FOUND, OPERATION_FORBIDDEN, VALIDATION_ERROR

from .access import ADMIN_ACL_KEY, ADMINISTRATOR, STAFF, is_admin
from .patients import SHARING_FLAG, copy_acl_to_records
from .roles import role_object

log = logging.getLogger("cloud_code.sharing")
ACCESS = {"read": {"read": True}, "write": {"read": True, "write": True}}
MAX_COLLEAGUES = 500


async def _patient_for_sharing(request: FunctionRequest) -> ParseObject:
    patient_id = request.params.get("patientId")
    if not isinstance(patient_id, str) or not patient_id:
        raise ParseError(VALIDATION_ERROR, "patientId is required.")
    try:
        patient = await request.sdk.get("Patient", patient_id)  # 101 unless the caller can read it
    except ParseError as exc:
        if exc.code == OBJECT_NOT_FOUND:
            raise ParseError(OBJECT_NOT_FOUND, "Patient not found.") from exc
        raise
    owner = patient.get("owner")
    owns = isinstance(owner, dict) and request.user is not None and owner.get("objectId") == request.user.id
    if not owns and not await is_admin(request):
        raise ParseError(OPERATION_FORBIDDEN, "Only the patient's owner or an administrator may share it.")
    return patient


async def _acl_key(request: FunctionRequest, patient: ParseObject) -> str:
    user_id, role = request.params.get("userId"), request.params.get("role")
    if (user_id is None) == (role is None):
        raise ParseError(VALIDATION_ERROR, "Give either userId or role.")
    master = request.sdk.as_master()
    if user_id is not None:
        if not isinstance(user_id, str):
            raise ParseError(VALIDATION_ERROR, "userId must be a string.")
        await master.get("_User", user_id)  # 101 for an unknown user
        owner = patient.get("owner")
        if isinstance(owner, dict) and owner.get("objectId") == user_id:
            raise ParseError(VALIDATION_ERROR, "The owner's own access cannot be changed.")
        return user_id
    if not isinstance(role, str) or await master.query("_Role").equal_to("name", role).first() is None:
        raise ParseError(OBJECT_NOT_FOUND, "Role not found.")
    key = f"role:{role}"
    if key == ADMIN_ACL_KEY:
        raise ParseError(VALIDATION_ERROR, "Administrators always have access to every patient.")
    return key


async def _apply(request: FunctionRequest, patient: ParseObject, acl: dict[str, Any]) -> int:
    master = request.sdk.as_master()
    request.context[SHARING_FLAG] = True
    async with master.transaction():
        await master.update("Patient", patient.id or "", {"ACL": acl})
        saved = await master.get("Patient", patient.id or "")  # the ACL as its beforeSave left it
        return await copy_acl_to_records(master, patient.id or "", saved.acl)


async def share_patient(request: FunctionRequest) -> dict[str, Any]:
    access = request.params.get("access")
    if access not in ACCESS:
        raise ParseError(VALIDATION_ERROR, 'access must be "read" or "write".')
    patient = await _patient_for_sharing(request)
    key = await _acl_key(request, patient)
    acl = {**(patient.acl or {}), key: dict(ACCESS[str(access)])}
    records = await _apply(request, patient, acl)
    request.sdk.audit("share", "Patient", [patient.id], ["ACL"])  # who shared, in the audit trail
    log.info("patient %s shared with %s (%s) by %s; %d record(s) updated", patient.id, key, access,
             request.user.id if request.user else "master", records)
    return {"patientId": patient.id, "acl": acl, "recordsUpdated": records}


async def unshare_patient(request: FunctionRequest) -> dict[str, Any]:
    patient = await _patient_for_sharing(request)
    key = await _acl_key(request, patient)
    acl = {k: v for k, v in (patient.acl or {}).items() if k != key}
    records = await _apply(request, patient, acl)
    request.sdk.audit("unshare", "Patient", [patient.id], ["ACL"])
    log.info("patient %s unshared from %s by %s; %d record(s) updated", patient.id, key,
             request.user.id if request.user else "master", records)
    return {"patientId": patient.id, "acl": acl, "recordsUpdated": records}


async def list_colleagues(request: FunctionRequest) -> list[dict[str, str]]:
    master = request.sdk.as_master()
    role = await role_object(master, STAFF)
    members = {"$relatedTo": {"object": {"__type": "Pointer", "className": "_Role", "objectId": role.id},
                              "key": "users"}}
    caller = request.user.id if request.user is not None else None
    rows = await (master.query("_User").where_all(members).ascending("username")
                  .limit(MAX_COLLEAGUES + 1).find())
    colleagues = [{"userId": str(row.id), "username": str(row.get("username") or "")}
                  for row in rows if row.id and row.id != caller and row.acl]  # an emptied ACL: removed
    return colleagues[:MAX_COLLEAGUES]


def register(cloud: Cloud) -> None:
    cloud.define("listColleagues", list_colleagues, require_any_user_roles=[STAFF, ADMINISTRATOR])
    cloud.define("sharePatient", share_patient, require_user=True)
    cloud.define("unsharePatient", unshare_patient, require_user=True)
