"""Resolvers of the generated class queries and mutations: `<class>(id)`, `<classes>(where,
order, skip, first, after, last, before)`, relation fields, pointer fields, `node(id)`,
`create<Class>`, `update<Class>`, `delete<Class>`.

Every one replays the REST operation it stands for through `RestBridge` (reads: `GET
/classes/…`; writes: `POST|PUT|DELETE /classes/…`, hence the one write pipeline and its
read-only-master refusal), as the caller. Pointers are loaded through the request's
`PointerLoader` (one batched REST include per class and level).
"""

from __future__ import annotations

import asyncio
from typing import Any

from graphql import GraphQLResolveInfo

from ..errors import OBJECT_NOT_FOUND, ParseError
from .context import GraphQLContext
from .names import from_global_id, graphql_class_name, lower_first, object_id_of
from .pagination import connection, window
from .selection import only_basic_fields, selected_paths
from .translate import fields_to_parse, order_to_parse, where_to_parse
from .uploads import store_upload

DEFAULT_CONNECTION_LIMIT = 100  # parse-compat: Parse's GraphQL pages hold 100 objects unless `first` says otherwise
CREATE_BASICS = frozenset({"id", "objectId", "createdAt", "updatedAt"})
UPDATE_BASICS = frozenset({"id", "objectId", "updatedAt"})
DELETE_BASICS = frozenset({"id", "objectId"})


def _context(info: GraphQLResolveInfo) -> GraphQLContext:
    context = info.context
    assert isinstance(context, GraphQLContext)
    return context


def _is_loaded(value: dict[str, Any]) -> bool:
    return value.get("__type") != "Pointer" or "createdAt" in value


