"""`POST /loginAs` (master-key impersonation, for support tooling) and `POST /challenge` (the
challenge step of auth adapters with a `challenge` hook, e.g. a one-time code sent before login).
"""

from __future__ import annotations

from typing import Any

from ...auth.identity import refuse_read_only
from ...errors import INVALID_VALUE, OBJECT_NOT_FOUND, OPERATION_FORBIDDEN, OTHER_CAUSE, ParseError
from ...rest.auth_data import adapters_of, as_request, check_providers, users_holding
from ...rest.users import check_credentials, find_user, render_self
from ..api import ApiRequest, ApiResponse, Router
from .classes import query_values


async def login_as(request: ApiRequest) -> ApiResponse:
    """A new session for any user, master key only: `createdWith` {login, masterkey} as Parse."""
    ctx = request.ctx
    refuse_read_only(ctx.auth, "loginAs")
    if not ctx.auth.is_master or ctx.auth.is_maintenance:
        raise ParseError(OPERATION_FORBIDDEN, "master key is required")
    body = request.body if isinstance(request.body, dict) else {}
    user_id = body.get("userId") or query_values(request).get("userId")
    if not user_id:
        raise ParseError(INVALID_VALUE, "userId must not be empty, null, or undefined")
    if not isinstance(user_id, str):
        raise ParseError(OBJECT_NOT_FOUND, "user not found")
    user = await find_user(ctx, {"objectId": user_id})
    if user is None:
        raise ParseError(OBJECT_NOT_FOUND, "user not found")
    session = await ctx.state.services.sessions.create(user_id, ctx.auth.installation_id,
                                                       {"action": "login", "authProvider": "masterkey"})
    return ApiResponse(render_self(ctx, user, session["sessionToken"]))


async def _user_from_auth_data(request: ApiRequest, auth_data: dict[str, Any]) -> dict[str, Any]:
    """The account one provider id names, once that provider's authData validates; any failure is
    101 "User not found." so ids cannot be probed."""
    ctx = request.ctx
    with_id = [p for p, d in auth_data.items() if isinstance(d, dict) and d.get("id")]
    if len(with_id) > 1:
        raise ParseError(OTHER_CAUSE, "You cannot provide more than one authData provider with an id.")
    not_found = ParseError(OBJECT_NOT_FOUND, "User not found.")
    try:
        check_providers(ctx, auth_data)
        found = await users_holding(ctx, auth_data)
        if len(found) != 1 or not with_id:
            raise not_found
        provider = with_id[0]
        user = found[0]
        req = as_request(ctx, user, {})
        req.is_challenge = True
        await adapters_of(ctx).validate({provider: auth_data[provider]}, req, user.get("authData") or {}, False)
    except ParseError as exc:
        raise not_found from exc
    return user


async def challenge(request: ApiRequest) -> ApiResponse:
    ctx = request.ctx
    body = request.body if isinstance(request.body, dict) else {}
    user = None
    if body.get("username") or body.get("email"):
        if not body.get("password"):
            raise ParseError(OTHER_CAUSE, "You provided username or email, you need to also provide password.")
        user = await check_credentials(ctx, body)
    challenge_data = body.get("challengeData")
    if not challenge_data:
        raise ParseError(OTHER_CAUSE, "Nothing to challenge.")
    if not isinstance(challenge_data, dict):
        raise ParseError(OTHER_CAUSE, "challengeData should be an object.")
    auth_data = body.get("authData")
    if auth_data is not None:
        if not isinstance(auth_data, dict):
            raise ParseError(OTHER_CAUSE, "authData should be an object.")
        if user is not None:
            raise ParseError(OTHER_CAUSE, "You cannot provide username/email and authData, only use one "
                                          "identification method.")
        user = await _user_from_auth_data(request, auth_data)
    req = as_request(ctx, user, {})
    req.is_challenge = True
    answers = await adapters_of(ctx).challenge(challenge_data, auth_data, req)
    return ApiResponse({"challengeData": answers})


def register(router: Router) -> None:
    router.add("POST", "/loginAs", login_as)
    router.add("POST", "/challenge", challenge)
