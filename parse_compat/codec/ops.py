"""The body of a create or update, field by field: plain values and `__op`s, checked.

Pure. `decode_body` splits a REST body into storage updates, relation changes and the type
each field implies, or raises Parse's error (105 bad key, 107 malformed op, 108 unknown op,
121 nested key, 111 type mismatch is checked later against the schema).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from ..errors import COMMAND_UNAVAILABLE, INCORRECT_TYPE, INVALID_JSON, INVALID_KEY_NAME, ParseError
from ..schema.model import infer_type, is_valid_field_name
from .values import decode_nested, decode_typed

IGNORED_KEYS = frozenset({"ACL"})
TIMESTAMPS = frozenset({"createdAt", "updatedAt"})
# Below half the spacing of doubles near their maximum (~1e292): adding it to any finite number
# rounds to a finite number, so no Increment can ever store Infinity.
MAX_INCREMENT = 1e291
DOTTED = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")


@dataclass
class RelationChange:
    field: str
    target: str
    add: list[str] = dataclasses.field(default_factory=list)
    remove: list[str] = dataclasses.field(default_factory=list)


@dataclass
class DecodedBody:
    updates: dict[str, Any] = dataclasses.field(default_factory=dict)  # storage update document
    types: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)  # field → inferred type
    relations: list[RelationChange] = dataclasses.field(default_factory=list)
    op_fields: list[str] = dataclasses.field(default_factory=list)  # fields whose result the response echoes


def _pointer_ids(field_name: str, objects: Any) -> tuple[str, list[str]]:
    if not isinstance(objects, list):
        raise ParseError(INVALID_JSON, "objects to add must be an array")
    target = None
    ids: list[str] = []
    for item in objects:
        if not (isinstance(item, dict) and item.get("__type") in ("Pointer", "Object")
                and isinstance(item.get("className"), str) and isinstance(item.get("objectId"), str)):
            raise ParseError(INVALID_JSON, f"relation {field_name} needs pointers")
        if target not in (None, item["className"]):
            raise ParseError(INVALID_JSON, "Trying to add/remove relations of different classes")
        target = item["className"]
        ids.append(item["objectId"])
    if target is None:
        raise ParseError(INVALID_JSON, f"relation {field_name} needs at least one pointer")
    return target, ids


def _relation_op(name: str, op: dict[str, Any], change: RelationChange | None) -> RelationChange:
    target, ids = _pointer_ids(name, op.get("objects"))
    if change is None:
        change = RelationChange(name, target)
    elif change.target != target:
        raise ParseError(INVALID_JSON, "Trying to add/remove relations of different classes")
    (change.add if op["__op"] == "AddRelation" else change.remove).extend(ids)
    return change


def decode_op(name: str, op: dict[str, Any], body: DecodedBody, creating: bool) -> None:
    kind = op.get("__op")
    if kind == "Delete":
        if not creating:
            body.updates[name] = {"__op": "Delete"}
        return
    if kind == "Increment":
        amount = op.get("amount", 1)
        if not isinstance(amount, (int, float)) or isinstance(amount, bool):
            raise ParseError(INVALID_JSON, "Increment amount must be a number")
        if not abs(amount) <= MAX_INCREMENT:  # also NaN
            # parse-compat: Parse would store Infinity; an amount this size is the only way an
            # Increment of a finite number can overflow a double.
            raise ParseError(INVALID_JSON, "Increment amount is out of range")
        body.updates[name] = amount if creating else {"__op": "Increment", "amount": amount}
        body.op_fields.append(name)
    elif kind in ("Add", "AddUnique", "Remove"):
        objects = op.get("objects")
        if not isinstance(objects, list):
            raise ParseError(INVALID_JSON, "objects to add must be an array")
        decoded = [decode_nested(item) for item in objects]
        if creating:
            if kind == "Remove":
                body.updates[name] = []
            elif kind == "AddUnique":
                unique: list[Any] = []
                for item in decoded:
                    if item not in unique:
                        unique.append(item)
                body.updates[name] = unique
            else:
                body.updates[name] = decoded
        else:
            body.updates[name] = {"__op": kind, "objects": decoded}
        body.op_fields.append(name)
    elif kind in ("AddRelation", "RemoveRelation", "Batch"):
        inner = op.get("ops") if kind == "Batch" else [op]
        if not isinstance(inner, list):
            raise ParseError(INVALID_JSON, "Batch ops must be an array")
        change = next((c for c in body.relations if c.field == name), None)
        for item in inner:
            if not isinstance(item, dict) or item.get("__op") not in ("AddRelation", "RemoveRelation"):
                raise ParseError(COMMAND_UNAVAILABLE, "The Batch operator only supports relation operations")
            change = _relation_op(name, item, change)
        if change is not None and change not in body.relations:
            body.relations.append(change)
        if change is not None:
            body.types[name] = {"type": "Relation", "targetClass": change.target}
        return
    else:
        raise ParseError(COMMAND_UNAVAILABLE, f"The {kind} operator is not supported yet.")
    inferred = infer_type(op)
    if inferred and "." not in name:
        body.types[name] = inferred


def decode_body(raw: Any, *, creating: bool, allow_internal: bool = False) -> DecodedBody:
    if not isinstance(raw, dict):
        raise ParseError(INVALID_JSON, "request body must be a JSON object")
    body = DecodedBody()
    for name, value in raw.items():
        if not isinstance(name, str):
            raise ParseError(INVALID_KEY_NAME, "Invalid field name.")
        if name in IGNORED_KEYS:
            continue
        if name in TIMESTAMPS:
            # parse-compat: a Date is ignored (the server sets timestamps); anything else is a
            # type mismatch, as Parse answers
            if isinstance(value, dict) and value.get("__type") == "Date":
                continue
            raise ParseError(INCORRECT_TYPE, f"schema mismatch for {name}; expected Date but got "
                                             f"{type(value).__name__}")
        if name in ("objectId", "id"):
            raise ParseError(INVALID_KEY_NAME, f"{name} is an invalid field name.")
        if name.startswith("_") and allow_internal and is_valid_field_name(name.lstrip("_")):
            body.updates[name] = value
            continue
        dotted = not creating and DOTTED.match(name)
        if not dotted and not is_valid_field_name(name):
            raise ParseError(INVALID_KEY_NAME, f"Invalid field name: {name}.")
        if isinstance(value, dict) and "__op" in value:
            decode_op(name, value, body, creating)
            continue
        if isinstance(value, dict) and "__type" in value:
            if value.get("__type") == "Relation":
                body.types[name] = {"type": "Relation", "targetClass": value.get("className")}
                continue
            stored = decode_typed(value)
        else:
            stored = decode_nested(value)
        body.updates[name] = stored
        inferred = infer_type(stored)
        if inferred and not dotted:
            body.types[name] = inferred
    return body
