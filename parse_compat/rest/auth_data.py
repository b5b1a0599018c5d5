"""`authData` on `_User` writes and logins: signup, login, link and unlink with a provider, as
Parse's RestWrite.handleAuthData does, with the app's auth adapters (`auth/adapters`).

- `POST /users` with authData: no account holds those provider ids → the adapters validate
  (set-up) and a user is created with what they return; one account holds them → a login with
  them (validation, login policy, `beforeLogin`, a new session); a caller logged in as someone
  else, or ids held by two accounts → 208 ACCOUNT_ALREADY_LINKED (after validation, as Parse).
- `PUT /users/<id>` (the user themself or the master key): changed providers are validated
  (set-up or update) and stored one by one (`authData.<provider>`); `null` unlinks; an id held by
  another account → 208.
- `POST /login` with `authData` (mfa): the account's "additional" providers must be given.

Every provider named must be configured (252 otherwise). What the client sent is never stored as
such: only what the adapter validated and returned (`UserRules.check_keys` refuses any other
`authData` key from a client).
"""

from __future__ import annotations

from typing import Any

from ..auth.adapters import AuthAdapters, AuthRequest
from ..codec.dates import now_iso
from ..errors import ACCOUNT_ALREADY_LINKED, UNSUPPORTED_SERVICE, ParseError
from ..storage.base import Document, FindOptions
from .context import RequestContext

UNSUPPORTED = "This authentication method is unsupported."
ALREADY_LINKED = "this auth is already used"


def adapters_of(ctx: RequestContext) -> AuthAdapters:
    return ctx.state.services.auth_adapters


def collect(raw: dict[str, Any]) -> dict[str, Any] | None:
    """Takes `authData` (and `authData.<provider>` keys) out of a client body → {provider: data|None}.

    None when the body names no authData; 252 for a shape Parse refuses (not an object, a path
    below a provider, a provider value that is neither an object nor null)."""
    found: dict[str, Any] | None = None
    if "authData" in raw:
        value = raw.pop("authData")
        if not isinstance(value, dict):
            raise ParseError(UNSUPPORTED_SERVICE, UNSUPPORTED)
        found = dict(value)
    for key in [k for k in raw if k.startswith("authData.")]:
        provider = key[len("authData."):]
        if not provider or "." in provider:
            raise ParseError(UNSUPPORTED_SERVICE, UNSUPPORTED)
        found = found if found is not None else {}
        value = raw.pop(key)
        found[provider] = None if isinstance(value, dict) and value.get("__op") == "Delete" else value
    if found is None:
        return None
    for provider, data in found.items():
        if not isinstance(provider, str) or not provider or "." in provider or provider.startswith("$"):
            raise ParseError(UNSUPPORTED_SERVICE, UNSUPPORTED)
        if data is not None and not isinstance(data, dict):
            raise ParseError(UNSUPPORTED_SERVICE, UNSUPPORTED)
    return found


def _ids(auth_data: dict[str, Any]) -> list[dict[str, Any]]:
    return [{f"authData.{p}.id": d["id"]} for p, d in auth_data.items()
            if isinstance(d, dict) and isinstance(d.get("id"), (str, int)) and d.get("id") != ""]


async def users_holding(ctx: RequestContext, auth_data: dict[str, Any]) -> list[Document]:
    """Accounts holding any of the provider ids (at most 2), locked accounts (empty ACL) left out
    for non-master callers, as Parse filters them."""
    clauses = _ids(auth_data)
    if not clauses:
        return []
    schema = ctx.state.schemas.get("_User")
    assert schema is not None
    docs = await ctx.state.storage.find(schema, {"$or": clauses}, FindOptions(limit=2))
    if ctx.auth.is_master:
        return docs
    return [d for d in docs if not (d.get("_rperm") == [] and d.get("_wperm") == [])]


def as_request(ctx: RequestContext, original: Document | None, new_object: dict[str, Any]) -> AuthRequest:
    rendered = {k: v for k, v in original.items() if not k.startswith("_")} if original else None
    return AuthRequest(master=bool(ctx.auth.is_master and not ctx.auth.is_maintenance), ip=ctx.ip,
                       installation_id=ctx.auth.installation_id,
                       user=ctx.auth.user, original=rendered, object=new_object)


def check_providers(ctx: RequestContext, auth_data: dict[str, Any]) -> None:
    adapters = adapters_of(ctx)
    for provider, data in auth_data.items():
        if data is not None:
            adapters.require(provider)


