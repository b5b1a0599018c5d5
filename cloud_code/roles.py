"""The practice's own roles, `administrator` and `staff`: made by the server at boot, owned by
the master key, and kept equal to `User.role`.

Clients cannot create roles (schema.json: `_Role` create and addField are master-only; update
is for administrators). A role of one of these names that existed before (for example made by
a client before the template was installed, "role squatting") is not adopted as found: at every
boot its ACL is reset to administrators-only, its `roles` relation (roles nested inside it) is
emptied, and its `users` relation is set to exactly the users whose `role` field names it. Each
repair is logged as a warning with counts only.
"""

from __future__ import annotations

import logging
from typing import Any

from parse_compat.cloud import CloudSDK, JobRequest, ParseError, ParseObject
from parse_compat.errors import DUPLICATE_VALUE

from .access import ROLES, with_admin

log = logging.getLogger("cloud_code.roles")
PAGE = 1000


def role_acl() -> dict[str, Any]:
    """Administrators read and change the practice roles; nobody else (the server uses master)."""
    return with_admin({})


def user_pointer(user_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": "_User", "objectId": user_id}


async def role_object(master: CloudSDK, name: str) -> ParseObject:
    """The `_Role` called `name`, created (administrators only may change it) when missing."""
    query = master.query("_Role").equal_to("name", name).ascending("createdAt")
    found = await query.first()
    if found is not None:
        return found
    try:
        return await master.create("_Role", {"name": name, "ACL": role_acl()})
    except ParseError as exc:
        if exc.code != DUPLICATE_VALUE:
            raise
    found = await query.first()  # another process created it meanwhile
    if found is None:
        raise ParseError(DUPLICATE_VALUE, f"cannot create the {name} role")
    return found


async def sync_roles(master: CloudSDK, user_id: str, role: Any) -> None:
    """Make the user a member of the role named `role` and of no other practice role."""
    for name in ROLES:
        target = await role_object(master, name)
        op = "AddRelation" if name == role else "RemoveRelation"
        await master.update("_Role", target.id or "", {"users": {"__op": op, "objects": [user_pointer(user_id)]}})


async def _ids(master: CloudSDK, class_name: str, where: dict[str, Any]) -> set[str]:
    ids: set[str] = set()
    while True:
        rows = await (master.query(class_name).where_all(where).select("objectId").ascending("objectId")
                      .skip(len(ids)).limit(PAGE).find())
        ids.update(row.id or "" for row in rows)
        if len(rows) < PAGE:
            return ids


async def repair_role(master: CloudSDK, name: str) -> int:
    """Make the role named `name` what the template says it is; returns how many things changed."""
    role = await role_object(master, name)
    role_id = role.id or ""
    changes = 0
    if role.acl != role_acl():
        await master.update("_Role", role_id, {"ACL": role_acl()})
        changes += 1
    relation = {"$relatedTo": {"object": {"__type": "Pointer", "className": "_Role", "objectId": role_id},
                               "key": "users"}}
    members = await _ids(master, "_User", relation)
    wanted = await _ids(master, "_User", {"role": name})
    strangers, missing = members - wanted, wanted - members
    if strangers:
        await master.update("_Role", role_id, {"users": {"__op": "RemoveRelation",
                                                         "objects": [user_pointer(i) for i in sorted(strangers)]}})
    if missing:
        await master.update("_Role", role_id, {"users": {"__op": "AddRelation",
                                                         "objects": [user_pointer(i) for i in sorted(missing)]}})
    nested_where = {"$relatedTo": {"object": {"__type": "Pointer", "className": "_Role", "objectId": role_id},
                                   "key": "roles"}}
    nested = await _ids(master, "_Role", nested_where)
    if nested:
        pointers = [{"__type": "Pointer", "className": "_Role", "objectId": i} for i in sorted(nested)]
        await master.update("_Role", role_id, {"roles": {"__op": "RemoveRelation", "objects": pointers}})
    changes += len(strangers) + len(missing) + len(nested)
    if role.acl != role_acl() or strangers or nested:
        log.warning("the %s role was not as the template makes it (ACL reset: %s, %d member(s) without that "
                    "User.role removed, %d nested role(s) removed); repaired", name, role.acl != role_acl(),
                    len(strangers), len(nested))
    return changes


async def ensure_practice_roles(request: JobRequest) -> None:
    """Boot: create or repair `administrator` and `staff`."""
    master = request.sdk.as_master()
    for name in ROLES:
        await repair_role(master, name)
