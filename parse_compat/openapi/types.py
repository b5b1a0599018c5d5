"""Parse's field types as JSON Schemas (OpenAPI 3.1 uses JSON Schema 2020-12).

`COMPONENT_SCHEMAS` holds one named schema per Parse encoding (`Pointer`, `Date`
`{"__type": "Date", "iso"}`, `File`, `GeoPoint`, `Relation`, `ACL`, `Bytes`, `Polygon`), the
field operations (`{"__op": "Increment", …}`) and Parse's error `{"code", "error"}`.
`read_schema` / `write_schema` give the schema of one field as the server returns it and as a
client may send it. Values are nullable: Parse stores and returns `null` for a field set to null.
"""

from __future__ import annotations

from typing import Any

REF = "#/components/schemas/"
OBJECT_ID_PATTERN = "^[A-Za-z0-9]{1,32}$"
ISO_DATE = {"type": "string", "format": "date-time"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def _typed(kind: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": {"__type": {"const": kind}, **properties},
            "required": ["__type", *required]}


COMPONENT_SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object", "description": "Parse's error answer (`code` is absent on a bare 403 `Permission denied`).",
        "properties": {"code": {"type": "integer"}, "error": {"type": "string"}}, "required": ["error"]},
    "Date": _typed("Date", {"iso": ISO_DATE}, ["iso"]),
    "Pointer": _typed("Pointer", {"className": {"type": "string"},
                                  "objectId": {"type": "string", "pattern": OBJECT_ID_PATTERN}},
                      ["className", "objectId"]),
    "IncludedObject": {**_typed("Object", {"className": {"type": "string"}, "objectId": {"type": "string"}},
                                ["className", "objectId"]),
                       "description": "A pointer replaced by its object (`include`)."},
    "Relation": _typed("Relation", {"className": {"type": "string"}}, ["className"]),
    "File": _typed("File", {"name": {"type": "string", "minLength": 1}, "url": {"type": "string"}}, ["name"]),
    "GeoPoint": _typed("GeoPoint", {"latitude": {"type": "number", "minimum": -90, "maximum": 90},
                                    "longitude": {"type": "number", "minimum": -180, "maximum": 180}},
                       ["latitude", "longitude"]),
    "Polygon": _typed("Polygon", {"coordinates": {
        "type": "array", "minItems": 3,
        "items": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}],
                  "minItems": 2, "maxItems": 2}}}, ["coordinates"]),
    "Bytes": _typed("Bytes", {"base64": {"type": "string", "contentEncoding": "base64"}}, ["base64"]),
    "ACL": {"type": "object", "description": "`*`, a user id or `role:<name>` → its read and write rights.",
            "additionalProperties": {"type": "object", "additionalProperties": False,
                                     "properties": {"read": {"type": "boolean"}, "write": {"type": "boolean"}}}},
    "FieldOperation": {
        "type": "object", "description": "A field operation instead of a value (`Delete`, `Increment`, …).",
        "properties": {"__op": {"enum": ["Delete", "Increment", "Add", "AddUnique", "Remove", "AddRelation",
                                         "RemoveRelation", "Batch"]},
                       "amount": {"type": "number"}, "objects": {"type": "array"}, "ops": {"type": "array"}},
        "required": ["__op"]},
}

_VALUE_BY_TYPE: dict[str, dict[str, Any]] = {
    "String": {"type": "string"},
    "Number": {"type": "number"},
    "Boolean": {"type": "boolean"},
    "Object": {"type": "object"},
    "Array": {"type": "array"},
    "Date": ref("Date"),
    "File": ref("File"),
    "GeoPoint": ref("GeoPoint"),
    "Polygon": ref("Polygon"),
    "Bytes": ref("Bytes"),
    "ACL": ref("ACL"),
}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def read_schema(spec: dict[str, Any]) -> dict[str, Any]:
    """A field as answers carry it (a pointer may come back as its included object)."""
    kind = spec.get("type", "")
    if kind == "Pointer":
        return _nullable({"anyOf": [ref("Pointer"), ref("IncludedObject")]})
    if kind == "Relation":
        return ref("Relation")
    return _nullable(_VALUE_BY_TYPE.get(kind, {}))


def write_schema(spec: dict[str, Any], value_only: bool = False) -> dict[str, Any]:
    """A field as a client may send it: a value of its type, or an operation (not for a field that
    must be set when the object is created: `value_only`)."""
    kind = spec.get("type", "")
    if kind == "Relation":
        return ref("FieldOperation")
    value = ref("Pointer") if kind == "Pointer" else _VALUE_BY_TYPE.get(kind, {})
    if value_only:
        return value
    return {"anyOf": [value, ref("FieldOperation"), {"type": "null"}]}


ORDERED = frozenset({"Number", "Date", "String"})


def constraint_schema(spec: dict[str, Any]) -> dict[str, Any]:
    """What `where` may say about a field: a value to equal, or an object of Parse's operators."""
    kind = spec.get("type", "")
    value = ref("Pointer") if kind == "Pointer" else _VALUE_BY_TYPE.get(kind, {})
    operators: dict[str, Any] = {"$eq": value, "$ne": value, "$in": {"type": "array", "items": value},
                                 "$nin": {"type": "array", "items": value}, "$exists": {"type": "boolean"}}
    if kind in ORDERED:
        operators.update({op: value for op in ("$lt", "$lte", "$gt", "$gte")})
    if kind == "String":
        operators.update({"$regex": {"type": "string"}, "$options": {"type": "string", "pattern": "^[imxs]*$"}})
    if kind == "Array":
        operators["$all"] = {"type": "array"}
    return {"anyOf": [value, {"type": "object", "properties": operators, "additionalProperties": False}]}


def describe(spec: dict[str, Any]) -> str:
    """`Pointer<Patient>`, `String (required)`, …: the Parse type for the reader."""
    text = str(spec.get("type", ""))
    if spec.get("targetClass"):
        text += f"<{spec['targetClass']}>"
    return text + (" (required)" if spec.get("required") else "")


__all__ = ["COMPONENT_SCHEMAS", "ISO_DATE", "OBJECT_ID_PATTERN", "constraint_schema", "describe", "read_schema", "ref",
           "write_schema"]
