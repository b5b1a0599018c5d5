"""Writes: create, update and delete of one object, as a list of small steps.

create: class check → CLP create → decode body → ACL → schema fields (addField) → required
and default values → insert → relation rows → Parse's 201 body.
update: CLP update → load original under `_wperm` → decode → schema → atomic update →
relation rows → `{"updatedAt", …op results}`.
Cloud-code triggers and Live Query publishing plug in through `state.extras["write_hooks"]`.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from typing import Any

from ..codec.dates import now_iso
from ..codec.ops import DecodedBody, decode_body
from ..codec.values import mismatch
from ..errors import (
    DUPLICATE_VALUE,
    INVALID_ACL,
    INVALID_JSON,
    OBJECT_NOT_FOUND,
    OPERATION_FORBIDDEN,
    VALIDATION_ERROR,
    DuplicateValue,
    ParseError,
)
from ..schema.model import MASTER_ONLY_CLASSES, describe_type, is_valid_class_name, same_type
from ..security import clp as clp_rules
from ..security.acl import acl_to_perms
from ..storage.base import ClassSchema, Document, FindOptions
from .context import RequestContext
from .find import access_constraints, acl_group, combine

ID_ALPHABET = string.ascii_letters + string.digits


def new_object_id(size: int) -> str:
    # One urandom call per id (as Parse does: random bytes mapped onto the alphabet).
    return "".join(ID_ALPHABET[byte % len(ID_ALPHABET)] for byte in secrets.token_bytes(size))


@dataclass
class WriteResult:
    """What a write returns to the HTTP edge and to hooks."""

    response: dict[str, Any]
    object_id: str
    doc: Document
    original: Document | None = None
    status: int = 200
    extra: dict[str, Any] = field(default_factory=dict)


def check_writable_class(ctx: RequestContext, class_name: str, operation: str) -> None:
    if ctx.auth.is_read_only:
        raise ParseError(OPERATION_FORBIDDEN, "read-only masterKey isn't allowed to perform the "
                                              f"{operation} operation.")
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


async def _check_clp(ctx: RequestContext, schema: ClassSchema, operation: str) -> list[str] | None:
    if ctx.auth.has_master_power:
        return None
    clp = clp_rules.effective(schema.class_level_permissions)
    return clp_rules.check(clp, operation, await acl_group(ctx), ctx.auth.user is not None)


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
        pointer = await _check_clp(ctx, schema, "addField")
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


def _check_required(schema: ClassSchema, doc: Document) -> None:
    for name, spec in schema.fields.items():
        if spec.get("required") and doc.get(name) is None and spec["type"] != "Relation":
            raise ParseError(VALIDATION_ERROR, f"{name} is required")


def _duplicate_error(schema: ClassSchema, exc: DuplicateValue) -> ParseError:
    if schema.class_name == "_User" and exc.field == "username":
        return ParseError(202, "Account already exists for this username.")
    if schema.class_name == "_User" and exc.field == "email":
        return ParseError(203, "Account already exists for this email address.")
    return ParseError(DUPLICATE_VALUE, "A duplicate value for a field with unique values was provided")


async def write_relations(ctx: RequestContext, schema: ClassSchema, object_id: str, body: DecodedBody) -> None:
    storage = ctx.state.storage
    for change in body.relations:
        if change.add:
            await storage.add_relations(schema.class_name, change.field, object_id, change.add)
        if change.remove:
            await storage.remove_relations(schema.class_name, change.field, object_id, change.remove)


def _acl_from_body(raw: dict[str, Any]) -> tuple[list[str], list[str]] | None:
    if "ACL" not in raw:
        return None
    if raw["ACL"] is None or not isinstance(raw["ACL"], dict):
        raise ParseError(INVALID_ACL, "Invalid ACL.")
    return acl_to_perms(raw["ACL"])


async def check_file_references(ctx: RequestContext, raw: Any) -> None:
    """Protected files: the files feature refuses File values the caller may not download."""
    check = ctx.state.extras.get("file_reference_check")
    if check is not None and isinstance(raw, dict):
        await check(ctx, raw)


async def create(ctx: RequestContext, class_name: str, raw: Any, *, internal: dict[str, Any] | None = None,
                 ) -> WriteResult:
    schema = await class_for_write(ctx, class_name, "create")
    await _check_clp(ctx, schema, "create")
    body = decode_body(raw, creating=True, allow_internal=False)
    await check_file_references(ctx, raw)
    schema = await apply_schema(ctx, schema, body)
    object_id = new_object_id(ctx.state.settings.objectIdSize)
    now = now_iso()
    doc: Document = {"objectId": object_id, "createdAt": now, "updatedAt": now}
    response: dict[str, Any] = {}
    for name, spec in schema.fields.items():
        if "defaultValue" in spec and body.updates.get(name) is None:
            doc[name] = spec["defaultValue"]
            response[name] = spec["defaultValue"]
    doc.update({k: v for k, v in body.updates.items() if v is not None or k not in doc})
    perms = _acl_from_body(raw) or default_acl(ctx, schema, object_id)
    if perms is not None:
        doc["_rperm"], doc["_wperm"] = perms
    if internal:
        doc.update(internal)
    _check_required(schema, doc)
    try:
        await ctx.state.storage.insert(schema, doc)
    except DuplicateValue as exc:
        raise _duplicate_error(schema, exc) from exc
    await write_relations(ctx, schema, object_id, body)
    for name in body.op_fields:
        response[name] = doc.get(name)
    return WriteResult({"objectId": object_id, "createdAt": now, **response}, object_id, doc, None, 201)


async def load_for_write(ctx: RequestContext, schema: ClassSchema, object_id: str,
                         operation: str) -> tuple[Document, dict[str, Any]]:
    """The object as it is, if the caller may write it; 101 otherwise (masks ACL denials)."""
    extra, _hidden = await access_constraints(ctx, schema, operation, "_wperm")
    where = combine({"objectId": object_id}, extra)
    docs = await ctx.state.storage.find(schema, where, FindOptions(limit=1))
    if not docs:
        raise ParseError(OBJECT_NOT_FOUND, "Object not found.")
    return docs[0], where


async def update(ctx: RequestContext, class_name: str, object_id: str, raw: Any, *,
                 internal: dict[str, Any] | None = None) -> WriteResult:
    schema = await class_for_write(ctx, class_name, "update")
    body = decode_body(raw, creating=False)
    await check_file_references(ctx, raw)
    original, where = await load_for_write(ctx, schema, object_id, "update")
    schema = await apply_schema(ctx, schema, body)
    updates = dict(body.updates)
    acl = _acl_from_body(raw)
    if acl is not None:
        updates["_rperm"], updates["_wperm"] = acl
    for name, spec in schema.fields.items():
        if spec.get("required") and name in updates:
            value = updates[name]
            if value is None or value == "" or (isinstance(value, dict) and value.get("__op") == "Delete"):
                raise ParseError(VALIDATION_ERROR, f"{name} is required")
    if internal:
        updates.update(internal)
    now = now_iso()
    updates["updatedAt"] = now
    try:
        after = await ctx.state.storage.update(schema, where, updates)
    except DuplicateValue as exc:
        raise _duplicate_error(schema, exc) from exc
    if after is None:
        raise ParseError(OBJECT_NOT_FOUND, "Object not found.")
    await write_relations(ctx, schema, object_id, body)
    response: dict[str, Any] = {"updatedAt": now}
    for name in body.op_fields:
        node: Any = after
        for part in name.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        # parse-compat: an op on "obj.a" is echoed nested, {"obj": {"a": 6}}, as Parse does
        target = response
        parts = name.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = node
    return WriteResult(response, object_id, after, original, 200)


async def delete(ctx: RequestContext, class_name: str, object_id: str) -> WriteResult:
    schema = await class_for_write(ctx, class_name, "delete")
    original, where = await load_for_write(ctx, schema, object_id, "delete")
    deleted = await ctx.state.storage.delete(schema, where)
    if deleted is None:
        raise ParseError(OBJECT_NOT_FOUND, "Object not found.")
    return WriteResult({}, object_id, deleted, original, 200)
