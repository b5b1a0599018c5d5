"""`_Session` and `_Role` rules.

Sessions: clients see and delete only their own; `user`, `installationId` and `sessionToken`
cannot be set by a client (105); deleting one revokes its token at once.
Roles: an ACL and a valid, unique name are required; any change clears the role cache.
"""

from __future__ import annotations

import re
from typing import Any

from ..auth.identity import MASTER
from ..errors import DUPLICATE_VALUE, INCORRECT_TYPE, INVALID_KEY_NAME, INVALID_ROLE_NAME, ParseError
from ..storage.base import FindOptions
from . import write
from .context import RequestContext
from .write import WriteResult

ROLE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
SESSION_PROTECTED = ("user", "installationId", "sessionToken")


class SessionRules:
    async def create(self, ctx: RequestContext, body: dict[str, Any]) -> WriteResult:
        if ctx.auth.user is None and not ctx.auth.is_master:
            raise ParseError(209, "Session token required.")
        for key in SESSION_PROTECTED:
            if key in body and not ctx.auth.is_master:
                raise ParseError(INVALID_KEY_NAME, f"Cannot set {key} on a session.")
        user_id = ctx.auth.user_id
        if ctx.auth.is_master and isinstance(body.get("user"), dict):
            user_id = body["user"].get("objectId")
        if not isinstance(user_id, str):
            raise ParseError(209, "Session token required.")
        session = await ctx.state.extras["sessions"].create(user_id, ctx.auth.installation_id,
                                                            {"action": "create"}, replace_installation=False)
        extra = {k: v for k, v in body.items() if k not in SESSION_PROTECTED and k != "ACL"}
        if extra:
            result = await write.update(ctx.with_auth(MASTER), "_Session", session["objectId"], extra)
            session = result.doc
        # parse-compat: Parse's create-session response has no createdAt/updatedAt
        response = {k: v for k, v in session.items() if not k.startswith("_") and k not in ("createdAt", "updatedAt")}
        return WriteResult(response, session["objectId"], session, None, 201)

    async def update(self, ctx: RequestContext, object_id: str, body: dict[str, Any]) -> WriteResult:
        for key in SESSION_PROTECTED:
            if key in body:
                raise ParseError(INVALID_KEY_NAME, f"Cannot modify {key} on a session.")
        if not ctx.auth.is_master and any(k in body for k in ("expiresAt", "createdWith")):
            raise ParseError(INVALID_KEY_NAME, "Cannot modify expiresAt or createdWith on a session.")
        return await write.update(ctx, "_Session", object_id, body)

    async def delete(self, ctx: RequestContext, object_id: str) -> WriteResult:
        try:
            result = await write.delete(ctx, "_Session", object_id)
        except ParseError as exc:
            if exc.code == 101:
                raise ParseError(101, "Object not found for delete.") from exc
            raise
        token = result.doc.get("sessionToken")
        if isinstance(token, str):
            ctx.state.extras["sessions"].forget_token(token)
        return result


class RoleRules:
    async def _check_name(self, ctx: RequestContext, name: Any, exclude_id: str | None) -> None:
        if not isinstance(name, str) or not ROLE_NAME.match(name):
            raise ParseError(INVALID_ROLE_NAME, "A role's name can only contain alphanumeric characters, _, "
                                                "and -, and must be 1 to 128 characters long.")
        schema = ctx.state.schemas.get("_Role")
        assert schema is not None
        where: dict[str, Any] = {"name": name}
        if exclude_id:
            where["objectId"] = {"$ne": exclude_id}
        if await ctx.state.storage.find(schema, where, FindOptions(limit=1)):
            raise ParseError(DUPLICATE_VALUE, "A duplicate value for a field with unique values was provided")

    async def create(self, ctx: RequestContext, body: dict[str, Any]) -> WriteResult:
        # The class-level permission first: a caller who may not create roles learns nothing
        # (not even whether a role name is taken).
        await write._check_clp(ctx, await write.class_for_write(ctx, "_Role", "create"), "create")
        if not isinstance(body.get("ACL"), dict):
            raise ParseError(INCORRECT_TYPE, "ACL is required.")
        if "name" not in body:
            raise ParseError(INCORRECT_TYPE, "name is required.")
        await self._check_name(ctx, body["name"], None)
        result = await write.create(ctx, "_Role", body)
        ctx.state.roles.clear()
        return result

    async def update(self, ctx: RequestContext, object_id: str, body: dict[str, Any]) -> WriteResult:
        if "name" in body:
            await self._check_name(ctx, body["name"], object_id)
        if "ACL" in body and not isinstance(body["ACL"], dict):
            raise ParseError(INCORRECT_TYPE, "ACL is required.")
        result = await write.update(ctx, "_Role", object_id, body)
        ctx.state.roles.clear()
        return result

    async def delete(self, ctx: RequestContext, object_id: str) -> WriteResult:
        result = await write.delete(ctx, "_Role", object_id)
        ctx.state.roles.clear()
        return result
