"""`_User` rules: signup, anonymous signup-or-login, login, updates that need the user's own
session (206), password changes that revoke other sessions, and deletes.
"""

from __future__ import annotations

import re
import secrets
import string
from datetime import UTC, datetime
from typing import Any

from ..auth.identity import Auth
from ..auth.passwords import hash_password, verify_password
from ..auth.policy import Lockout, check_password, password_expired
from ..auth.sessions import SessionStore
from ..codec.dates import date_value
from ..errors import (
    EMAIL_TAKEN,
    INVALID_EMAIL_ADDRESS,
    OBJECT_NOT_FOUND,
    OPERATION_FORBIDDEN,
    PASSWORD_MISSING,
    SESSION_MISSING,
    UNSUPPORTED_SERVICE,
    USERNAME_MISSING,
    USERNAME_TAKEN,
    ParseError,
)
from ..storage.base import Document, FindOptions
from . import write
from .context import RequestContext
from .output import render_object
from .write import WriteResult

EMAIL_RE = re.compile(r"^.+@.+$")
MAX_USERNAME = 1024
MAX_PASSWORD = 4096
SUPPORTED_AUTH = ("anonymous",)


def exact_ci(value: str) -> dict[str, str]:
    """A case-insensitive exact-match regex constraint (PCRE-quoted)."""
    return {"$regex": "^\\Q" + value.replace("\\E", "\\E\\\\E\\Q") + "\\E$", "$options": "i"}


def sessions_of(ctx: RequestContext) -> SessionStore:
    return ctx.state.extras["sessions"]


async def find_user(ctx: RequestContext, where: dict[str, Any]) -> Document | None:
    schema = ctx.state.schemas.get("_User")
    assert schema is not None
    docs = await ctx.state.storage.find(schema, where, FindOptions(limit=1))
    return docs[0] if docs else None


def render_self(ctx: RequestContext, user: Document, token: str | None) -> dict[str, Any]:
    schema = ctx.state.schemas.get("_User")
    assert schema is not None
    out = render_object(ctx.with_auth(Auth(user=user)), schema, user)
    if token:
        out["sessionToken"] = token
    return out


async def _check_unique(ctx: RequestContext, field: str, value: str, exclude_id: str | None = None) -> None:
    where: dict[str, Any] = {field: exact_ci(value)}
    if exclude_id:
        where["objectId"] = {"$ne": exclude_id}
    if await find_user(ctx, where):
        if field == "username":
            raise ParseError(USERNAME_TAKEN, "Account already exists for this username.")
        raise ParseError(EMAIL_TAKEN, "Account already exists for this email address.")


def _check_strings(body: dict[str, Any], creating: bool) -> None:
    username = body.get("username")
    if creating or "username" in body:
        if not isinstance(username, str) or not username:
            raise ParseError(USERNAME_MISSING, "bad or missing username")
        if len(username) > MAX_USERNAME:
            raise ParseError(USERNAME_MISSING, "username is too long")
    password = body.get("password")
    if creating or "password" in body:
        if not isinstance(password, str) or not password:
            raise ParseError(PASSWORD_MISSING, "password is required")
        if len(password) > MAX_PASSWORD:
            raise ParseError(PASSWORD_MISSING, "password is too long")
    if "email" in body and body["email"] is not None:
        email = body["email"]
        if not isinstance(email, str) or not EMAIL_RE.match(email) or len(email) > MAX_USERNAME:
            raise ParseError(INVALID_EMAIL_ADDRESS, "Email address format is invalid.")


def _anonymous_id(body: dict[str, Any]) -> str | None:
    auth_data = body.get("authData")
    if auth_data is None:
        return None
    if not isinstance(auth_data, dict):
        raise ParseError(UNSUPPORTED_SERVICE, "This authentication method is unsupported.")
    for provider in auth_data:
        if provider not in SUPPORTED_AUTH:
            raise ParseError(UNSUPPORTED_SERVICE, "This authentication method is unsupported.")
    anonymous = auth_data.get("anonymous")
    if not isinstance(anonymous, dict) or not isinstance(anonymous.get("id"), str) or not anonymous["id"]:
        return None  # no usable authData: an ordinary signup, which then needs a username (200)
    return anonymous["id"]


def random_username() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(25))


def refuse_public_signup(ctx: RequestContext) -> None:
    """`allowPublicSignup: false`: only the master key creates users (anonymous ones too)."""
    if ctx.state.settings.allowPublicSignup is False and not ctx.auth.is_master:
        # parse-compat: Parse 9 has no such option; refused like other forbidden operations (119)
        raise ParseError(OPERATION_FORBIDDEN, "Signing up is disabled on this server: ask an administrator "
                                              "for an invitation.")


