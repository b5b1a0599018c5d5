"""Storage document → the object JSON Parse sends (ACL rebuilt, file URLs, relations, secrets out)."""

from __future__ import annotations

from typing import Any

from ..auth.adapters.base import AuthRequest
from ..security import policy
from ..security.acl import perms_to_acl
from ..storage.base import ClassSchema, Document
from .context import RequestContext

ALWAYS_KEYS = ("objectId", "createdAt", "updatedAt", "ACL")
USER_SECRETS = ("password", "sessionToken")


def _with_file_urls(ctx: RequestContext, value: Any) -> Any:
    if isinstance(value, dict):
        if value.get("__type") == "File" and isinstance(value.get("name"), str):
            return {"__type": "File", "name": value["name"], "url": ctx.state.file_url(value["name"])}
        if "__type" in value:
            return value
        return {k: _with_file_urls(ctx, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_file_urls(ctx, v) for v in value]
    return value


def render_object(ctx: RequestContext, schema: ClassSchema, doc: Document, *,
                  keys: set[str] | None = None, exclude: set[str] | None = None,
                  hidden: set[str] | None = None) -> dict[str, Any]:
    """The REST JSON of one object as this caller may see it."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key.startswith("_"):
            continue
        out[key] = _with_file_urls(ctx, value) if isinstance(value, (dict, list)) else value
    acl = perms_to_acl(doc.get("_rperm"), doc.get("_wperm"))
    if acl is not None:
        out["ACL"] = acl
    if schema.class_name == "_User":
        for secret in USER_SECRETS:
            out.pop(secret, None)
        if not policy.may_see_auth_data(policy.caller(ctx.auth), doc):
            out.pop("authData", None)
        elif isinstance(out.get("authData"), dict):
            out["authData"] = shown_auth_data(ctx, out["authData"])
    if keys is not None:
        out = {k: v for k, v in out.items() if k in ALWAYS_KEYS or k in keys}
    for name in exclude or ():
        if name not in ALWAYS_KEYS:
            out.pop(name, None)
    for name in hidden or ():
        out.pop(name, None)
    for name, spec in schema.fields.items():
        if spec["type"] == "Relation" and name not in (hidden or ()):
            # parse-compat: relation placeholders appear even under a `keys` projection
            out[name] = {"__type": "Relation", "className": spec.get("targetClass")}
    return out


def shown_auth_data(ctx: RequestContext, auth_data: dict[str, Any]) -> dict[str, Any]:
    """authData as its owner sees it: each adapter's after_find (mfa shows only its status)."""
    adapters = getattr(ctx.state.services, "auth_adapters", None)
    if adapters is None:
        return auth_data
    shown: dict[str, Any] = adapters.after_find(auth_data, AuthRequest(master=ctx.auth.has_master_power,
                                                                         user=ctx.auth.user))
    return shown
