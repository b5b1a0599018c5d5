"""User roles: `User.role` is staff or administrator, set only by an administrator, and
mirrored into the `_Role`s of the same names so ACLs and CLPs can name `role:administrator`."""

from __future__ import annotations

from parse_compat.cloud import Cloud, FunctionRequest, ParseError, TriggerRequest
from parse_compat.errors import OPERATION_FORBIDDEN, VALIDATION_ERROR

from .access import ADMIN_ACL_KEY, ADMINISTRATOR, ROLES, STAFF, is_admin
from .roles import sync_roles


async def before_save_user(request: TriggerRequest) -> None:
    obj = request.object
    if not obj.dirty("role"):
        return
    role = obj.get("role")
    if role is None and request.master and not request.is_read_only and request.original is not None:
        return  # removeStaff: the account leaves every practice role, and boot's role repair keeps it out
    if role not in ROLES:
        raise ParseError(VALIDATION_ERROR, "role must be staff or administrator.")
    if request.original is None and role == STAFF:
        return  # the schema's default: nothing is granted
    if request.original is not None and request.original.get("role") == role:
        return
    if not await is_admin(request):
        raise ParseError(OPERATION_FORBIDDEN, "Only an administrator may set a user's role.")


async def after_save_user(request: TriggerRequest) -> None:
    user_id = request.object.id
    if not user_id:
        return
    master = request.sdk.as_master()
    if request.original is None:
        # Administrators can see the accounts they manage (and, through the template's
        # protectedFields for role:administrator, their email and role); staff cannot.
        acl = request.object.acl or {user_id: {"read": True, "write": True}}
        await master.update("_User", user_id, {"ACL": {**acl, ADMIN_ACL_KEY: {"read": True}}})
    role = request.object.get("role")
    if request.original is not None and request.original.get("role") == role:
        return
    await sync_roles(master, user_id, role)


async def after_delete_user(request: TriggerRequest) -> None:
    if request.object.id:
        await sync_roles(request.sdk.as_master(), request.object.id, None)


async def set_user_role(request: FunctionRequest) -> dict[str, str]:
    """`Parse.Cloud.run("setUserRole", {userId, role})`: administrators change anyone's role."""
    user_id, role = request.params.get("userId"), request.params.get("role")
    if not isinstance(user_id, str) or role not in ROLES:
        raise ParseError(VALIDATION_ERROR, "setUserRole needs a userId and a role (staff or administrator).")
    await request.sdk.as_master().update("_User", user_id, {"role": role})
    return {"userId": user_id, "role": str(role)}


def register(cloud: Cloud) -> None:
    cloud.before_save("_User", before_save_user)
    cloud.after_save("_User", after_save_user)
    cloud.after_delete("_User", after_delete_user)
    cloud.define("setUserRole", set_user_role, require_any_user_roles=[ADMINISTRATOR],
                 fields={"userId": {"required": True, "type": str}, "role": {"required": True, "options": list(ROLES)}})
