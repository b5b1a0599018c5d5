"""Staff onboarding: administrators invite staff (`inviteStaff`), create them directly
(`createStaff`) and remove them (`removeStaff`). Public signup is off in the template
(`allowPublicSignup` false, see `__init__.py`); the first administrator is made on the command
line (`parse-compat admin create`).

- `inviteStaff {email, username?, role?}`: makes the account with an unguessable password
  nobody knows, and mails a one-time link (valid `inviteTokenValidityDuration` seconds) to a
  page where the person chooses their password. Returns `{userId, expiresAt}`, never the link.
- `createStaff {username, email, password, role?}`: the account at once (password policy applies).
- `removeStaff {userId}`: the account can no longer log in (ACL emptied, password replaced, out
  of both roles, any invitation link revoked) and every session of it is deleted, so its token answers 209 on the next
  request. The row stays, so records keep naming who made them.
"""

from __future__ import annotations

import secrets
from typing import Any

from parse_compat.cloud import Cloud, FunctionRequest, ParseError
from parse_compat.codec.dates import date_value
from parse_compat.errors import OPERATION_FORBIDDEN, VALIDATION_ERROR
from parse_compat.mail import Email

from .access import ADMINISTRATOR, ROLES, STAFF
from .patient_fields import practice_settings, valid_email
from .roles import sync_roles, user_pointer

ADMIN_ONLY: dict[str, Any] = {"require_any_user_roles": [ADMINISTRATOR]}


def unguessable(username: Any) -> str:
    """A random password nobody knows (for an invited or removed account) that the template's
    password policy accepts (it must not contain the username)."""
    while True:
        password = secrets.token_urlsafe(32)
        if not isinstance(username, str) or not username or username not in password:
            return password


def _role(params: dict[str, Any]) -> str:
    role = params.get("role", STAFF)
    if role not in ROLES:
        raise ParseError(VALIDATION_ERROR, "role must be staff or administrator.")
    return str(role)


def _email(params: dict[str, Any]) -> str:
    email = params.get("email")
    if not isinstance(email, str) or not valid_email(email):
        raise ParseError(VALIDATION_ERROR, "A valid email address is required.")
    return email


async def invite_staff(request: FunctionRequest) -> dict[str, Any]:
    email = _email(request.params)
    username = request.params.get("username") or email
    if not isinstance(username, str):
        raise ParseError(VALIDATION_ERROR, "username must be a string.")
    master = request.sdk.as_master()
    user = await master.create("_User", {"username": username, "email": email, "role": _role(request.params),
                                         "password": unguessable(username)})
    user_id = user.id or ""
    link, expires = await master.issue_invite(user_id)
    practice = await practice_settings(request)
    text = (f"You have been invited to the staff of {practice['name']}.\n\n"
            f"Choose your password here (the link works once and expires on "
            f"{expires.strftime('%d %B %Y at %H:%M UTC')}):\n{link}\n\n"
            "If you did not expect this email, ignore it.\n")
    await request.mail.send(Email(to=email, subject="Your staff account", text=text))
    return {"userId": user_id, "expiresAt": date_value(expires)}


async def create_staff(request: FunctionRequest) -> dict[str, Any]:
    params = request.params
    email = _email(params)
    user = await request.sdk.as_master().create("_User", {
        "username": params.get("username"), "email": email, "password": params.get("password"),
        "role": _role(params)})
    return {"userId": user.id or ""}


async def remove_staff(request: FunctionRequest) -> dict[str, Any]:
    user_id = request.params.get("userId")
    if not isinstance(user_id, str) or not user_id:
        raise ParseError(VALIDATION_ERROR, "removeStaff needs a userId.")
    if request.user is not None and request.user.id == user_id:
        raise ParseError(OPERATION_FORBIDDEN, "Administrators cannot remove themselves.")
    master = request.sdk.as_master()
    user = await master.get("_User", user_id)  # 101 when there is no such user
    # Changing the password deletes every session of the account (rest/users.py).
    # `role` goes too: the boot-time role repair rebuilds each role from `User.role`, and would
    # otherwise put a removed account back into `staff` at the next start.
    await master.update("_User", user_id, {"ACL": {}, "password": unguessable(user.get("username")),
                                           "role": {"__op": "Delete"}})
    await sync_roles(master, user_id, None)
    await master.revoke_invite(user_id)  # an unused invitation link stops working too
    revoked = 0
    while True:
        sessions = await master.query("_Session").equal_to("user", user_pointer(user_id)).limit(100).find()
        for session in sessions:
            await master.delete(session)
        revoked += len(sessions)
        if len(sessions) < 100:
            break
    return {"userId": user_id, "sessionsRevoked": revoked}


def register(cloud: Cloud) -> None:
    cloud.define("inviteStaff", invite_staff, **ADMIN_ONLY,
                 fields={"email": {"required": True, "type": str}})
    cloud.define("createStaff", create_staff, **ADMIN_ONLY,
                 fields={"username": {"required": True, "type": str}, "email": {"required": True, "type": str},
                         "password": {"required": True, "type": str}})
    cloud.define("removeStaff", remove_staff, **ADMIN_ONLY, fields={"userId": {"required": True, "type": str}})
