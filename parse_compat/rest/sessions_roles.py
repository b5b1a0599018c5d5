"""`_Session` and `_Role` hooks of the write pipeline.

Sessions: clients see and delete only their own. The server owns `user`, `sessionToken`,
`expiresAt`, `createdWith`, `restricted` and `installationId`: a client cannot set them on a
create or an update (105), top-level or dotted; `user`, `sessionToken` and `installationId`
cannot be changed even with the master key. Deleting one revokes its token at once.
Roles: an ACL and a valid, unique name are required; a role's name cannot change once saved
(136); any change clears the role cache.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import (
    CHANGED_IMMUTABLE_FIELD,
    DUPLICATE_VALUE,
    INCORRECT_TYPE,
    INVALID_KEY_NAME,
    INVALID_ROLE_NAME,
    INVALID_SESSION_TOKEN,
    ParseError,
)
from ..storage.base import FindOptions
from .write import ClassHooks, WriteOp

ROLE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
SESSION_SERVER_OWNED = ("user", "sessionToken", "expiresAt", "createdWith", "restricted", "installationId")
SESSION_IMMUTABLE = ("user", "installationId", "sessionToken")  # even for the master key, once created


def _head(key: str) -> str:
    return key.split(".", 1)[0]


class SessionRules(ClassHooks):
    # parse-compat: Parse words a refused session delete so
    not_found_on_delete = "Object not found for delete."

    async def authorize(self, op: WriteOp) -> None:
        if op.creating and op.auth.user is None and not op.auth.is_master:
            raise ParseError(INVALID_SESSION_TOKEN, "Session token required.")

    async def prepare(self, op: WriteOp) -> None:
        if op.creating:
            op.raw.pop("ACL", None)  # a session's ACL is the server's (none: only its user finds it)
            if op.auth.is_master:
                op.notes["user"] = op.raw.pop("user", None)
                op.raw.pop("sessionToken", None)
                op.raw.pop("installationId", None)

    def check_keys(self, op: WriteOp, body: dict[str, Any]) -> None:
        for key in body:
            head = _head(key)
            if head not in SESSION_SERVER_OWNED:
                continue
            if op.creating and not op.auth.is_master:
                raise ParseError(INVALID_KEY_NAME, f"Cannot set {head} on a session.")
            if not op.creating and (head in SESSION_IMMUTABLE or not op.auth.is_master or head != key):
                raise ParseError(INVALID_KEY_NAME, f"Cannot modify {head} on a session.")

    async def before_store(self, op: WriteOp) -> None:
        if not op.creating:
            return
        user_id = op.auth.user_id
        given = op.notes.get("user")
        if op.auth.is_master and isinstance(given, dict):
            user_id = given.get("objectId")
        if not isinstance(user_id, str):
            raise ParseError(INVALID_SESSION_TOKEN, "Session token required.")
        sessions = op.ctx.state.services.sessions
        fields = sessions.new_session_fields(user_id, op.auth.installation_id, {"action": "create"})
        op.internal.update({k: v for k, v in fields.items() if k not in op.body})

    async def after_store(self, op: WriteOp) -> None:
        assert op.result is not None
        if op.creating:
            doc = op.result.doc
            # parse-compat: Parse's create-session response has no createdAt/updatedAt
            op.result.response = {k: v for k, v in doc.items()
                                  if not k.startswith("_") and k not in ("createdAt", "updatedAt")}
        elif op.kind == "delete":
            token = op.result.doc.get("sessionToken")
            if isinstance(token, str):
                op.ctx.state.services.sessions.forget_token(token)


class RoleRules(ClassHooks):
    async def _check_name(self, op: WriteOp, name: Any, exclude_id: str | None) -> None:
        if not isinstance(name, str) or not ROLE_NAME.match(name):
            raise ParseError(INVALID_ROLE_NAME, "A role's name can only contain alphanumeric characters, _, "
                                                "and -, and must be 1 to 128 characters long.")
        schema = op.ctx.state.schemas.get("_Role")
        assert schema is not None
        where: dict[str, Any] = {"name": name}
        if exclude_id:
            where["objectId"] = {"$ne": exclude_id}
        if await op.ctx.state.storage.find(schema, where, FindOptions(limit=1)):
            raise ParseError(DUPLICATE_VALUE, "A duplicate value for a field with unique values was provided")

    async def before_store(self, op: WriteOp) -> None:
        body = op.body
        if op.creating:
            if not isinstance(body.get("ACL"), dict):
                raise ParseError(INCORRECT_TYPE, "ACL is required.")
            if "name" not in body:
                raise ParseError(INCORRECT_TYPE, "name is required.")
            await self._check_name(op, body["name"], None)
            return
        if "name" in body and (op.original is None or body["name"] != op.original.get("name")):
            # parse-compat: the SDKs refuse this (ParseRole); the server refuses it too, as ACLs
            # and role hierarchies name roles by name
            raise ParseError(CHANGED_IMMUTABLE_FIELD, "A role's name can only be set before it has been saved.")
        if "ACL" in body and not isinstance(body["ACL"], dict):
            raise ParseError(INCORRECT_TYPE, "ACL is required.")

    async def after_store(self, op: WriteOp) -> None:
        op.ctx.state.roles.clear()
