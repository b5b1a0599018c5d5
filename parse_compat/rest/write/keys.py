"""Every key path of a write body resolved against the class schema, dotted or not.

- a top-level key must be a valid field name and, when the field exists, carry its type (111);
- a dotted key (`"meta.colour"`) may only reach into an `Object` field. A sub-path of a
  Pointer, File, Date, GeoPoint, Polygon, Relation, Bytes, ACL or a default field (objectId,
  createdAt, updatedAt) is refused with 111, as Parse's schema check answers
  (`schema mismatch for C.f; expected Pointer<X> but got Object`); a missing head field becomes
  a new `Object` field, as in Parse;
- dotted keys on a create are refused (105), as before;
- a Relation (an `AddRelation`/`RemoveRelation`/`Batch` op or a `Relation` value) under a dotted
  key is refused (111): relations are top-level fields, never members of an Object (found by
  the property suite: `{"obj.a": {"__op": "AddRelation", …}}` made a field named `obj.a`).

Server-owned fields of the system classes are the class hooks' `check_keys` (see `hooks.py`);
this module only knows the schema. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

from ...codec.ops import DecodedBody
from ...codec.values import mismatch
from ...errors import INCORRECT_TYPE, INVALID_KEY_NAME, ParseError
from ...schema.model import describe_type, is_valid_field_name, same_type
from ...storage.base import ClassSchema

OBJECT = {"type": "Object"}


def resolve_paths(schema: ClassSchema, body: dict[str, Any], decoded: DecodedBody, creating: bool) -> None:
    """Raise Parse's error for any key path the schema refuses; note new Object heads."""
    for key in body:
        head, dot, _rest = key.partition(".")
        if not dot:
            continue
        if creating or not is_valid_field_name(head):
            raise ParseError(INVALID_KEY_NAME, f"Invalid field name: {key}.")
        if key in decoded.types:  # only a relation gives a dotted key a type of its own
            raise ParseError(INCORRECT_TYPE, f"{key} cannot hold a Relation: relations are top-level fields.")
        spec = schema.fields.get(head)
        if spec is None:
            # parse-compat: a dotted key into a missing field creates it as an Object
            decoded.types.setdefault(head, dict(OBJECT))
        elif spec["type"] != "Object":
            raise mismatch(schema.class_name, head, spec, "Object")
    for name, inferred in decoded.types.items():
        current = schema.fields.get(name)
        if current is not None and not same_type(current, inferred):
            raise mismatch(schema.class_name, name, current, describe_type(inferred))
