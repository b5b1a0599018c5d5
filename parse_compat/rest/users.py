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
    EMAIL_NOT_FOUND,
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
from ..security import policy
from ..storage.base import Document, FindOptions
from . import auth_data as auth_data_flow
from .account_mail import account_changed, account_created
from .context import RequestContext
from .output import render_object
from .triggers import triggers_of
from .write import ClassHooks, WriteOp, WriteResult

_MISSING = object()
EMAIL_RE = re.compile(r"^.+@.+$")
MAX_USERNAME = 1024
MAX_PASSWORD = 4096


def exact_ci(value: str) -> dict[str, str]:
    """A case-insensitive exact-match regex constraint (PCRE-quoted)."""
    return {"$regex": "^\\Q" + value.replace("\\E", "\\E\\\\E\\Q") + "\\E$", "$options": "i"}


def sessions_of(ctx: RequestContext) -> SessionStore:
    return ctx.state.services.sessions


async def find_user(ctx: RequestContext, where: dict[str, Any]) -> Document | None:
    schema = ctx.state.schemas.get("_User")
    assert schema is not None
    docs = await ctx.state.storage.find(schema, where, FindOptions(limit=1))
    return docs[0] if docs else None


async def as_owner_sees(ctx: RequestContext, user: Document, rendered: dict[str, Any]) -> dict[str, Any]:
    """A user's own object as an answer (login, `/users/me`, verifyPassword): Parse 9 re-reads it as
    that user, so with `protectedFieldsOwnerExempt` false the protected fields that apply to the
    user (roles included) are left out; by default, and for the master key, nothing is."""
    if ctx.state.settings.protectedFieldsOwnerExempt or ctx.auth.has_master_power:
        return rendered
    schema = ctx.state.schemas.get("_User")
    assert schema is not None
    owner = Auth(user=user)
    who = await policy.caller_of(owner, ctx.state.roles)
    try:
        grant = policy.class_grant("_User", schema.class_level_permissions, "get", who,
                                   protection=ctx.state.settings.field_protection)
    except ParseError:
        return rendered
    hidden = policy.hidden_for(grant, who, user)
    return {key: value for key, value in rendered.items() if key not in hidden}


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


def lowercase_identifiers(ctx: RequestContext, body: dict[str, Any]) -> None:
    """Parse's `convertEmailToLowercase` / `convertUsernameToLowercase`: applied to what is stored
    (after beforeSave), on signup and on updates alike."""
    settings = ctx.state.settings
    for name, option in (("email", settings.convertEmailToLowercase),
                         ("username", settings.convertUsernameToLowercase)):
        if option and isinstance(body.get(name), str):
            body[name] = body[name].lower()


def random_username() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(25))


def refuse_public_signup(ctx: RequestContext) -> None:
    """`allowPublicSignup: false`: only the master key creates users (anonymous ones too)."""
    if ctx.state.settings.allowPublicSignup is False and not ctx.auth.is_master:
        # parse-compat: Parse 9 has no such option; refused like other forbidden operations (119)
        raise ParseError(OPERATION_FORBIDDEN, "Signing up is disabled on this server: ask an administrator "
                                              "for an invitation.")


