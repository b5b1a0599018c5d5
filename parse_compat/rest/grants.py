"""The caller's grant for a read: who the caller is to the security policy, the class gate, the
grant as storage constraints. Shared by find/get, include, sub-queries, Live Query and files; the
decisions themselves are `security.policy`'s.
"""

from __future__ import annotations

from typing import Any

from ..audit import CLASS as AUDIT_CLASS
from ..audit import audit_of
from ..errors import OPERATION_FORBIDDEN, ParseError
from ..security import policy
from ..storage.base import ClassSchema
from .context import RequestContext


async def caller(ctx: RequestContext) -> policy.Caller:
    """The caller as the security policy sees it (roles resolved once per request)."""
    return await policy.caller_of(ctx.auth, ctx.state.roles)


async def acl_group(ctx: RequestContext) -> list[str]:
    """`*`, the user id and every role the user holds (transitively), master key or not."""
    if ctx.auth.user_id is None:
        return ["*"]
    if ctx.auth.roles is None:
        ctx.auth.roles = await ctx.state.roles.roles_for(ctx.auth.user_id)
    return ["*", ctx.auth.user_id, *ctx.auth.roles]


async def class_for_read(ctx: RequestContext, class_name: str, operation: str = "find") -> ClassSchema | None:
    """The class schema, or None for a missing class the caller may query (no results)."""
    policy.check_class_open(class_name, operation, policy.caller(ctx.auth))
    schema = await ctx.state.schemas.find_class(class_name)
    if schema is None and not ctx.auth.has_master_power and not ctx.state.settings.allowClientClassCreation:
        raise ParseError(OPERATION_FORBIDDEN, f"This user is not allowed to access non-existent class: {class_name}")
    if class_name == AUDIT_CLASS:  # the caller may read it (the check above): first store what waits in the journal
        audit = audit_of(ctx.state)
        if audit is not None:
            await audit.sync()
    return schema


async def grant_for(ctx: RequestContext, schema: ClassSchema, operation: str) -> policy.ClassGrant:
    """The policy's grant for this caller, class and operation (raises Parse's error)."""
    who = await caller(ctx)
    return policy.class_grant(schema.class_name, schema.class_level_permissions, operation, who,
                              protection=ctx.state.settings.field_protection)


async def access_constraints(ctx: RequestContext, schema: ClassSchema, operation: str,
                             acl_column: str) -> tuple[list[dict[str, Any]], set[str]]:
    """The policy's grant as extra where clauses (ACL, pointer permissions, own sessions) and the
    class-wide hidden fields."""
    who = await caller(ctx)
    grant = policy.class_grant(schema.class_name, schema.class_level_permissions, operation, who,
                               protection=ctx.state.settings.field_protection)
    return policy.storage_where(grant, who, acl_column), set(grant.hidden)


def combine(where: dict[str, Any], clauses: list[dict[str, Any]]) -> dict[str, Any]:
    if not clauses:
        return where
    parts = ([where] if where else []) + clauses
    return parts[0] if len(parts) == 1 else {"$and": parts}
