"""GraphQL arguments → Parse's REST JSON, as Parse Server translates them: a `<Class>WhereInput`
into a `where` (`equalTo` → `$eq`, `have` → `$inQuery`, `id` → `objectId` with global ids
decoded, …) and a `Create/Update<Class>FieldsInput` into a REST body (`null` → `Delete`, ACL
input → ACL JSON, pointer `link` → Pointer, relation `add/remove` → relation ops).

Pure: nested creates (`createAndLink`, `createAndAdd`) are delegated to a callback, which runs
them through the write pipeline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ..errors import FILE_SAVE_ERROR, INVALID_POINTER, ParseError
from ..storage.base import ClassSchema
from .names import object_id_of

CONSTRAINT_OPERATORS = {
    "equalTo": "$eq", "notEqualTo": "$ne", "lessThan": "$lt", "lessThanOrEqualTo": "$lte", "greaterThan": "$gt",
    "greaterThanOrEqualTo": "$gte", "in": "$in", "notIn": "$nin", "exists": "$exists", "inQueryKey": "$select",
    "notInQueryKey": "$dontSelect", "containedBy": "$containedBy", "contains": "$all", "matchesRegex": "$regex",
    "options": "$options", "maxDistance": "$maxDistance", "maxDistanceInRadians": "$maxDistanceInRadians",
    "maxDistanceInMiles": "$maxDistanceInMiles", "maxDistanceInKilometers": "$maxDistanceInKilometers",
}
LOGICAL_OPERATORS = {"OR": "$or", "AND": "$and", "NOR": "$nor"}
Classes = dict[str, ClassSchema]
CreateNested = Callable[[str, dict[str, Any]], Awaitable[str]]
StoreUpload = Callable[[Any], Awaitable[dict[str, Any]]]


def _geo_point(value: dict[str, Any]) -> dict[str, Any]:
    return {"__type": "GeoPoint", "latitude": value["latitude"], "longitude": value["longitude"]}


def where_to_parse(where: dict[str, Any] | None, class_name: str, classes: Classes) -> dict[str, Any]:
    """A `<Class>WhereInput` value as a Parse `where`."""
    out: dict[str, Any] = {}
    schema = classes.get(class_name)
    fields = schema.fields if schema else {}
    for key, value in (where or {}).items():
        if value is None:
            continue
        if key in LOGICAL_OPERATORS:
            out[LOGICAL_OPERATORS[key]] = [where_to_parse(item, class_name, classes) for item in value]
        elif key in ("id", "objectId"):
            out["objectId"] = _id_constraints(value, class_name)
        elif fields.get(key, {}).get("type") in ("Pointer", "Relation"):
            out[key] = _pointer_constraints(key, value, fields[key], classes)
        else:
            for name, constraint in _field_constraints(key, value).items():
                out.setdefault(name, {}).update(constraint)
    return out


def _id_constraints(constraints: dict[str, Any], class_name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in constraints.items():
        if isinstance(value, str):
            value = object_id_of(value, class_name)
        elif isinstance(value, list):
            value = [object_id_of(item, class_name) if isinstance(item, str) else item for item in value]
        out.update(_operator(name, value))
    return out


def _pointer_constraints(field_name: str, constraints: dict[str, Any], spec: dict[str, Any],
                         classes: Classes) -> dict[str, Any]:
    target = spec.get("targetClass", "")
    out: dict[str, Any] = {}
    if constraints.get("have") is not None:
        out["$inQuery"] = {"where": where_to_parse(constraints["have"], target, classes), "className": target}
    if constraints.get("haveNot") is not None:
        out["$notInQuery"] = {"where": where_to_parse(constraints["haveNot"], target, classes), "className": target}
    exists = constraints.get("exists")
    if exists is not None:
        if spec.get("type") == "Relation":
            # parse-compat: as Parse, `exists` on a relation is a sub-query on the related class
            key = "$inQuery" if exists else "$notInQuery"
            if key in out:
                out[key]["where"].setdefault("objectId", {})["$exists"] = True
            else:
                out[key] = {"where": {"objectId": {"$exists": True}}, "className": target}
        else:
            out["$exists"] = exists
    return out


def _field_constraints(field_name: str, constraints: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {$op: value}}; a key/value constraint on an Object field targets `field.key`."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in constraints.items():
        if value is None and name != "equalTo" and name != "notEqualTo":
            continue
        if isinstance(value, dict) and "key" in value and "value" in value and name in CONSTRAINT_OPERATORS:
            out.setdefault(f"{field_name}.{value['key']}", {})[CONSTRAINT_OPERATORS[name]] = value["value"]
            continue
        out.setdefault(field_name, {}).update(_operator(name, value))
    return out


def _operator(name: str, value: Any) -> dict[str, Any]:
    if name in CONSTRAINT_OPERATORS:
        return {CONSTRAINT_OPERATORS[name]: value}
    if name == "text":
        search = value.get("search") or {}
        text: dict[str, Any] = {"$term": search.get("term")}
        for key in ("language", "caseSensitive", "diacriticSensitive"):
            if search.get(key) is not None:
                text[f"${key}"] = search[key]
        return {"$text": {"$search": text}}
    if name == "nearSphere":
        return {"$nearSphere": _geo_point(value)}
    if name == "within":
        box = value["box"]
        return {"$within": {"$box": [_geo_point(box["bottomLeft"]), _geo_point(box["upperRight"])]}}
    if name == "geoWithin":
        if value.get("polygon") is not None:
            return {"$geoWithin": {"$polygon": [_geo_point(point) for point in value["polygon"]]}}
        sphere = value.get("centerSphere") or {}
        return {"$geoWithin": {"$centerSphere": [_geo_point(sphere["center"]), sphere["distance"]]}}
    if name == "geoIntersects":
        return {"$geoIntersects": {"$point": _geo_point(value["point"])}}
    raise ParseError(102, f"Unknown constraint {name}")


def order_to_parse(order: list[str] | None) -> list[tuple[str, bool]]:
    """`[name_ASC, createdAt_DESC]` enum values (`name`, `-createdAt`) → (field, ascending) pairs."""
    return [(value[1:], False) if value.startswith("-") else (value, True) for value in order or []]


# --- mutation inputs -----------------------------------------------------------------------------

def acl_to_parse(value: dict[str, Any]) -> dict[str, Any]:
    acl: dict[str, Any] = {}
    public = value.get("public")
    if public:
        acl["*"] = {"read": public["read"], "write": public["write"]}
    for rule in value.get("users") or []:
        acl[object_id_of(rule["userId"], "_User")] = {"read": rule["read"], "write": rule["write"]}
    for rule in value.get("roles") or []:
        acl[f"role:{rule['roleName']}"] = {"read": rule["read"], "write": rule["write"]}
    return acl


async def fields_to_parse(fields: dict[str, Any] | None, class_name: str, classes: Classes,
                          create_nested: CreateNested, store_upload: StoreUpload | None = None) -> dict[str, Any]:
    """A `Create/Update<Class>FieldsInput` value as a REST body for the write pipeline."""
    schema = classes.get(class_name)
    specs = schema.fields if schema else {}
    body: dict[str, Any] = {}
    for name, value in (fields or {}).items():
        kind = specs.get(name, {}).get("type")
        if name == "ACL":
            body["ACL"] = acl_to_parse(value) if value else {"__op": "Delete"}
        elif value is None and kind != "Relation":
            body[name] = {"__op": "Delete"}
        elif kind == "GeoPoint":
            body[name] = _geo_point(value)
        elif kind == "Polygon":
            body[name] = {"__type": "Polygon", "coordinates": [[p["latitude"], p["longitude"]] for p in value]}
        elif kind == "File":
            if value.get("upload") is not None and store_upload is not None:
                body[name] = await store_upload(value["upload"])
            else:
                body[name] = _file(value)
        elif kind == "Pointer":
            body[name] = await _pointer(name, value, specs[name]["targetClass"], create_nested)
        elif kind == "Relation":
            body[name] = await _relation(name, value or {}, specs[name]["targetClass"], create_nested)
        else:
            body[name] = value
    return body


def _file(value: dict[str, Any]) -> dict[str, Any]:
    if value.get("upload") is not None:
        raise ParseError(FILE_SAVE_ERROR, "Invalid file upload.")
    file = value.get("file")
    if isinstance(file, dict) and isinstance(file.get("name"), str):
        return {"__type": "File", "name": file["name"], **({"url": file["url"]} if file.get("url") else {})}
    raise ParseError(FILE_SAVE_ERROR, "Invalid file upload.")


def _pointer_value(class_name: str, object_id: str) -> dict[str, Any]:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


async def _pointer(name: str, value: dict[str, Any], target: str, create_nested: CreateNested) -> dict[str, Any]:
    given = {key: item for key, item in value.items() if item is not None}
    if len(given) != 1:
        raise ParseError(INVALID_POINTER, f"You need to provide link OR createLink on the pointer mutation of "
                                          f"field {name}")
    if "createAndLink" in given:
        return _pointer_value(target, await create_nested(target, given["createAndLink"]))
    return _pointer_value(target, object_id_of(str(given["link"]), target))


async def _relation(name: str, value: dict[str, Any], target: str, create_nested: CreateNested) -> dict[str, Any]:
    given = {key: item for key, item in value.items() if item is not None}
    if not given:
        raise ParseError(INVALID_POINTER, f"You need to provide at least one operation on the relation mutation "
                                          f"of field {name}")
    ops: list[dict[str, Any]] = []
    added = [_pointer_value(target, object_id_of(item, target)) for item in given.get("add", [])]
    for nested in given.get("createAndAdd", []):
        added.append(_pointer_value(target, await create_nested(target, nested)))
    if added:
        ops.append({"__op": "AddRelation", "objects": added})
    if given.get("remove"):
        ops.append({"__op": "RemoveRelation", "objects": [_pointer_value(target, object_id_of(item, target))
                                                          for item in given["remove"]]})
    return ops[0] if len(ops) == 1 else {"__op": "Batch", "ops": ops}
