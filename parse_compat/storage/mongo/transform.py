"""Whole documents: storage document (base.py) ↔ Parse Server's MongoDB object document.

Owns the §10.1 layout of one object: string ``_id``, BSON ``_created_at``/``_updated_at``,
``_p_<field>`` pointer strings, ``_rperm``/``_wperm`` plus the legacy ``_acl`` (written, never
read), ``_auth_data_<provider>``, and per-type values (delegated to ``values``). Also builds
the projection for ``FindOptions.keys``.
"""

from __future__ import annotations

from typing import Any

from parse_compat.storage.base import ClassSchema, Document
from parse_compat.storage.mongo import keys as k
from parse_compat.storage.mongo import values as v

ACL_KEYS = ("_rperm", "_wperm")
ALWAYS_PROJECTED = ("_id", "_created_at", "_updated_at", "_rperm", "_wperm")


def legacy_acl(rperm: list[str] | None, wperm: list[str] | None) -> dict[str, dict[str, bool]]:
    """``_acl`` as Parse Server writes it beside the permission lists: ``{id: {r, w}}``."""
    acl: dict[str, dict[str, bool]] = {}
    for entry in rperm or []:
        acl.setdefault(entry, {})["r"] = True
    for entry in wperm or []:
        acl.setdefault(entry, {})["w"] = True
    return acl


def to_mongo_document(schema: ClassSchema, doc: Document) -> dict[str, Any]:
    """A storage document → the Mongo document to insert."""
    out: dict[str, Any] = {}
    renames = k.class_renames(schema.class_name)
    for key, value in doc.items():
        if key == "objectId":
            out["_id"] = k.object_id_to_mongo(schema.class_name, value)
        elif key in ("createdAt", "updatedAt"):
            out[k.FIXED_TO_MONGO[key]] = v.to_datetime(value)
        elif key in ACL_KEYS:
            out[key] = list(value) if value is not None else None
        elif key == "authData" and schema.class_name == "_User":
            for provider, data in (value or {}).items():
                if data is not None:
                    out[k.AUTH_DATA_PREFIX + provider] = v.encode_interior(data)
        elif schema.field_type(key) == "Relation":
            continue
        elif key in renames:
            out[renames[key]] = v.encode_interior(value)
        elif key.startswith("_"):
            out[key] = v.encode_interior(value)
        elif k.is_pointer_field(schema, key, value) and value is not None:
            out[k.POINTER_PREFIX + key] = v.pointer_string(value)
        else:
            # parse-compat: a null pointer on create is stored as `field: null` (not `_p_`).
            out[key] = v.encode_atom(value, schema.field_type(key))
    if any(key in out for key in ACL_KEYS):
        out["_acl"] = legacy_acl(out.get("_rperm"), out.get("_wperm"))
    return out


def from_mongo_document(schema: ClassSchema, mdoc: dict[str, Any]) -> Document:
    """A Mongo object document → the storage document (``_acl`` is ignored)."""
    out: Document = {}
    pointers: dict[str, Any] = {}
    auth_data: dict[str, Any] = {}
    reverse = k.reverse_renames(schema.class_name)
    is_user = schema.class_name == "_User"
    for key, value in mdoc.items():
        if key == "_id":
            out["objectId"] = value if isinstance(value, str) else str(value)
        elif key in ("_created_at", "_updated_at"):
            rest_key = k.FIXED_FROM_MONGO[key]
            out[rest_key] = v.format_iso(value) if hasattr(value, "strftime") else value
        elif key == "_acl":
            continue
        elif key in ACL_KEYS:
            out[key] = value
        elif key.startswith(k.POINTER_PREFIX):
            if isinstance(value, str):
                pointer = v.pointer_json(value)
                if pointer is not None:
                    pointers[key[len(k.POINTER_PREFIX):]] = pointer
            # parse-compat: `_p_x: null` is skipped on read.
        elif is_user and key.startswith(k.AUTH_DATA_PREFIX):
            if value is not None:
                auth_data[key[len(k.AUTH_DATA_PREFIX):]] = v.decode_interior(value)
        elif key in reverse:
            out[reverse[key]] = v.decode_interior(value)
        elif key.startswith("_"):
            out[key] = v.decode_interior(value)
        elif is_user and key == "authData":
            # parse-compat: a plain `authData` key on _User is ignored on read.
            continue
        else:
            field_type = schema.field_type(key)
            if field_type == "Relation":
                continue
            out[key] = v.decode_field(value, field_type)
    out.update(pointers)
    if auth_data:
        out["authData"] = auth_data
    return out


def projection(schema: ClassSchema, wanted: set[str] | None) -> dict[str, int] | None:
    """A Mongo projection covering ``wanted`` REST keys (None = the whole document)."""
    if wanted is None:
        return None
    fields: dict[str, int] = dict.fromkeys(ALWAYS_PROJECTED, 1)
    for key in wanted:
        head = key.split(".", 1)[0]
        if head.startswith("$"):
            continue
        if head == "authData" and schema.class_name == "_User":
            return None
        if head in k.FIXED_TO_MONGO:
            fields[k.FIXED_TO_MONGO[head]] = 1
            continue
        renamed = k.class_renames(schema.class_name).get(head)
        if renamed is not None:
            fields[renamed] = 1
            continue
        fields[head] = 1
        fields[k.POINTER_PREFIX + head] = 1
    return fields
