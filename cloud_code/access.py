"""Who the caller is for the dental rules: roles, the administrator test, ACL shapes."""

from __future__ import annotations

from typing import Any

from parse_compat.cloud import CloudRequest

STAFF = "staff"
ADMINISTRATOR = "administrator"
ROLES = (STAFF, ADMINISTRATOR)
RW = {"read": True, "write": True}
ADMIN_ACL_KEY = f"role:{ADMINISTRATOR}"


async def is_admin(request: CloudRequest) -> bool:
    """The master key, or a user holding the administrator role."""
    if request.master:
        return True
    return ADMINISTRATOR in await request.user_roles()


def with_admin(acl: dict[str, Any] | None) -> dict[str, Any]:
    """`acl` plus read/write for administrators."""
    return {**(acl or {}), ADMIN_ACL_KEY: dict(RW)}