async def store_validated(ctx: RequestContext, user: Document, validated: dict[str, Any]) -> None:
    """What a login's validation returned (mfa's remaining recovery codes...) is stored at once."""
    changes = {f"authData.{p}": v for p, v in validated.items()
               if v is not None and (user.get("authData") or {}).get(p) != v}
    if not changes:
        return
    schema = ctx.state.schemas.get("_User")
    assert schema is not None
    await ctx.state.services.server_writes.update(schema, {"objectId": user["objectId"]},
                                                  {**changes, "updatedAt": now_iso()})
    ctx.state.services.sessions.forget_user(user["objectId"])


async def ensure_unique(ctx: RequestContext, body: dict[str, Any], object_id: str | None) -> None:
    """Again right before the write (after beforeSave, as Parse's ensureUniqueAuthDataId): no
    provider id in the body may belong to another account → 208."""
    given: dict[str, Any] = dict(body["authData"]) if isinstance(body.get("authData"), dict) else {}
    for key, value in body.items():
        if key.startswith("authData.") and key.count(".") == 1:
            given[key[len("authData."):]] = value
    for holder in await users_holding(ctx, {p: d for p, d in given.items() if isinstance(d, dict)}):
        if holder["objectId"] != object_id:
            raise ParseError(ACCOUNT_ALREADY_LINKED, ALREADY_LINKED)


class SignupPlan:
    """What `plan_create` decided: a login of `user`, or a signup storing `validated`."""

    def __init__(self, user: Document | None, validated: dict[str, Any], responses: dict[str, Any],
                 provider_names: str) -> None:
        self.user = user
        self.validated = validated
        self.responses = responses
        self.provider_names = provider_names


async def plan_create(ctx: RequestContext, auth_data: dict[str, Any], raw: dict[str, Any]) -> SignupPlan:
    """POST /users with authData: a login of the account holding the ids, or a signup."""
    adapters = adapters_of(ctx)
    check_providers(ctx, auth_data)
    await adapters.before_find(auth_data)
    found = await users_holding(ctx, auth_data)
    names = ",".join(auth_data)
    caller = ctx.auth.user_id
    if len(found) > 1 or (caller and found and found[0]["objectId"] != caller):
        await adapters.validate(auth_data, as_request(ctx, found[0], raw), found[0].get("authData"), False)
        raise ParseError(ACCOUNT_ALREADY_LINKED, ALREADY_LINKED)
    if not found:
        validated, responses = await adapters.validate(auth_data, as_request(ctx, None, raw), None, False)
        return SignupPlan(None, validated, responses, names)
    user = found[0]
    stored = user.get("authData") or {}
    request = as_request(ctx, user, raw)
    adapters.check_login_policy(auth_data, stored, request)
    logged_in = bool(ctx.auth.is_master or caller == user["objectId"])
    validated, responses = await adapters.validate(auth_data, request, stored, logged_in)
    return SignupPlan(user, validated, responses, names)


async def plan_update(ctx: RequestContext, object_id: str, auth_data: dict[str, Any],
                      raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """PUT /users/<id> with authData (caller already checked: the user or the master key) →
    ({`authData.<provider>`: value or Delete}, authDataResponse)."""
    adapters = adapters_of(ctx)
    check_providers(ctx, auth_data)
    linking = {p: d for p, d in auth_data.items() if d is not None}
    await adapters.before_find(linking)
    schema = ctx.state.schemas.get("_User")
    assert schema is not None
    docs = await ctx.state.storage.find(schema, {"objectId": object_id}, FindOptions(limit=1))
    target = docs[0] if docs else None
    stored = (target or {}).get("authData") or {}
    request = as_request(ctx, target, raw)
    holders = await users_holding(ctx, linking)
    if any(h["objectId"] != object_id for h in holders):
        await adapters.validate(linking, request, stored, True)
        raise ParseError(ACCOUNT_ALREADY_LINKED, ALREADY_LINKED)
    changed = {p: d for p, d in auth_data.items() if d is None or p == "anonymous" or stored.get(p) != d}
    validated, responses = await adapters.validate(changed, request, stored, True)
    updates = {f"authData.{p}": ({"__op": "Delete"} if v is None else v) for p, v in validated.items()}
    return updates, responses


async def login_factors(ctx: RequestContext, user: Document, auth_data: Any) -> dict[str, Any] | None:
    """POST /login: the account's additional providers (mfa) with the given authData → the
    authDataResponse (None when no authData was given)."""
    adapters = adapters_of(ctx)
    stored = user.get("authData") or {}
    if auth_data is not None and not isinstance(auth_data, dict):
        raise ParseError(UNSUPPORTED_SERVICE, UNSUPPORTED)
    request = as_request(ctx, user, {})
    adapters.check_login_policy(auth_data, stored, request)
    if not auth_data:
        return None
    given = collect({"authData": auth_data}) or {}
    check_providers(ctx, given)
    validated, responses = await adapters.validate(given, request, stored, False)
    await store_validated(ctx, user, validated)
    return responses
