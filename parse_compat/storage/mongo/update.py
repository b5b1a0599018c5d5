"""Update document (base.py) → MongoDB update operators.

Owns Parse Server's update translation (reference §10.1): plain sets → ``$set``, ``Delete`` →
``$unset``, ``Increment`` → ``$inc``, ``Add`` → ``$push $each``, ``AddUnique`` → ``$addToSet
$each``, ``Remove`` → ``$pullAll``, with dotted keys, ``_p_`` pointer keys, ``_auth_data_``
providers and the legacy ``_acl`` rewritten whenever both permission lists are written.
"""

from __future__ import annotations

from typing import Any

from parse_compat.errors import COMMAND_UNAVAILABLE, ParseError
from parse_compat.storage.base import ClassSchema, Document
from parse_compat.storage.mongo import keys as k
from parse_compat.storage.mongo import values as v
from parse_compat.storage.mongo.transform import legacy_acl


def _is_op(value: Any) -> bool:
    return isinstance(value, dict) and "__op" in value


def _same(left: Any, right: Any) -> bool:
    """BSON equality: 1 is not true, 1 is 1.0, and key order matters."""
    numbers = (int, float)
    if isinstance(left, numbers) and isinstance(right, numbers) \
            and not isinstance(left, bool) and not isinstance(right, bool):
        return bool(left == right)
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[key], right[key]) for key in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def _distinct(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if not any(_same(item, seen) for seen in out):
            out.append(item)
    return out


def compile_update(schema: ClassSchema, update: Document) -> dict[str, dict[str, Any]]:
    """The Mongo update document; empty when ``update`` changes nothing."""
    out: dict[str, dict[str, Any]] = {}

    def put(operator: str, key: str, value: Any) -> None:
        out.setdefault(operator, {})[key] = value

    for key, value in update.items():
        if key == "objectId" or schema.field_type(key) == "Relation":
            continue
        if key == "authData" and schema.class_name == "_User" and isinstance(value, dict) \
                and not _is_op(value):
            for provider, data in value.items():
                target = k.AUTH_DATA_PREFIX + provider
                if data is None:
                    put("$unset", target, "")
                else:
                    put("$set", target, v.encode_interior(data))
            continue
        dotted = "." in key
        field_type = None if dotted else schema.field_type(key)
        mkey = k.mongo_key(schema, key, value if not _is_op(value) else None)
        pointer = mkey.startswith(k.POINTER_PREFIX) and not dotted

        if not _is_op(value):
            if pointer:
                put("$set", mkey, v.pointer_string(value) if value is not None else None)
            elif mkey in ("_created_at", "_updated_at"):
                put("$set", mkey, v.to_datetime(value))
            elif dotted or key.startswith("_"):
                put("$set", mkey, v.encode_interior(value))
            else:
                put("$set", mkey, v.encode_atom(value, field_type))
            continue

        op = value["__op"]
        objects = [v.encode_interior(item) for item in value.get("objects", [])]
        if op == "Delete":
            put("$unset", mkey, "")
            if pointer:
                # a null pointer written on create sits under the plain key
                put("$unset", key, "")
        elif op == "Increment":
            put("$inc", mkey, value.get("amount", 1))
        elif op == "Add":
            put("$push", mkey, {"$each": objects})
        elif op == "AddUnique":
            # duplicates inside `objects` are added once (mongomock would add each)
            put("$addToSet", mkey, {"$each": _distinct(objects)})
        elif op == "Remove":
            put("$pullAll", mkey, objects)
        elif op in ("AddRelation", "RemoveRelation", "Batch"):
            continue
        else:
            raise ParseError(COMMAND_UNAVAILABLE, f"The {op} operator is not supported yet.")

    _rewrite_legacy_acl(update, out)
    return out


def _rewrite_legacy_acl(update: Document, out: dict[str, dict[str, Any]]) -> None:
    # parse-compat: an ACL write sets _rperm, _wperm and the legacy _acl together. The
    # layer above always writes both lists; a lone list leaves _acl (never read) as it was.
    sets = out.get("$set", {})
    unsets = out.get("$unset", {})
    if "_rperm" in sets and "_wperm" in sets:
        sets["_acl"] = legacy_acl(sets["_rperm"], sets["_wperm"])
    elif "_rperm" in unsets and "_wperm" in unsets:
        unsets["_acl"] = ""
    elif ("_rperm" in sets and "_wperm" in unsets) or ("_wperm" in sets and "_rperm" in unsets):
        sets["_acl"] = legacy_acl(sets.get("_rperm"), sets.get("_wperm"))


def touched_keys(update: Document) -> set[str]:
    """Top-level REST keys an update writes (used for the case-insensitive pre-check)."""
    return {key.split(".", 1)[0] for key in update}
