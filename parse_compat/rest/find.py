"""Reads: find, count and get — CLP check, where preparation, ACL as a storage constraint,
include, protected-field redaction and rendering, in that order.
"""

from __future__ import annotations

from typing import Any

from ..errors import OBJECT_NOT_FOUND, OPERATION_FORBIDDEN, ParseError
from ..schema.model import MASTER_ONLY_CLASSES
from ..security import clp as clp_rules
from ..storage.base import ClassSchema, FindOptions
from .complexity import subquery_limit
from .context import RequestContext
from .include import apply_includes
from .output import render_object
from .params import QueryParams
from .triggers import triggers_of
from .where import WherePreparer, check_protected_keys


async def acl_group(ctx: RequestContext) -> list[str]:
    """`*`, the user id and every role the user holds (transitively)."""
    if ctx.auth.user is None:
        return ["*"]
    if ctx.auth.roles is None:
        ctx.auth.roles = await ctx.state.roles.roles_for(ctx.auth.user["objectId"])
    return ["*", ctx.auth.user["objectId"], *ctx.auth.roles]


async def class_for_read(ctx: RequestContext, class_name: str) -> ClassSchema | None:
    """The class schema, or None for a missing class the caller may query (no results)."""
    if not ctx.auth.has_master_power and (class_name in MASTER_ONLY_CLASSES or class_name.startswith("_Join:")):
        raise ParseError(OPERATION_FORBIDDEN,
                         f"Clients aren't allowed to perform the find operation on the {class_name} collection.")
    schema = await ctx.state.schemas.find_class(class_name)
    if schema is None and not ctx.auth.has_master_power and not ctx.state.settings.allowClientClassCreation:
        raise ParseError(OPERATION_FORBIDDEN, f"This user is not allowed to access non-existent class: {class_name}")
    return schema


async def access_constraints(ctx: RequestContext, schema: ClassSchema, operation: str,
                             acl_column: str) -> tuple[list[dict[str, Any]], set[str]]:
    """CLP check + ACL constraint + pointer permissions → extra where clauses, hidden fields."""
    if ctx.auth.has_master_power:
        return [], set()
    group = await acl_group(ctx)
    clp = clp_rules.effective(schema.class_level_permissions, schema.class_name)
    pointer_fields = clp_rules.check(clp, operation, group, ctx.auth.user is not None)
    clauses: list[dict[str, Any]] = [{acl_column: {"$in": group}}]
    if pointer_fields is not None:
        me = ctx.auth.user_pointer
        if me is None:
            clauses.append({"objectId": {"$in": []}})
        else:
            clauses.append({"$or": [{name: me} for name in pointer_fields]})
    if schema.class_name == "_Session":
        if ctx.auth.user_pointer is None:
            raise ParseError(209, "Invalid session token")
        clauses.append({"user": ctx.auth.user_pointer})
    hidden = clp_rules.protected_fields(clp, group, ctx.auth.user is not None)
    return clauses, hidden


def combine(where: dict[str, Any], clauses: list[dict[str, Any]]) -> dict[str, Any]:
    if not clauses:
        return where
    parts = ([where] if where else []) + clauses
    return parts[0] if len(parts) == 1 else {"$and": parts}


async def sub_find(ctx: RequestContext, class_name: str, where: dict[str, Any]) -> list[dict[str, Any]]:
    """A sub-query ($inQuery, $select, ...) run with the caller's permissions."""
    schema = await class_for_read(ctx, class_name)
    if schema is None:
        return []
    extra, hidden = await access_constraints(ctx, schema, "find", "_rperm")
    prepared = await WherePreparer(ctx, sub_find).prepare(schema, where)
    check_protected_keys(prepared, hidden)
    return await ctx.state.storage.find(schema, combine(prepared, extra), FindOptions(limit=subquery_limit(ctx)))


def _sort_keys(schema: ClassSchema, order: list[tuple[str, bool]], hidden: set[str]) -> list[tuple[str, bool]]:
    out = []
    for name, ascending in order:
        if name.startswith("_") or name.startswith("$"):
            if name in ("$score", "-$score"):
                continue
            raise ParseError(105, f"Cannot sort by {name}")
        if name.split(".")[0] in hidden:
            raise ParseError(OPERATION_FORBIDDEN, f"This user is not allowed to sort on {name}")
        if name in ("objectId", "createdAt", "updatedAt") or name.split(".")[0] in schema.fields:
            out.append((name, ascending))
        # parse-compat: ordering by a field the schema does not know is silently ignored
    return out


async def find(ctx: RequestContext, class_name: str, params: QueryParams) -> dict[str, Any]:
    triggers = triggers_of(ctx)
    if triggers.has("beforeFind", class_name):
        params = await triggers.before_find(ctx, class_name, params, False, bool(params.count))
    result = await _find(ctx, class_name, params)
    if triggers.has("afterFind", class_name) and result["results"]:
        result["results"] = await triggers.after_find(ctx, class_name, result["results"])
    return result