class ClassResolvers:
    """The `FieldResolvers` of `classes.ClassTypeSet` plus the root fields of each class."""

    # --- fields of objects -------------------------------------------------------------------
    def pointer(self, field_name: str) -> Any:
        def resolve(source: Any, info: GraphQLResolveInfo) -> Any:
            """The pointed-to object, or a future of it from the batched loader (no task per object)."""
            value = source.get(field_name) if isinstance(source, dict) else None
            if not isinstance(value, dict):
                return None
            if _is_loaded(value):
                return value
            class_name, object_id = value.get("className"), value.get("objectId")
            if not isinstance(class_name, str) or not isinstance(object_id, str):
                return None
            return _context(info).loader.load(class_name, object_id)
        return resolve

    def relation(self, class_name: str, field_name: str, target_class: str) -> Any:
        async def resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
            related = {"$relatedTo": {"object": {"__type": "Pointer", "className": class_name,
                                                 "objectId": source.get("objectId")}, "key": field_name}}
            return await find_connection(info, target_class, args, related)
        return resolve

    def find(self, class_name: str) -> Any:
        async def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
            return await find_connection(info, class_name, args)
        return resolve

    # --- root fields --------------------------------------------------------------------------
    def get(self, class_name: str) -> Any:
        async def resolve(_root: Any, info: GraphQLResolveInfo, id: str, **_args: Any) -> Any:  # noqa: A002
            found = await _context(info).bridge.get(class_name, object_id_of(id, class_name))
            if class_name == "_User":
                found.pop("sessionToken", None)  # as Parse: a user read through GraphQL never carries a token
            return found
        return resolve

    def create(self, class_name: str) -> Any:
        key = lower_first(graphql_class_name(class_name))

        async def resolve(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:  # noqa: A002
            context = _context(info)
            body = await fields_to_parse(input.get("fields"), class_name, context.classes, _nested_create(context),
                                        _uploads(context))
            created = await context.bridge.create(class_name, body)
            obj: dict[str, Any] = {**body, **created, "updatedAt": created.get("createdAt")}
            if not only_basic_fields(selected_paths(info), f"{key}.", CREATE_BASICS):
                obj = await _reread(context, class_name, created["objectId"])
            return {key: obj, "clientMutationId": input.get("clientMutationId")}
        return resolve

    def update(self, class_name: str) -> Any:
        key = lower_first(graphql_class_name(class_name))

        async def resolve(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:  # noqa: A002
            context = _context(info)
            object_id = object_id_of(input["id"], class_name)
            body = await fields_to_parse(input.get("fields"), class_name, context.classes, _nested_create(context),
                                        _uploads(context))
            updated = await context.bridge.update(class_name, object_id, body)
            obj: dict[str, Any] = {"objectId": object_id, **updated}
            if not only_basic_fields(selected_paths(info), f"{key}.", UPDATE_BASICS):
                obj = await _reread(context, class_name, object_id)
            return {key: obj, "clientMutationId": input.get("clientMutationId")}
        return resolve

    def delete(self, class_name: str) -> Any:
        key = lower_first(graphql_class_name(class_name))

        async def resolve(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:  # noqa: A002
            context = _context(info)
            object_id = object_id_of(input["id"], class_name)
            obj: dict[str, Any] = {"objectId": object_id}
            if not only_basic_fields(selected_paths(info), f"{key}.", DELETE_BASICS):
                obj = await _reread(context, class_name, object_id)  # as Parse: read before the delete
            await context.bridge.delete(class_name, object_id)
            return {key: obj, "clientMutationId": input.get("clientMutationId")}
        return resolve

    async def node(self, _root: Any, info: GraphQLResolveInfo, id: str) -> Any:  # noqa: A002
        decoded = from_global_id(id)
        context = _context(info)
        if decoded is None or decoded[0] not in context.classes:
            raise ParseError(OBJECT_NOT_FOUND, "Object not found.")
        class_name, object_id = decoded
        found = await context.bridge.get(class_name, object_id)
        found.pop("sessionToken", None)
        return {**found, "className": class_name}


async def _reread(context: GraphQLContext, class_name: str, object_id: str) -> dict[str, Any]:
    found = await context.bridge.get(class_name, object_id)
    if class_name == "_User":
        found.pop("sessionToken", None)
    return found


def _uploads(context: GraphQLContext) -> Any:
    async def store(upload: Any) -> dict[str, Any]:
        return await store_upload(context, upload)
    return store


def _nested_create(context: GraphQLContext) -> Any:
    async def create(class_name: str, fields: dict[str, Any]) -> str:
        body = await fields_to_parse(fields, class_name, context.classes, create, _uploads(context))
        created = await context.bridge.create(class_name, body)
        return str(created["objectId"])
    return create


async def find_connection(info: GraphQLResolveInfo, class_name: str, args: dict[str, Any],
                          extra_where: dict[str, Any] | None = None) -> dict[str, Any]:
    """A `<Class>Connection` answered by `GET /classes/<Class>` (Parse's findObjects)."""
    context = _context(info)
    where = where_to_parse(args.get("where"), class_name, context.classes)
    if extra_where:
        where = {**where, **extra_where}
    settings = context.ctx.state.settings
    page = window(args.get("skip"), args.get("first"), args.get("after"), args.get("last"), args.get("before"),
                  settings.maxLimit)
    skip = page.skip
    pre_count: int | None = None
    if page.needs_pre_count:
        counted = await context.bridge.find(class_name, {"where": where, "limit": 0, "count": 1})
        pre_count = int(counted.get("count", 0))
        if page.limit is not None and (skip or 0) + page.limit < pre_count:
            skip = pre_count - page.limit
    paths = selected_paths(info, max_depth=2)
    wants_objects = any(path.startswith(("edges", "pageInfo")) for path in paths)
    query: dict[str, Any] = {"where": where}
    if wants_objects:
        limit = page.limit if page.limit is not None else DEFAULT_CONNECTION_LIMIT
        if settings.maxLimit is not None:
            limit = min(limit, settings.maxLimit)
        query["limit"] = limit
        if limit:
            order = order_to_parse(args.get("order"))
            if order:
                query["order"] = ",".join(("" if ascending else "-") + name for name, ascending in order)
            if skip:
                query["skip"] = skip
    else:
        query["limit"] = 0
    wants_count = bool(paths & {"count", "pageInfo.hasPreviousPage", "pageInfo.hasNextPage"})
    if wants_count and not page.needs_pre_count:
        query["count"] = 1
    result = await context.bridge.find(class_name, query)
    results = result.get("results") if wants_objects else None
    if class_name == "_User" and results:
        for user in results:
            user.pop("sessionToken", None)
    if results:
        await preload_pointers(context, class_name, results, selected_paths(info, max_depth=4))
    count = result.get("count")
    return connection(results, skip, int(count) if count is not None else None, pre_count)


async def preload_pointers(context: GraphQLContext, class_name: str, nodes: list[dict[str, Any]],
                           paths: set[str]) -> None:
    """Load, in one batch, the pointers of a page's nodes whose fields the query reads below
    `edges.node.<pointer>`, so each node's field resolves at once (no task per node)."""
    schema = context.classes.get(class_name)
    if schema is None:
        return
    wanted = {path.split(".")[2] for path in paths if path.startswith("edges.node.") and path.count(".") >= 3
              and path.split(".")[3] not in ("objectId", "__typename")}
    fields = [name for name in wanted if schema.fields.get(name, {}).get("type") == "Pointer"]
    pending: list[tuple[dict[str, Any], str, Any]] = []
    for node in nodes:
        for name in fields:
            value = node.get(name)
            if isinstance(value, dict) and not _is_loaded(value) and isinstance(value.get("className"), str) \
                    and isinstance(value.get("objectId"), str):
                pending.append((node, name, context.loader.load(value["className"], value["objectId"])))
    if pending:
        loaded = await asyncio.gather(*(future for _, _, future in pending))
        for (node, name, _), value in zip(pending, loaded, strict=True):
            node[name] = value
