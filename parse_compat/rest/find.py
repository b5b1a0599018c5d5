"""Reads: find, count and get — the policy's grant, where preparation, the grant as a storage
constraint, protected-field redaction per object, rendering and include, in that order.

Every permission decision is `security.policy`'s; this module only asks it and applies the answer.
A beforeFind hook (Python or a webhook) runs only once the class gate and CLP admit the caller;
afterFind sees only what the caller may read, as rendered for it.
"""

from __future__ import annotations

from typing import Any

from ..audit import record as audit_record
from ..errors import OBJECT_NOT_FOUND, ParseError
from ..security import policy
from ..storage.base import ClassSchema, FindOptions
from .complexity import subquery_limit
from .context import RequestContext
from .grants import caller, class_for_read, combine, grant_for
from .include import render_many, storage_keys
from .params import QueryParams
from .triggers import triggers_of
from .where import WherePreparer


async def sub_find(ctx: RequestContext, class_name: str, where: dict[str, Any],
                   keys: list[str] | None = None) -> list[dict[str, Any]]:
    """A sub-query ($inQuery, $select, $relatedTo, ...) run as a direct find by the caller would be:
    the same class gate, CLP `find`, ACL and pointer permissions; `keys` (the `$select` key, the
    `$relatedTo` relation) may not name a protected field (119)."""
    schema = await class_for_read(ctx, class_name)
    if schema is None:
        return []
    grant = await grant_for(ctx, schema, "find")
    for key in keys or ():
        policy.check_key(key, grant.hidden, "query", class_name)
    _check_where(where, grant)
    prepared = await WherePreparer(ctx, sub_find).prepare(schema, where)
    where = combine(prepared, policy.storage_where(grant, await caller(ctx)))
    return await ctx.state.storage.find(schema, where, FindOptions(limit=subquery_limit(ctx)))


def _check_where(where: Any, grant: policy.ClassGrant) -> None:
    """Protected fields in the client's where (as sent: relation constraints and sub-queries are still
    under their field's name) → 119, before any sub-query runs."""
    if isinstance(where, dict):
        policy.check_query_keys(where, grant.hidden, grant.class_name)


def _sort_keys(schema: ClassSchema, order: list[tuple[str, bool]], hidden: frozenset[str]) -> list[tuple[str, bool]]:
    out = []
    for name, ascending in order:
        if name.startswith("_") or name.startswith("$"):
            if name in ("$score", "-$score"):
                continue
            raise ParseError(105, f"Cannot sort by {name}")
        policy.check_sort_keys([name], hidden, schema.class_name)
        if name in ("objectId", "createdAt", "updatedAt") or name.split(".")[0] in schema.fields:
            out.append((name, ascending))
        # parse-compat: ordering by a field the schema does not know is silently ignored
    return out


def _operation(ctx: RequestContext, params: QueryParams) -> tuple[str, int]:
    """find or count, and the limit the find runs with."""
    settings = ctx.state.settings
    limit = settings.defaultLimit if params.limit is None else params.limit
    if settings.maxLimit is not None:
        limit = min(limit, settings.maxLimit)
    return ("count" if params.count and limit == 0 else "find"), limit


async def _allowed_before_trigger(ctx: RequestContext, class_name: str, operation: str) -> None:
    """The class gate and the CLP for `operation`, asked before a beforeFind hook (Python or a
    webhook) sees the caller's query; the read asks them again with the query the hook returns.

    parse-compat: Parse runs beforeFind first and refuses the caller afterwards."""
    schema = await class_for_read(ctx, class_name, operation)
    if schema is not None:
        await grant_for(ctx, schema, operation)


async def find(ctx: RequestContext, class_name: str, params: QueryParams) -> dict[str, Any]:
    triggers = triggers_of(ctx)
    if triggers.has("beforeFind", class_name):
        target = _redirect_target(ctx, class_name, params) or class_name
        await _allowed_before_trigger(ctx, target, _operation(ctx, params)[0])
        params = await triggers.before_find(ctx, class_name, params, False, bool(params.count))
    result = await _find(ctx, class_name, params)
    if triggers.has("afterFind", class_name) and result["results"]:
        result["results"] = await triggers.after_find(ctx, class_name, result["results"])
    return result


async def _find(ctx: RequestContext, class_name: str, params: QueryParams) -> dict[str, Any]:
    if params.redirect_key:
        return await _find_redirected(ctx, class_name, params)
    operation, limit = _operation(ctx, params)
    schema = await class_for_read(ctx, class_name, operation)
    if schema is None:
        return {"results": [], **({"count": 0} if params.count else {})}
    grant = await grant_for(ctx, schema, operation)
    if params.count and operation == "find":
        await grant_for(ctx, schema, "count")
    _check_where(params.where, grant)
    sort = _sort_keys(schema, params.order, grant.hidden)
    prepared = await WherePreparer(ctx, sub_find).prepare(schema, params.where)
    where = combine(prepared, policy.storage_where(grant, await caller(ctx)))
    storage = ctx.state.storage
    result: dict[str, Any] = {"results": []}
    if limit > 0:
        options = FindOptions(limit=limit, skip=params.skip, sort=sort, keys=storage_keys(params.keys))
        docs = await storage.find(schema, where, options)
        audit_record(ctx, "find", class_name, [doc["objectId"] for doc in docs], query=True)
        result["results"] = await render_many(ctx, schema, docs, params, grant)
    if params.count:
        result["count"] = await storage.count(schema, where)
    return result


async def get(ctx: RequestContext, class_name: str, object_id: str, params: QueryParams) -> dict[str, Any]:
    triggers = triggers_of(ctx)
    if triggers.has("beforeFind", class_name):
        await _allowed_before_trigger(ctx, class_name, "get")
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
    schema = await class_for_read(ctx, class_name, "get")
    if schema is None:
        raise ParseError(OBJECT_NOT_FOUND, "Object not found.")
    grant = await grant_for(ctx, schema, "get")
    where: dict[str, Any] = {"objectId": object_id}
    if params.where:  # only a beforeFind hook sets `where` on a get; it constrains the get as a find
        _check_where(params.where, grant)
        prepared = await WherePreparer(ctx, sub_find).prepare(schema, params.where)
        where = {"$and": [prepared, where]}
    where = combine(where, policy.storage_where(grant, await caller(ctx)))
    docs = await ctx.state.storage.find(schema, where, FindOptions(limit=1))
    if not docs:
        raise ParseError(OBJECT_NOT_FOUND, "Object not found.")
    audit_record(ctx, "get", class_name, [object_id])
    return (await render_many(ctx, schema, docs, params, grant))[0]


def _redirect_target(ctx: RequestContext, class_name: str, params: QueryParams) -> str | None:
    """The class `relation.query()` reads (the relation's target), or None."""
    if not params.redirect_key:
        return None
    parent = ctx.state.schemas.get(class_name)
    target = parent.fields.get(params.redirect_key, {}).get("targetClass") if parent else None
    return target if isinstance(target, str) else None


async def _find_redirected(ctx: RequestContext, class_name: str, params: QueryParams) -> dict[str, Any]:
    """`relation.query()`: objects of the relation's target class, found through the parent."""
    target = _redirect_target(ctx, class_name, params)
    params.redirect_key = None
    if not target:
        return await find(ctx, class_name, params)
    result = await find(ctx, target, params)
    for item in result["results"]:
        item["className"] = target  # parse-compat: Parse tags each redirected result with its class
    return result