async def _find(ctx: RequestContext, class_name: str, params: QueryParams) -> dict[str, Any]:
    if class_name == "_Installation" and not ctx.auth.has_master_power:
        raise ParseError(OPERATION_FORBIDDEN, "Clients aren't allowed to perform the find operation on the "
                                              "installation collection.")
    if params.redirect_key:
        return await _find_redirected(ctx, class_name, params)
    schema = await class_for_read(ctx, class_name)
    if schema is None:
        return {"results": [], **({"count": 0} if params.count else {})}
    settings = ctx.state.settings
    limit = settings.defaultLimit if params.limit is None else params.limit
    if settings.maxLimit is not None:
        limit = min(limit, settings.maxLimit)
    operation = "count" if params.count and limit == 0 else "find"
    extra, hidden = await access_constraints(ctx, schema, operation, "_rperm")
    if params.count and operation == "find" and not ctx.auth.has_master_power:
        clp_rules.check(clp_rules.effective(schema.class_level_permissions, schema.class_name), "count",
                        await acl_group(ctx), ctx.auth.user is not None)
    prepared = await WherePreparer(ctx, sub_find).prepare(schema, params.where)
    check_protected_keys(prepared, hidden)
    where = combine(prepared, extra)
    storage = ctx.state.storage
    result: dict[str, Any] = {"results": []}
    if limit > 0:
        options = FindOptions(limit=limit, skip=params.skip, sort=_sort_keys(schema, params.order, hidden),
                              keys=_storage_keys(params.keys))
        docs = await storage.find(schema, where, options)
        result["results"] = await render_many(ctx, schema, docs, params, hidden)
    if params.count:
        result["count"] = await storage.count(schema, where)
    return result


def _storage_keys(keys: list[str] | None) -> set[str] | None:
    if keys is None:
        return None
    return {key.split(".")[0] for key in keys}


async def render_many(ctx: RequestContext, schema: ClassSchema, docs: list[dict[str, Any]],
                      params: QueryParams, hidden: set[str]) -> list[dict[str, Any]]:
    keys = _storage_keys(params.keys)
    include = list(params.include)
    if params.keys:
        include += [k.rsplit(".", 1)[0] for k in params.keys if "." in k]
    owner_fields = _user_field_entries(schema) if not ctx.auth.has_master_power else []
    rendered = []
    for doc in docs:
        doc_hidden = hidden
        if owner_fields:
            doc_hidden = await _hidden_for_doc(ctx, schema, doc, owner_fields)
        rendered.append(render_object(ctx, schema, doc, keys=keys, exclude=set(params.exclude_keys),
                                      hidden=doc_hidden))
    if include or params.include_all:
        await apply_includes(ctx, schema, rendered, include, params.include_all, params.keys)
    return rendered


def _user_field_entries(schema: ClassSchema) -> list[str]:
    """Pointer fields named by `userField:<field>` protectedFields entries."""
    protected = (schema.class_level_permissions or {}).get("protectedFields") or {}
    return [entity[len("userField:"):] for entity in protected if entity.startswith("userField:")]


async def _hidden_for_doc(ctx: RequestContext, schema: ClassSchema, doc: dict[str, Any],
                          owner_fields: list[str]) -> set[str]:
    """Protected fields for one object: `userField:` entries apply when the pointer is the caller."""
    me = ctx.auth.user_id
    owners = {}
    for name in owner_fields:
        value = doc.get(name)
        items = value if isinstance(value, list) else [value]
        owners[name] = me is not None and any(
            isinstance(item, dict) and item.get("objectId") == me for item in items)
    clp = clp_rules.effective(schema.class_level_permissions, schema.class_name)
    return clp_rules.protected_fields(clp, await acl_group(ctx), ctx.auth.user is not None, owners)


async def get(ctx: RequestContext, class_name: str, object_id: str, params: QueryParams) -> dict[str, Any]:
    triggers = triggers_of(ctx)
    if triggers.has("beforeFind", class_name):
        params = await triggers.before_find(ctx, class_name, params, True, False)
    found = await _get(ctx, class_name, object_id, params)
    if class_name == "_User" and ctx.auth.session_token and found.get("objectId") == ctx.auth.user_id:
        found["sessionToken"] = ctx.auth.session_token  # as Parse: your own user carries your token
    if triggers.has("afterFind", class_name):
        replaced = await triggers.after_find(ctx, class_name, [found])
        if not replaced:
            raise ParseError(OBJECT_NOT_FOUND, "Object not found.")
        found = replaced[0]
    return found


async def _get(ctx: RequestContext, class_name: str, object_id: str, params: QueryParams) -> dict[str, Any]:
    schema = await class_for_read(ctx, class_name)
    if schema is None:
        raise ParseError(OBJECT_NOT_FOUND, "Object not found.")
    extra, hidden = await access_constraints(ctx, schema, "get", "_rperm")
    where: dict[str, Any] = {"objectId": object_id}
    if params.where:  # only a beforeFind hook sets `where` on a get; it constrains the get as a find
        prepared = await WherePreparer(ctx, sub_find).prepare(schema, params.where)
        check_protected_keys(prepared, hidden)
        where = {"$and": [prepared, where]}
    where = combine(where, extra)
    docs = await ctx.state.storage.find(schema, where, FindOptions(limit=1))
    if not docs:
        raise ParseError(OBJECT_NOT_FOUND, "Object not found.")
    return (await render_many(ctx, schema, docs, params, hidden))[0]


async def _find_redirected(ctx: RequestContext, class_name: str, params: QueryParams) -> dict[str, Any]:
    """`relation.query()`: objects of the relation's target class, found through the parent."""
    parent = ctx.state.schemas.get(class_name)
    key = params.redirect_key or ""
    target = parent.fields.get(key, {}).get("targetClass") if parent else None
    params.redirect_key = None
    if not target:
        return await find(ctx, class_name, params)
    result = await find(ctx, target, params)
    for item in result["results"]:
        item["className"] = target  # parse-compat: Parse tags each redirected result with its class
    return result