class UserRules(ClassHooks):
    """`_User` hooks of the write pipeline: signup (and anonymous signup-or-login), updates only
    by the user themself (206), server-owned fields, password hashing and session changes."""

    async def authorize(self, op: WriteOp) -> None:
        if op.kind == "update":
            self._require_self(op.ctx, op.object_id or "", f"Cannot modify user {op.object_id}.")
        elif op.kind == "delete":
            self._require_self(op.ctx, op.object_id or "", "Insufficient auth to delete user")

    async def prepare(self, op: WriteOp) -> None:
        # --- authData (third-party login, rest/auth_data.py) ---
        auth_data = auth_data_flow.collect(op.raw)
        if op.creating and auth_data:
            plan = await auth_data_flow.plan_create(op.ctx, auth_data, op.raw)
            if plan.user is not None:
                op.result = await self._login_existing(op.ctx, plan, op.raw)
                op.finished = True
                return
            op.raw["authData"] = plan.validated
            op.raw.setdefault("username", random_username())
            op.notes["auth_data"] = plan
        elif op.kind == "update" and auth_data is not None:
            updates, responses = await auth_data_flow.plan_update(op.ctx, op.object_id or "", auth_data, op.raw)
            op.raw.update(updates)
            op.notes["auth_keys"] = {key: value for key, value in updates.items()}
            op.notes["auth_response"] = responses
        # --- end authData ---
        if op.creating:
            with_auth_data = "auth_data" in op.notes
            refuse_public_signup(op.ctx)
            # as Parse: username and password are checked before beforeSave runs
            _check_strings({**op.raw, **({"password": op.raw.get("password") or "-"} if with_auth_data else {})},
                           creating=True)
        elif op.kind == "update":
            _check_strings(op.raw, creating=False)

    def check_keys(self, op: WriteOp, body: dict[str, Any]) -> None:
        # --- authData: only what the adapters validated in `prepare` reaches storage ---
        validated = op.notes.get("auth_keys", {})
        plan = op.notes.get("auth_data")
        for key in body:
            head, _, path = key.partition(".")
            if head != "authData" or op.auth.is_master:
                continue
            expected = plan.validated if (not path and plan is not None) else validated.get(key, _MISSING)
            if body[key] != expected:
                raise ParseError(UNSUPPORTED_SERVICE, "This authentication method is unsupported.")
        # --- end authData ---
        if op.auth.is_master:
            return
        if "emailVerified" in body:
            raise ParseError(OPERATION_FORBIDDEN, "Clients aren't allowed to manually update email verification.")

    async def before_store(self, op: WriteOp) -> None:
        ctx, body = op.ctx, op.body
        with_auth_data = "auth_data" in op.notes
        # again on what beforeSave made of the body
        _check_strings({**body, **({"password": body.get("password") or "-"} if with_auth_data else {})},
                       creating=op.creating)
        lowercase_identifiers(ctx, body)
        await auth_data_flow.ensure_unique(ctx, body, op.object_id)  # authData: ids held by another account
        if op.creating:
            await _check_unique(ctx, "username", body["username"])
            if isinstance(body.get("email"), str):
                await _check_unique(ctx, "email", body["email"])
        else:
            object_id = op.object_id or ""
            if isinstance(body.get("username"), str):
                await _check_unique(ctx, "username", body["username"], object_id)
            if isinstance(body.get("email"), str):
                await _check_unique(ctx, "email", body["email"], object_id)
            if "ACL" in body and not ctx.auth.is_master and isinstance(body["ACL"], dict):
                # parse-compat: a user editing their own ACL always keeps read/write on themselves
                body["ACL"] = {**body["ACL"], object_id: {"read": True, "write": True}}
        password = body.pop("password", None)
        if password:
            username = body.get("username")
            if username is None and op.original is not None:
                username = op.original.get("username")
            check_password(ctx.state.settings.passwordPolicy, password, username)
            op.internal["_hashed_password"] = await hash_password(password)
            op.internal["_password_changed_at"] = date_value(datetime.now(UTC))
            op.notes["password"] = True

    async def after_store(self, op: WriteOp) -> None:
        ctx, result = op.ctx, op.result
        assert result is not None
        store = sessions_of(ctx)
        if op.creating:
            result.response.pop("password", None)
            plan = op.notes.get("auth_data")
            installation = ctx.auth.installation_id
            # Parse: a password signup gets no session while its email must be verified first
            unverified = plan is None and unverified_login_refused(ctx)
            if not (ctx.auth.is_master and installation in (None, "cloud")) and not unverified:
                # as Parse: a signup with authData makes a session "login" with those providers
                created_with = {"action": "login", "authProvider": plan.provider_names} if plan else \
                    {"action": "signup", "authProvider": "password"}
                session = await store.create(result.object_id, installation, created_with)
                result.response["sessionToken"] = session["sessionToken"]
            if unverified and ctx.state.settings.preventSignupWithUnverifiedEmail and not ctx.auth.is_master:
                # parse-compat: as Parse, the account is kept (and afterSave runs) but the signup answers 205;
                # unlike Parse, a master-key signup (admin tooling) is not refused
                result.extra["refusal"] = ParseError(EMAIL_NOT_FOUND, "User email is not verified.")
            if plan is not None:
                result.response["username"] = op.body["username"]
                result.response["authDataResponse"] = plan.responses
            result.extra["location_prefix"] = "/users/"
            await account_created(ctx, result.object_id, op.body, only_anonymous=plan is None or
                                  set(plan.provider_names.split(",")) <= {"anonymous"})
        elif op.kind == "update":
            object_id = result.object_id
            # issue 18: reset/verify links die with the password or email they were sent for
            await account_changed(ctx, object_id, op.body, result, bool(op.notes.get("password")))
            if "auth_response" in op.notes:
                result.response["authDataResponse"] = op.notes["auth_response"]
            store.forget_user(object_id)
            if op.notes.get("password"):
                await store.revoke_user(object_id)
                if not ctx.auth.is_master:
                    session = await store.create(object_id, ctx.auth.installation_id, None,
                                                 replace_installation=False)
                    result.response["sessionToken"] = session["sessionToken"]
        else:
            await store.revoke_user(result.object_id)

    async def _login_existing(self, ctx: RequestContext, plan: auth_data_flow.SignupPlan,
                              raw: dict[str, Any]) -> WriteResult:
        """POST /users with the authData of an existing account: a login (Parse's answer, 200)."""
        user = plan.user
        assert user is not None
        triggers = triggers_of(ctx)
        if triggers.has("beforeLogin", "_User"):
            await triggers.before_login(ctx, render_self(ctx, user, None))
        await auth_data_flow.store_validated(ctx, user, plan.validated)
        fresh = await find_user(ctx, {"objectId": user["objectId"]}) or user
        session = await sessions_of(ctx).create(user["objectId"], ctx.auth.installation_id,
                                                {"action": "login", "authProvider": plan.provider_names})
        response = await as_owner_sees(ctx, fresh, render_self(ctx, fresh, session["sessionToken"]))
        response["authDataResponse"] = plan.responses
        result = WriteResult(response, user["objectId"], fresh, user, 200)
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
    lockout = Lockout(ctx.state.settings.accountLockout, ctx.state.services.server_writes, ctx.state.schemas)
    attempts = await lockout.attempt(user) if user is not None else 0
    ok = await verify_password(password, user.get("_hashed_password") if user else None)
    if user is not None and not ok:
        await lockout.failed(user, attempts)
    if not ok or user is None:
        raise invalid
    await lockout.succeeded(user)
    if password_expired(ctx.state.settings.passwordPolicy, user):
        raise ParseError(OBJECT_NOT_FOUND, "Your password has expired. Please reset your password.")
    if user.get("_rperm") == [] and user.get("_wperm") == [] and not ctx.auth.is_master:
        raise invalid
    if unverified_login_refused(ctx) and user.get("emailVerified") is not True:
        raise ParseError(EMAIL_NOT_FOUND, "User email is not verified.")
    return user


def unverified_login_refused(ctx: RequestContext) -> bool:
    """Parse's `preventLoginWithUnverifiedEmail` (only with `verifyUserEmails`)."""
    settings = ctx.state.settings
    return bool(settings.verifyUserEmails and getattr(settings, "preventLoginWithUnverifiedEmail", False))
