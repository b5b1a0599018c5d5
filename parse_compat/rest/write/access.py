"""Who may write where: the class check, CLPs, and the original object loaded under the
caller's write permission (ACL + CLP + pointer permissions) — the "refuse" half of the pipeline.

Permission decisions themselves live in `security/` and `rest.grants.access_constraints`; this
module only asks them, before anything else can run.
"""

from __future__ import annotations

from typing import Any

from ...auth.identity import MASTER
from ...errors import INVALID_JSON, OBJECT_NOT_FOUND, OPERATION_FORBIDDEN, ParseError
from ...schema.model import MASTER_ONLY_CLASSES, is_valid_class_name
from ...security import clp as clp_rules
from ...security import policy
from ...storage.base import ClassSchema, Document, FindOptions, Where
from ..context import RequestContext
from ..grants import access_constraints, acl_group, caller, combine, grant_for
from ..output import render_object


def check_writable_class(ctx: RequestContext, class_name: str, operation: str) -> None:
    if ctx.auth.is_read_only:
        raise ParseError(OPERATION_FORBIDDEN, "read-only masterKey isn't allowed to perform the "
                                              f"{operation} operation.")
    if class_name == "_Audit":  # append-only: only the server appends (parse_compat/audit), not even the master key
        raise ParseError(OPERATION_FORBIDDEN, f"The {class_name} collection is append-only; only the server writes it.")
    if ctx.auth.is_master:
        return
    if class_name in MASTER_ONLY_CLASSES or class_name.startswith("_Join:"):
        raise ParseError(OPERATION_FORBIDDEN, f"Clients aren't allowed to perform the {operation} "
                                              f"operation on the {class_name} collection.")


async def class_for_write(ctx: RequestContext, class_name: str, operation: str) -> ClassSchema:
    check_writable_class(ctx, class_name, operation)
    schema = await ctx.state.schemas.find_class(class_name)
    if schema is not None:
        return schema
    if not is_valid_class_name(class_name):
        raise ParseError(INVALID_JSON, "schema class name does not revalidate")
    if operation != "create":
        raise ParseError(OBJECT_NOT_FOUND, "Object not found.")
    if not ctx.auth.is_master and not ctx.state.settings.allowClientClassCreation:
        raise ParseError(OPERATION_FORBIDDEN, f"This user is not allowed to access non-existent class: {class_name}")
    return await ctx.state.schemas.ensure_class(class_name)


async def check_clp(ctx: RequestContext, schema: ClassSchema, operation: str) -> list[str] | None:
    """119 when the class-level permissions refuse `operation`; else the pointer-permission
    fields that still apply (None: none)."""
    if ctx.auth.has_master_power:
        return None
    clp = clp_rules.effective(schema.class_level_permissions)
    return clp_rules.check(clp, operation, await acl_group(ctx), ctx.auth.user is not None)


async def load_writable(ctx: RequestContext, schema: ClassSchema, object_id: str,
                        operation: str) -> tuple[Document | None, Where]:
    """The stored object if the caller may `operation` it (None otherwise: missing and
    not-writable look the same), and the storage condition that selected it."""
    extra, _hidden = await access_constraints(ctx, schema, operation, "_wperm")
    where = combine({"objectId": object_id}, extra)
    docs = await ctx.state.storage.find(schema, where, FindOptions(limit=1))
    return (docs[0] if docs else None), where


def as_rest(ctx: RequestContext, class_name: str, doc: Document | None) -> dict[str, Any] | None:
    """The full REST JSON of a stored object, as the master key sees it (for triggers)."""
    schema = ctx.state.schemas.get(class_name)
    if doc is None or schema is None:
        return None
    return render_object(ctx.with_auth(MASTER), schema, doc)


async def protected_from_caller(ctx: RequestContext, schema: ClassSchema, operation: str,
                                doc: Document | None) -> frozenset[str]:
    """The fields of `doc` the policy hides from this caller (none for the master key): what the
    `protectedFieldsTriggerExempt` / `protectedFieldsSaveResponseExempt` options take out."""
    if ctx.auth.has_master_power:
        return frozenset()
    grant = await grant_for(ctx, schema, operation)
    return policy.hidden_for(grant, await caller(ctx), doc)
