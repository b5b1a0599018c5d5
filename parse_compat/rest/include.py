"""Rendering read results, and `include`: replace pointers by the objects they point to, one batched
query per class and path.

Each target class is read as a direct `get` by the caller would be (the security policy's grant):
a class closed to clients (`_GlobalConfig`, `_JobStatus`, ...) or whose CLP refuses `get` fails the
whole request with 119, as Parse Server's include does; an included object the caller cannot read
(ACL, pointer permissions) is removed — the field disappears, and inside an array the entry is
dropped (Parse does the same); the included objects lose their protected fields.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..audit import record as audit_record
from ..security import policy
from ..storage.base import ClassSchema, FindOptions
from .complexity import check_include
from .context import RequestContext
from .grants import caller, combine, grant_for
from .output import render_object
from .params import QueryParams

MAX_INCLUDE_DEPTH = 10


def _pointers_at(objects: list[dict[str, Any]], field_name: str) -> list[dict[str, Any]]:
    found = []
    for obj in objects:
        value = obj.get(field_name)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict) and item.get("__type") == "Pointer":
                found.append(item)
    return found


async def _fetch(ctx: RequestContext, pointers: list[dict[str, Any]],
                 keys: list[str] | None) -> dict[tuple[str, str], dict[str, Any]]:
    """Load every pointed-to object the caller may read, one query per class, with only `keys`
    (None: every field) as Parse does for `keys=field.sub` on an included field."""
    by_class: dict[str, set[str]] = defaultdict(set)
    for pointer in pointers:
        if isinstance(pointer.get("className"), str) and isinstance(pointer.get("objectId"), str):
            by_class[pointer["className"]].add(pointer["objectId"])
    loaded: dict[tuple[str, str], dict[str, Any]] = {}
    for class_name, ids in by_class.items():
        policy.check_class_open(class_name, "get", await caller(ctx))
        schema = ctx.state.schemas.get(class_name)
        if schema is None:
            continue
        grant = await grant_for(ctx, schema, "get")
        where = combine({"objectId": {"$in": sorted(ids)}}, policy.storage_where(grant, await caller(ctx)))
        docs = await ctx.state.storage.find(schema, where, FindOptions())
        audit_record(ctx, "include", class_name, [doc["objectId"] for doc in docs], query=True)
        for obj in await render_many(ctx, schema, docs, QueryParams(keys=keys), grant):
            obj["__type"] = "Object"
            obj["className"] = class_name
            loaded[(class_name, obj["objectId"])] = obj
    return loaded


def _pointer_key(pointer: dict[str, Any]) -> tuple[str, str]:
    """The `loaded` key of a pointer (`""` for a part that is not a string: matches nothing)."""
    class_name, object_id = pointer.get("className"), pointer.get("objectId")
    return (class_name if isinstance(class_name, str) else "", object_id if isinstance(object_id, str) else "")


def _replace(objects: list[dict[str, Any]], field_name: str,
             loaded: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    children: list[dict[str, Any]] = []
    for obj in objects:
        value = obj.get(field_name)
        if isinstance(value, dict) and value.get("__type") == "Pointer":
            full = loaded.get(_pointer_key(value))
            if full is None:
                del obj[field_name]
            else:
                obj[field_name] = full
                children.append(full)
        elif isinstance(value, list):
            kept = []
            for item in value:
                if isinstance(item, dict) and item.get("__type") == "Pointer":
                    full = loaded.get(_pointer_key(item))
                    if full is not None:
                        kept.append(full)
                        children.append(full)
                else:
                    kept.append(item)
            obj[field_name] = kept
    return children


async def apply_includes(ctx: RequestContext, schema: Any, objects: list[dict[str, Any]], paths: list[str],
                         include_all: bool, keys: list[str] | None) -> None:
    if include_all:
        paths = list(paths) + [name for name, spec in schema.fields.items()
                               if spec["type"] in ("Pointer", "Array")]
    check_include(ctx, paths)  # requestComplexity (rest/complexity.py)
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path.split(".")[:MAX_INCLUDE_DEPTH]:
            node = node.setdefault(part, {})
    await _include_tree(ctx, objects, tree, keys)


def _keys_below(keys: list[str] | None, field_name: str) -> list[str] | None:
    """The keys an included `field_name` answers with: those written `field_name.<key>`, or all of
    them (None) when no key restricts it (no `keys`, or `field_name` itself among them)."""
    if keys is None or field_name in keys:
        return None
    below = [key.split(".", 1)[1] for key in keys if key.startswith(field_name + ".")]
    return below or None


async def _include_tree(ctx: RequestContext, objects: list[dict[str, Any]], tree: dict[str, Any],
                        keys: list[str] | None) -> None:
    for field_name, subtree in tree.items():
        pointers = _pointers_at(objects, field_name)
        if not pointers:
            continue
        field_keys = _keys_below(keys, field_name)
        loaded = await _fetch(ctx, pointers, field_keys)
        children = _replace(objects, field_name, loaded)
        if subtree and children:
            await _include_tree(ctx, children, subtree, field_keys)


def storage_keys(keys: list[str] | None) -> set[str] | None:
    if keys is None:
        return None
    return {key.split(".")[0] for key in keys}


async def render_many(ctx: RequestContext, schema: ClassSchema, docs: list[dict[str, Any]],
                      params: QueryParams, grant: policy.ClassGrant) -> list[dict[str, Any]]:
    """The REST JSON of `docs` with the fields the policy hides for each one, then `include`."""
    keys = storage_keys(params.keys)
    include = list(params.include)
    if params.keys:
        include += [k.rsplit(".", 1)[0] for k in params.keys if "." in k]
    who = await caller(ctx)
    rendered = []
    for doc in docs:
        hidden = policy.hidden_for(grant, who, doc)
        rendered.append(render_object(ctx, schema, doc, keys=keys, exclude=set(params.exclude_keys),
                                      hidden=set(hidden)))
    if include or params.include_all:
        await apply_includes(ctx, schema, rendered, include, params.include_all, params.keys)
    return rendered