class UserRules:
    """Class rules for `_User`, plugged into the Writer."""

    async def create(self, ctx: RequestContext, body: dict[str, Any]) -> WriteResult:
        body = dict(body)
        anonymous_id = _anonymous_id(body)
        if anonymous_id is not None:
            existing = await find_user(ctx, {"authData.anonymous.id": anonymous_id})
            if existing is not None:
                return await self._login_existing(ctx, existing, "anonymous")
            body.setdefault("username", random_username())
        refuse_public_signup(ctx)
        if "emailVerified" in body and not ctx.auth.is_master:
            raise ParseError(OPERATION_FORBIDDEN, "Clients aren't allowed to manually update email verification.")
        _check_strings({**body, **({"password": body.get("password") or "-"} if anonymous_id else {})},
                       creating=True)
        await _check_unique(ctx, "username", body["username"])
        if isinstance(body.get("email"), str):
            await _check_unique(ctx, "email", body["email"])
        internal: dict[str, Any] = {}
        password = body.pop("password", None)
        if password:
            check_password(ctx.state.settings.passwordPolicy, password, body.get("username"))
            internal["_hashed_password"] = await hash_password(password)
            internal["_password_changed_at"] = date_value(datetime.now(UTC))
        result = await write.create(ctx, "_User", body, internal=internal)
        result.response.pop("password", None)
        installation = ctx.auth.installation_id
        if not (ctx.auth.is_master and installation in (None, "cloud")):
            provider = "anonymous" if anonymous_id else "password"
            session = await sessions_of(ctx).create(result.object_id, installation,
                                                    {"action": "signup", "authProvider": provider})
            result.response["sessionToken"] = session["sessionToken"]
        if anonymous_id:
            result.response["username"] = body["username"]
            result.response["authDataResponse"] = {}
        result.extra["location_prefix"] = "/users/"
        return result

    async def _login_existing(self, ctx: RequestContext, user: Document, provider: str) -> WriteResult:
        session = await sessions_of(ctx).create(user["objectId"], ctx.auth.installation_id,
                                                {"action": "login", "authProvider": provider})
        response = render_self(ctx, user, session["sessionToken"])
        response["authDataResponse"] = {}
        result = WriteResult(response, user["objectId"], user, user, 200)
        result.extra["location_prefix"] = "/users/"
        return result

    @staticmethod
    def _require_self(ctx: RequestContext, object_id: str, message: str) -> None:
        if ctx.auth.is_master:
            return
        if ctx.auth.is_read_only:
            raise ParseError(OPERATION_FORBIDDEN, "read-only masterKey isn't allowed to perform this operation.")
        if ctx.auth.user_id != object_id:
            raise ParseError(SESSION_MISSING, message)

    async def update(self, ctx: RequestContext, object_id: str, body: dict[str, Any]) -> WriteResult:
        self._require_self(ctx, object_id, f"Cannot modify user {object_id}.")
        body = dict(body)
        if "emailVerified" in body and not ctx.auth.is_master:
            raise ParseError(OPERATION_FORBIDDEN, "Clients aren't allowed to manually update email verification.")
        unlinked = False
        if "authData" in body:
            _anonymous_id(body)
            auth_data = body.pop("authData")
            for provider, data in (auth_data or {}).items():
                # {"authData": {"anonymous": null}} unlinks that provider
                body[f"authData.{provider}"] = {"__op": "Delete"} if data is None else data
                unlinked = True
        _check_strings(body, creating=False)
        if isinstance(body.get("username"), str):
            await _check_unique(ctx, "username", body["username"], object_id)
        if isinstance(body.get("email"), str):
            await _check_unique(ctx, "email", body["email"], object_id)
        if "ACL" in body and not ctx.auth.is_master and isinstance(body["ACL"], dict):
            # parse-compat: a user editing their own ACL always keeps read/write on themselves
            body["ACL"] = {**body["ACL"], object_id: {"read": True, "write": True}}
        internal: dict[str, Any] = {}
        password = body.pop("password", None)
        if password:
            username = body.get("username")
            if username is None:
                current = await find_user(ctx, {"objectId": object_id})
                username = current.get("username") if current else None
            check_password(ctx.state.settings.passwordPolicy, password, username)
            internal["_hashed_password"] = await hash_password(password)
            internal["_password_changed_at"] = date_value(datetime.now(UTC))
        result = await write.update(ctx, "_User", object_id, body, internal=internal)
        if unlinked:
            result.response["authDataResponse"] = {}
        store = sessions_of(ctx)
        store.forget_user(object_id)
        if password:
            await store.revoke_user(object_id)
            if not ctx.auth.is_master:
                session = await store.create(object_id, ctx.auth.installation_id, None, replace_installation=False)
                result.response["sessionToken"] = session["sessionToken"]
        return result

    async def delete(self, ctx: RequestContext, object_id: str) -> WriteResult:
        self._require_self(ctx, object_id, "Insufficient auth to delete user")
        result = await write.delete(ctx, "_User", object_id)
        await sessions_of(ctx).revoke_user(object_id)
        return result


async def check_credentials(ctx: RequestContext, values: dict[str, Any]) -> Document:
    """Login / verifyPassword: the user for a username or email + password, or Parse's error."""
    username, email, password = values.get("username"), values.get("email"), values.get("password")
    if not username and not email:
        raise ParseError(USERNAME_MISSING, "username/email is required.")
    if not password:
        raise ParseError(PASSWORD_MISSING, "password is required.")
    invalid = ParseError(OBJECT_NOT_FOUND, "Invalid username/password.")
    if not isinstance(password, str) or (username is not None and not isinstance(username, str)) or (
        email is not None and not isinstance(email, str)
    ):
        raise invalid
    if username and email:
        where: dict[str, Any] = {"username": username, "email": email}
    elif username:
        where = {"$or": [{"username": username}, {"email": username}]}
    else:
        where = {"email": email}
    user = await find_user(ctx, where)
    lockout = Lockout(ctx.state.settings.accountLockout, ctx.state.storage, ctx.state.schemas)
    if user is not None:
        lockout.check_locked(user)
    ok = await verify_password(password, user.get("_hashed_password") if user else None)
    if user is not None and not ok:
        await lockout.failed(user)
    if not ok or user is None:
        raise invalid
    await lockout.succeeded(user)
    if password_expired(ctx.state.settings.passwordPolicy, user):
        raise ParseError(OBJECT_NOT_FOUND, "Your password has expired. Please reset your password.")
    if user.get("_rperm") == [] and user.get("_wperm") == [] and not ctx.auth.is_master:
        raise invalid
    return user
