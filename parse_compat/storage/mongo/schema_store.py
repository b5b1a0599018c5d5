"""``ClassSchema`` ↔ the class's document in Parse Server's ``_SCHEMA`` collection (§10.2).

Owns the type strings (``string``, ``*Target``, ``relation<Target>``, …) and the
``_metadata`` block: ``class_permissions``, ``indexes`` (kept with Mongo key names, as
Parse mirrors the real indexes there) and ``fields_options`` (``required``,
``defaultValue``). ``ACL`` and ``_User.password`` are implicit and never stored.
"""

from __future__ import annotations

from typing import Any

from parse_compat.storage.base import ClassSchema
from parse_compat.storage.mongo import keys as k

SCHEMA_COLLECTION = "_SCHEMA"

_SIMPLE_TO_MONGO: dict[str, str] = {
    "Number": "number",
    "String": "string",
    "Boolean": "boolean",
    "Date": "date",
    "Object": "object",
    "Array": "array",
    "GeoPoint": "geopoint",
    "File": "file",
    "Bytes": "bytes",
    "Polygon": "polygon",
}
_SIMPLE_FROM_MONGO: dict[str, str] = {mongo: rest for rest, mongo in _SIMPLE_TO_MONGO.items()}
_SIMPLE_FROM_MONGO["map"] = "Object"  # legacy spelling

_DEFAULT_FIELDS: dict[str, dict[str, Any]] = {
    "objectId": {"type": "String"},
    "createdAt": {"type": "Date"},
    "updatedAt": {"type": "Date"},
    "ACL": {"type": "ACL"},
}
_IMPLICIT_FIELDS: dict[str, set[str]] = {"_User": {"password"}}
_SPEC_KEYS = ("type", "targetClass")


def type_to_mongo(spec: dict[str, Any]) -> str | None:
    """``{"type": "Pointer", "targetClass": "_User"}`` → ``"*_User"`` (None for ACL)."""
    kind = spec.get("type")
    if kind == "Pointer":
        return "*" + str(spec.get("targetClass"))
    if kind == "Relation":
        return f"relation<{spec.get('targetClass')}>"
    if kind == "ACL":
        return None
    return _SIMPLE_TO_MONGO.get(str(kind), str(kind).lower())


def type_from_mongo(text: str) -> dict[str, Any]:
    if text.startswith("*"):
        return {"type": "Pointer", "targetClass": text[1:]}
    if text.startswith("relation<") and text.endswith(">"):
        return {"type": "Relation", "targetClass": text[len("relation<"):-1]}
    simple = _SIMPLE_FROM_MONGO.get(text)
    if simple is None:
        return {"type": text[:1].upper() + text[1:]}
    return {"type": simple}


def _index_to_mongo(schema: ClassSchema, spec: dict[str, Any]) -> dict[str, Any]:
    return {k.mongo_index_key(schema, name): direction for name, direction in spec.items()}


def _index_from_mongo(spec: dict[str, Any]) -> dict[str, Any]:
    return {k.rest_index_key(name): direction for name, direction in spec.items()}


def schema_to_document(schema: ClassSchema) -> dict[str, Any]:
    """The ``_SCHEMA`` document for a class."""
    doc: dict[str, Any] = {"_id": schema.class_name}
    for name in ("objectId", "createdAt", "updatedAt"):
        doc[name] = "string" if name == "objectId" else "date"
    options: dict[str, dict[str, Any]] = {}
    implicit = _IMPLICIT_FIELDS.get(schema.class_name, set())
    for name, spec in schema.fields.items():
        if name in implicit:
            continue
        mongo_type = type_to_mongo(spec)
        if mongo_type is None:
            continue
        doc[name] = mongo_type
        extra = {key: value for key, value in spec.items() if key not in _SPEC_KEYS}
        if extra:
            options[name] = extra
    metadata: dict[str, Any] = {}
    if schema.class_level_permissions is not None:
        metadata["class_permissions"] = schema.class_level_permissions
    if schema.indexes:
        metadata["indexes"] = {name: _index_to_mongo(schema, spec) for name, spec in schema.indexes.items()}
    if options:
        metadata["fields_options"] = options
    if metadata:
        doc["_metadata"] = metadata
    return doc


def document_to_schema(doc: dict[str, Any]) -> ClassSchema:
    """A ``_SCHEMA`` document → ``ClassSchema`` with the default fields filled in."""
    class_name = str(doc["_id"])
    metadata = doc.get("_metadata") or {}
    options = metadata.get("fields_options") or {}
    fields: dict[str, dict[str, Any]] = {}
    for name, value in doc.items():
        if name.startswith("_") or not isinstance(value, str):
            continue
        spec = type_from_mongo(value)
        spec.update(options.get(name) or {})
        fields[name] = spec
    for name, spec in _DEFAULT_FIELDS.items():
        fields.setdefault(name, dict(spec))
    for name in _IMPLICIT_FIELDS.get(class_name, set()):
        fields.setdefault(name, {"type": "String"})
    indexes = {name: _index_from_mongo(spec) for name, spec in (metadata.get("indexes") or {}).items()}
    return ClassSchema(
        class_name=class_name,
        fields=fields,
        class_level_permissions=metadata.get("class_permissions"),
        indexes=indexes,
    )


def mongo_index_specs(schema: ClassSchema) -> dict[str, list[tuple[str, Any]]]:
    """Index name → PyMongo key list for the indexes the schema declares (``_id_`` excluded)."""
    return {
        name: list(_index_to_mongo(schema, spec).items())
        for name, spec in schema.indexes.items()
        if name != "_id_"
    }
