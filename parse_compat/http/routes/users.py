"""Users, sessions, roles and installations routes: `/users`, `/login`, `/logout`, `/users/me`,
`/verifyPassword`, `/upgradeToRevocableSession`, `/requestPasswordReset`,
`/verificationEmailRequest`, `/sessions`, `/roles`, `/installations`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ...auth.identity import refuse_read_only
from ...errors import EMAIL_MISSING, INVALID_EMAIL_ADDRESS, INVALID_SESSION_TOKEN, OBJECT_NOT_FOUND, ParseError
from ...rest.auth_data import login_factors
from ...rest.context import RequestContext
from ...rest.triggers import triggers_of
from ...rest.users import as_owner_sees, check_credentials, find_user, refuse_public_signup, render_self
from ...storage.base import Document
from ..api import ApiRequest, ApiResponse, Router
from .classes import create_object, delete_object, find_objects, get_object, query_values, update_object

ALIASES = {"users": "_User", "roles": "_Role", "sessions": "_Session", "installations": "_Installation"}


def _values(request: ApiRequest) -> dict[str, Any]:
    values = query_values(request)
    return values


async def signup(request: ApiRequest) -> ApiResponse:
    refuse_read_only(request.ctx.auth, "create")
    body = request.body if isinstance(request.body, dict) else {}
    refuse_public_signup(request.ctx)  # before any trigger runs
    result = await request.ctx.state.writer.create(request.ctx, "_User", body)
    base = (request.ctx.state.settings.serverURL or "").rstrip("/")
    return ApiResponse(result.response, result.status, {"Location": f"{base}/users/{result.object_id}"})


async def login(request: ApiRequest) -> ApiResponse:
    values = request.body if isinstance(request.body, dict) and (
        "username" in request.body or "email" in request.body) else query_values(request)
    ctx = request.ctx
    user = await check_credentials(ctx, values)
    # the account's additional providers (mfa) and any authData sent with the password
    auth_response = await login_factors(ctx, user, request.body.get("authData") if isinstance(request.body, dict)
                                        else None)
    if auth_response is not None:
        user = await find_user(ctx, {"objectId": user["objectId"]}) or user
    triggers = triggers_of(ctx)
    if triggers.has("beforeLogin", "_User"):
        await triggers.before_login(ctx, render_self(ctx, user, None))
    session = await ctx.state.services.sessions.create(
        user["objectId"], ctx.auth.installation_id, {"action": "login", "authProvider": "password"})
    rendered = render_self(ctx, user, session["sessionToken"])
    if auth_response is not None:
        rendered["authDataResponse"] = auth_response
    if triggers.has("afterLogin", "_User"):
        await triggers.after_login(ctx, rendered)
    return ApiResponse(await as_owner_sees(ctx, user, rendered))


async def verify_password(request: ApiRequest) -> ApiResponse:
    user = await check_credentials(request.ctx, _values(request))
    return ApiResponse(await as_owner_sees(request.ctx, user, render_self(request.ctx, user, None)))


async def logout(request: ApiRequest) -> ApiResponse:
    ctx = request.ctx
    if ctx.auth.session_token:
        sessions = ctx.state.services.sessions
        session = await sessions.find_session(ctx.auth.session_token)
        await sessions.revoke_token(ctx.auth.session_token)
        triggers = triggers_of(ctx)
        if session is not None and triggers.has("afterLogout", "_Session"):
            await triggers.after_logout(ctx, {k: v for k, v in session.items() if not k.startswith("_")})
    return ApiResponse({})


async def me(request: ApiRequest) -> ApiResponse:
    ctx = request.ctx
    if ctx.auth.user is None:
        raise ParseError(INVALID_SESSION_TOKEN, "Invalid session token")
    return ApiResponse(await as_owner_sees(ctx, ctx.auth.user, render_self(ctx, ctx.auth.user,
                                                                             ctx.auth.session_token)))


async def session_me(request: ApiRequest) -> ApiResponse:
    ctx = request.ctx
    if ctx.auth.session_token is None:
        raise ParseError(INVALID_SESSION_TOKEN, "Invalid session token")
    session = await ctx.state.services.sessions.find_session(ctx.auth.session_token)
    if session is None:
        raise ParseError(INVALID_SESSION_TOKEN, "Invalid session token")
    return ApiResponse({k: v for k, v in session.items() if not k.startswith("_")})


async def upgrade_to_revocable_session(request: ApiRequest) -> ApiResponse:
    """A new revocable session for the caller's user, answered as `GET /sessions/me` would (Parse
    upgrades legacy tokens this way; every parse-compat session is revocable already)."""
    ctx = request.ctx
    refuse_read_only(ctx.auth, "create")
    current = await ctx.state.services.sessions.find_session(ctx.auth.session_token) \
        if ctx.auth.user is not None and ctx.auth.session_token else None
    if ctx.auth.user is None or current is None:
        raise ParseError(OBJECT_NOT_FOUND, "invalid session")
    # parse-compat: the new session expires when the one it was made from does, so this route
    # cannot stretch a session past its absolute length (Parse gives it a full sessionLength)
    session = await ctx.state.services.sessions.create(ctx.auth.user["objectId"], ctx.auth.installation_id,
                                                       {"action": "upgrade"}, replace_installation=False,
                                                       expires_at=current.get("expiresAt"))
    return ApiResponse({k: v for k, v in session.items() if not k.startswith("_")})


def _before_reset(ctx: RequestContext) -> Callable[[Document], Awaitable[None]] | None:
    """The beforePasswordResetRequest trigger, given the account a reset request found."""
    triggers = triggers_of(ctx)
    if not triggers.has("beforePasswordResetRequest", "_User"):
        return None

    async def run(user: Document) -> None:
        await triggers.before_password_reset_request(ctx, render_self(ctx, user, None))
    return run


async def _email_request(request: ApiRequest, kind: str) -> ApiResponse:
    values = _values(request)
    email = values.get("email")
    if email is None or email == "":
        raise ParseError(EMAIL_MISSING, "you must provide an email")
    if not isinstance(email, str):
        raise ParseError(INVALID_EMAIL_ADDRESS, "you must provide a valid email string")
    mailer = request.ctx.state.services.account_mail
    if mailer is None:
        raise ParseError(1, "An appName, publicServerURL, and emailAdapter are required for password reset "
                            "and email verification functionality.")
    await mailer.request(request.ctx, kind, email, _before_reset(request.ctx))
    # parse-compat: unknown emails answer {} (resetPasswordSuccessOnInvalidEmail default)
    return ApiResponse({})


async def request_password_reset(request: ApiRequest) -> ApiResponse:
    return await _email_request(request, "password_reset")


async def verification_email_request(request: ApiRequest) -> ApiResponse:
    return await _email_request(request, "verify_email")


def _alias(prefix: str, class_name: str, router: Router) -> None:
    async def find_h(r: ApiRequest) -> ApiResponse:
        return await find_objects(r, class_name)

    async def get_h(r: ApiRequest) -> ApiResponse:
        return await get_object(r, class_name, r.params["objectId"])

    async def create_h(r: ApiRequest) -> ApiResponse:
        if class_name == "_User":
            return await signup(r)
        response = await create_object(r, class_name)
        base = (r.ctx.state.settings.serverURL or "").rstrip("/")
        response.headers["Location"] = f"{base}/classes/{class_name}/{response.body.get('objectId')}"
        return response

    async def update_h(r: ApiRequest) -> ApiResponse:
        return await update_object(r, class_name, r.params["objectId"])

    async def delete_h(r: ApiRequest) -> ApiResponse:
        return await delete_object(r, class_name, r.params["objectId"])

    router.add("GET", f"/{prefix}", find_h)
    router.add("POST", f"/{prefix}", create_h)
    router.add("GET", f"/{prefix}/{{objectId}}", get_h)
    router.add("PUT", f"/{prefix}/{{objectId}}", update_h)
    router.add("DELETE", f"/{prefix}/{{objectId}}", delete_h)


def register(router: Router) -> None:
    router.add("GET", "/users/me", me)
    router.add("GET", "/sessions/me", session_me)
    for method in ("GET", "POST"):
        router.add(method, "/login", login)
        router.add(method, "/verifyPassword", verify_password)
    router.add("POST", "/logout", logout)
    router.add("POST", "/upgradeToRevocableSession", upgrade_to_revocable_session)
    router.add("POST", "/requestPasswordReset", request_password_reset)
    router.add("POST", "/verificationEmailRequest", verification_email_request)
    for prefix, class_name in ALIASES.items():
        _alias(prefix, class_name, router)
