"""The store step: the one place a write reaches storage.

`StorageWrites` is the only caller of the storage adapter's write methods (objects, relation
rows, schemas, unique indexes). The pipeline's store step below uses it, and so do the two
writers that never carry a client's body: `server_owned.ServerOwnedWrites` (sessions, tokens,
counters, outbox rows... — `state.services.server_writes`) and the schema registry (given it as
`storage.base.SchemaWrites`). Everything a client sends reaches it only through the pipeline.

- create: schema fields (addField) → defaults, ACL, server-set values → required → insert →
  relation rows → Parse's 201 body;
- update: schema fields → compare-and-set on the original's `updatedAt` (and the write
  permission that loaded it) → relation rows → `{"updatedAt", …op results}`;
- delete: the same condition.
A compare-and-set that matches nothing raises `StaleOriginal`: someone changed the object after
the rules saw it, and the pipeline runs its steps again on the new original.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ...codec.dates import format_iso, now_iso, parse_iso
from ...codec.ops import DecodedBody, decode_body
from ...codec.values import mismatch
from ...errors import (
    DUPLICATE_VALUE,
    INVALID_ACL,
    INVALID_KEY_NAME,
    MISSING_OBJECT_ID,
    OPERATION_FORBIDDEN,
    VALIDATION_ERROR,
    DuplicateValue,
    ParseError,
)
from ...schema.model import describe_type, same_type
from ...security.acl import acl_to_perms
from ...storage.base import ClassSchema, Document, FindOptions, StorageAdapter, Where
from ..context import RequestContext
from .access import check_clp
from .op import WriteOp, WriteResult, new_object_id

MAX_CUSTOM_OBJECT_ID = 128


class StorageWrites:
    """The adapter's write methods, and nothing else: the one place writes reach storage.

    Built once per app (`app.build_state`) and held by the writer (`state.writer.store`).
    """

    def __init__(self, storage: StorageAdapter) -> None:
        self._storage = storage

    # --- objects ---------------------------------------------------------------------------
    async def insert(self, schema: ClassSchema, doc: Document) -> None:
        await self._storage.insert(schema, doc)

    async def insert_many(self, schema: ClassSchema, docs: list[Document]) -> None:
        await self._storage.insert_many(schema, docs)

    async def update(self, schema: ClassSchema, where: Where, update: Document) -> Document | None:
        return await self._storage.update(schema, where, update)

    async def delete(self, schema: ClassSchema, where: Where) -> Document | None:
        return await self._storage.delete(schema, where)

    async def delete_many(self, schema: ClassSchema, where: Where) -> int:
        return await self._storage.delete_many(schema, where)

    async def add_relations(self, owning_class: str, field_name: str, owning_id: str,
                            related_ids: list[str]) -> None:
        await self._storage.add_relations(owning_class, field_name, owning_id, related_ids)

    async def remove_relations(self, owning_class: str, field_name: str, owning_id: str,
                               related_ids: list[str]) -> None:
        await self._storage.remove_relations(owning_class, field_name, owning_id, related_ids)

    # --- schemas (storage.base.SchemaWrites) ------------------------------------------------
    async def save_schema(self, schema: ClassSchema) -> None:
        await self._storage.save_schema(schema)

    async def delete_class(self, class_name: str) -> None:
        await self._storage.delete_class(class_name)

    async def delete_field(self, schema: ClassSchema, field_name: str) -> None:
        await self._storage.delete_field(schema, field_name)

    async def ensure_unique(self, schema: ClassSchema, field_names: list[str]) -> None:
        await self._storage.ensure_unique(schema, field_names)


class StaleOriginal(Exception):
    """The object changed between the permission/trigger steps and the write."""


def decode(body: dict[str, Any], creating: bool) -> DecodedBody:
    """The body as storage updates, relation changes and implied types (or Parse's error)."""
    return decode_body(body, creating=creating, allow_internal=False)


async def apply_schema(ctx: RequestContext, schema: ClassSchema, body: DecodedBody) -> ClassSchema:
    """Type-check values against the schema (111); add new fields, which needs CLP addField."""
    new_fields: dict[str, dict[str, Any]] = {}
    for name, inferred in body.types.items():
        current = schema.fields.get(name)
        if current is None:
            new_fields[name] = inferred
        elif not same_type(current, inferred):
            raise mismatch(schema.class_name, name, current, describe_type(inferred))
    if not new_fields:
        return schema
    if not ctx.auth.has_master_power:
        pointer = await check_clp(ctx, schema, "addField")
        if pointer is not None:
            raise ParseError(OPERATION_FORBIDDEN, "Permission denied")
    return await ctx.state.schemas.add_fields(schema.class_name, new_fields)


def default_acl(ctx: RequestContext, schema: ClassSchema, object_id: str) -> tuple[list[str], list[str]] | None:
    if schema.class_name == "_User":
        read = [object_id] if ctx.state.settings.enforcePrivateUsers else ["*", object_id]
        return read, [object_id]
    if schema.class_name == "_Session":
        return None
    stored = (schema.class_level_permissions or {}).get("ACL")
    if isinstance(stored, dict) and stored != {"*": {"read": True, "write": True}}:
        resolved = {}
        for entity, perms in stored.items():
            if entity == "currentUser":
                if ctx.auth.user_id:
                    resolved[ctx.auth.user_id] = perms
            else:
                resolved[entity] = perms
        return acl_to_perms(resolved)
    return None


def acl_from_body(body: dict[str, Any]) -> tuple[list[str], list[str]] | None:
    if "ACL" not in body:
        return None
    if body["ACL"] is None or not isinstance(body["ACL"], dict):
        raise ParseError(INVALID_ACL, "Invalid ACL.")
    return acl_to_perms(body["ACL"])


def _check_required(schema: ClassSchema, doc: Document) -> None:
    for name, spec in schema.fields.items():
        if spec.get("required") and doc.get(name) is None and spec["type"] != "Relation":
            raise ParseError(VALIDATION_ERROR, f"{name} is required")


def _check_required_update(schema: ClassSchema, updates: dict[str, Any]) -> None:
    for name, spec in schema.fields.items():
        if spec.get("required") and name in updates:
            value = updates[name]
            if value is None or value == "" or (isinstance(value, dict) and value.get("__op") == "Delete"):
                raise ParseError(VALIDATION_ERROR, f"{name} is required")


def duplicate_error(schema: ClassSchema, exc: DuplicateValue) -> ParseError:
    if schema.class_name == "_User" and exc.field == "username":
        return ParseError(202, "Account already exists for this username.")
    if schema.class_name == "_User" and exc.field == "email":
        return ParseError(203, "Account already exists for this email address.")
    return ParseError(DUPLICATE_VALUE, "A duplicate value for a field with unique values was provided")


async def _write_relations(ctx: RequestContext, schema: ClassSchema, object_id: str, body: DecodedBody) -> None:
    writes = ctx.state.writer.store
    for change in body.relations:
        if change.add:
            await writes.add_relations(schema.class_name, change.field, object_id, change.add)
        if change.remove:
            await writes.remove_relations(schema.class_name, change.field, object_id, change.remove)


def next_updated_at(previous: Any) -> str:
    """Now, or 1 ms after `previous` when the clock has not moved past it: every write changes
    `updatedAt`, so it works as the object's version for compare-and-set."""
    now = now_iso()
    if isinstance(previous, str) and now <= previous:
        return format_iso(parse_iso(previous) + timedelta(milliseconds=1))
    return now


def _versioned(where: Where, original: Document) -> Where:
    stamp = original.get("updatedAt")
    if not isinstance(stamp, str):
        return where
    return {"$and": [where, {"updatedAt": {"__type": "Date", "iso": stamp}}]}


def custom_object_id(value: Any) -> str:
    """Parse's `allowCustomObjectId`: the objectId a create brings (104 when empty).
    parse-compat: Parse takes any non-empty value; here a string of at most 128 characters
    without `/` or control characters, so the object stays addressable by its URL."""
    if value is None or value == "":
        raise ParseError(MISSING_OBJECT_ID, "objectId must not be empty, null or undefined")
    if not isinstance(value, str) or len(value) > MAX_CUSTOM_OBJECT_ID or "/" in value or \
            any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise ParseError(INVALID_KEY_NAME, "objectId must be a string of at most 128 characters without / or "
                                           "control characters.")
    return value


def _date_iso(value: Any) -> str | None:
    if isinstance(value, dict) and value.get("__type") == "Date" and isinstance(value.get("iso"), str):
        return format_iso(parse_iso(value["iso"]))
    return None


def creation_times(op: WriteOp) -> tuple[str, str]:
    """`createdAt` and `updatedAt` of a new object: now, or — with the maintenance key only, as in
    Parse 9 — the Dates the body brings (`updatedAt` defaults to `createdAt`, and may not precede it)."""
    created = _date_iso(op.body.get("createdAt")) if op.ctx.auth.is_maintenance else None
    if created is None:
        now = now_iso()
        return now, now
    updated = _date_iso(op.body.get("updatedAt")) or created
    if parse_iso(updated) < parse_iso(created):
        raise ParseError(VALIDATION_ERROR, "updatedAt cannot occur before createdAt")
    return created, updated


async def insert(op: WriteOp) -> None:
    ctx, decoded = op.ctx, op.decoded
    assert op.schema is not None and decoded is not None
    schema = op.schema = await apply_schema(ctx, op.schema, decoded)
    object_id = op.object_id or new_object_id(ctx.state.settings.objectIdSize)  # allowCustomObjectId
    now, updated = creation_times(op)
    doc: Document = {"objectId": object_id, "createdAt": now, "updatedAt": updated}
    response: dict[str, Any] = {}
    for name, spec in schema.fields.items():
        if "defaultValue" in spec and decoded.updates.get(name) is None:
            doc[name] = spec["defaultValue"]
            response[name] = spec["defaultValue"]
    doc.update({k: v for k, v in decoded.updates.items() if v is not None or k not in doc})
    perms = acl_from_body(op.body) or default_acl(ctx, schema, object_id)
    if perms is not None:
        doc["_rperm"], doc["_wperm"] = perms
    doc.update(op.internal)
    _check_required(schema, doc)
    try:
        await ctx.state.writer.store.insert(schema, doc)
    except DuplicateValue as exc:
        raise duplicate_error(schema, exc) from exc
    await _write_relations(ctx, schema, object_id, decoded)
    for name in decoded.op_fields:
        response[name] = doc.get(name)
    op.object_id = object_id
    op.result = WriteResult({"objectId": object_id, "createdAt": now, **response}, object_id, doc, None, 201)


async def update(op: WriteOp) -> None:
    ctx, decoded, original = op.ctx, op.decoded, op.original
    assert op.schema is not None and decoded is not None and original is not None and op.object_id
    schema = op.schema = await apply_schema(ctx, op.schema, decoded)
    updates = dict(decoded.updates)
    acl = acl_from_body(op.body)
    if acl is not None:
        updates["_rperm"], updates["_wperm"] = acl
    _check_required_update(schema, updates)
    updates.update(op.internal)
    now = next_updated_at(original.get("updatedAt"))
    updates["updatedAt"] = now
    try:
        after = await ctx.state.writer.store.update(schema, _versioned(op.where, original), updates)
    except DuplicateValue as exc:
        raise duplicate_error(schema, exc) from exc
    if after is None:
        raise StaleOriginal()
    await _write_relations(ctx, schema, op.object_id, decoded)
    response: dict[str, Any] = {"updatedAt": now}
    for name in decoded.op_fields:
        node: Any = after
        for part in name.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        # parse-compat: an op on "obj.a" is echoed nested, {"obj": {"a": 6}}, as Parse does
        target = response
        parts = name.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = node
    op.result = WriteResult(response, op.object_id, after, original, 200)


async def delete(op: WriteOp) -> None:
    assert op.schema is not None and op.original is not None and op.object_id
    deleted = await op.ctx.state.writer.store.delete(op.schema, _versioned(op.where, op.original))
    if deleted is None:
        raise StaleOriginal()
    op.result = WriteResult({}, op.object_id, deleted, op.original, 200)


async def update_matching(ctx: RequestContext, schema: ClassSchema, condition: Where,
                          changes: dict[str, Any]) -> tuple[Document | None, Document | None]:
    """A server-side claim (master only, no hooks): apply storage-encoded `changes` to the one
    object matching `condition`; (before, after), or (None, None) when nothing matched."""
    found = await ctx.state.storage.find(schema, condition, FindOptions(limit=1))
    if not found:
        return None, None
    # the condition itself is the compare-and-set: the claim wins once across processes
    after = await ctx.state.writer.store.update(schema, condition,
                                           {**changes, "updatedAt": next_updated_at(found[0].get("updatedAt"))})
    return (found[0], after) if after is not None else (None, None)


async def check_file_references(ctx: RequestContext, body: dict[str, Any]) -> None:
    """Protected files: the files feature refuses File values the caller may not download."""
    check = ctx.state.services.file_reference_check
    if check is not None and body:
        await check(ctx, body)
