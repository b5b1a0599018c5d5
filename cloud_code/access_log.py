"""`patientAccessLog {patientId}` (administrators): the audit trail of one patient — every
recorded read and write of the patient and of its x-ray logs, treatment plans and reminders —
newest first, as `{"entries": [{seq, createdAt, action, targetClass, targetId, ids, user, roles,
session, ip, master, readOnly, fields}]}` (at most `LIMIT` entries; a find is one entry whose
`ids` lists every object it returned). Entries name fields, never
values; the server writes them (parse_compat/audit). Looking at the log is itself recorded, as
reads of the patient's records by the administrator with master power (`as_master()`). The
lookups go through `_Audit`'s indexes on `targetId` and `ids` (parse_compat/audit/log.py; on
SQLite only `targetId` can be indexed, the `ids` lookup reads the find entries).
"""

from __future__ import annotations

from typing import Any

from parse_compat.cloud import Cloud, FunctionRequest, ParseError
from parse_compat.errors import VALIDATION_ERROR

from .access import ADMINISTRATOR
from .export import records_of
from .patients import CHILD_CLASSES

LIMIT = 1000
IDS_PER_QUERY = 500
SHOWN = ("seq", "createdAt", "action", "targetClass", "targetId", "ids", "roles", "session", "ip", "master", "readOnly",
         "fields")


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    out = {key: row.get(key) for key in SHOWN}
    user = row.get("user")
    out["user"] = user.get("objectId") if isinstance(user, dict) else None
    return out


async def patient_access_log(request: FunctionRequest) -> dict[str, Any]:
    patient_id = request.params.get("patientId")
    if not isinstance(patient_id, str) or not patient_id:
        raise ParseError(VALIDATION_ERROR, "patientId is required.")
    master = request.sdk.as_master()
    targets = [("Patient", patient_id)]
    for class_name in CHILD_CLASSES:
        targets += [(class_name, row.id) for row in await records_of(master, class_name, patient_id) if row.id]
    rows: list[dict[str, Any]] = []
    for start in range(0, len(targets), IDS_PER_QUERY):
        ids = [object_id for _class, object_id in targets[start:start + IDS_PER_QUERY]]
        for key in ("targetId", "ids"):  # a get or write names one object; a find names every id it returned
            found = await master.query("_Audit").contained_in(key, ids).descending("seq").limit(LIMIT).find()
            rows += [row.to_json() for row in found]
    wanted = set(targets)
    unique = {row["seq"]: row for row in rows if any((row.get("targetClass"), object_id) in wanted
                                                      for object_id in [row.get("targetId"), *(row.get("ids") or [])])}
    rows = sorted(unique.values(), key=lambda row: row.get("seq") or 0, reverse=True)
    return {"entries": [_entry(row) for row in rows[:LIMIT]]}


def register(cloud: Cloud) -> None:
    cloud.define("patientAccessLog", patient_access_log, require_any_user_roles=[ADMINISTRATOR],
                 fields={"patientId": {"required": True, "type": str}})
