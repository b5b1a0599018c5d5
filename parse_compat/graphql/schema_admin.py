"""The class-schema root fields, with Parse Server's names and shapes: queries `class(name)` and
`classes`, mutations `createClass`, `updateClass`, `deleteClass` (`SchemaFieldsInput`:
`addStrings`, `addNumbers`, …, `addPointers`, `addRelations`, `remove`; `Class` {name,
schemaFields: [SchemaField!]!} with one `Schema<Type>Field` per Parse type).

Each replays the `/schemas` REST route, so the master key (writable, for changes) is required
exactly as over REST.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLString,
)

from ..errors import INVALID_KEY_NAME, ParseError
from .accounts import relay_mutation
from .context import GraphQLContext

PLAIN_TYPES = ("String", "Number", "Boolean", "Array", "Object", "Date", "File", "GeoPoint", "Polygon", "Bytes")
ADD_LISTS = {"addStrings": "String", "addNumbers": "Number", "addBooleans": "Boolean", "addArrays": "Array",
             "addObjects": "Object", "addDates": "Date", "addFiles": "File", "addPolygons": "Polygon",
             "addBytes": "Bytes", "addPointers": "Pointer", "addRelations": "Relation"}


def _name() -> GraphQLNonNull[Any]:
    return GraphQLNonNull(GraphQLString)


def _context(info: GraphQLResolveInfo) -> GraphQLContext:
    context = info.context
    assert isinstance(context, GraphQLContext)
    return context


def schema_fields_to_graphql(fields: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, "type": spec.get("type"), "targetClassName": spec.get("targetClass")}
            for name, spec in fields.items()]


def schema_fields_to_parse(given: dict[str, Any] | None, existing: dict[str, Any] | None = None) -> dict[str, Any]:
    """`SchemaFieldsInput` → the `fields` of a `/schemas` body (Parse's transformToParse)."""
    if not given:
        return {}
    removed = {field["name"] for field in given.get("remove") or []}
    out: dict[str, Any] = {}

    def add(field: dict[str, Any], kind: str) -> None:
        name = field["name"]
        if name in removed:
            return
        if name in out or (existing and name in existing):
            raise ParseError(INVALID_KEY_NAME, f"Duplicated field name: {name}")
        spec: dict[str, Any] = {"type": kind}
        if kind in ("Pointer", "Relation"):
            spec["targetClass"] = field["targetClassName"]
        out[name] = spec

    for key, kind in ADD_LISTS.items():
        for field in given.get(key) or []:
            add(field, kind)
    if given.get("addGeoPoint"):
        add(given["addGeoPoint"], "GeoPoint")
    if existing:
        for name in removed:
            if name in existing:
                out[name] = {"__op": "Delete"}
    return out


class SchemaAdminTypes:
    """`Class`, `SchemaField` and its implementations, `SchemaFieldsInput` (built per schema)."""

    def __init__(self) -> None:
        name_field = {"name": GraphQLField(_name())}
        by_type: dict[str, GraphQLObjectType] = {}
        self.field = GraphQLInterfaceType("SchemaField", name_field,
                                          resolve_type=lambda value, _i, _t: by_type[value["type"]].name)
        for kind in (*PLAIN_TYPES, "ACL"):
            by_type[kind] = GraphQLObjectType(f"Schema{kind}Field", name_field, interfaces=[self.field])
        target = {"targetClassName": GraphQLField(_name())}
        for kind in ("Pointer", "Relation"):
            by_type[kind] = GraphQLObjectType(f"Schema{kind}Field", {**name_field, **target}, interfaces=[self.field])
        self.objects = list(by_type.values())
        name_input = {"name": GraphQLInputField(_name())}
        self.field_input = GraphQLInputObjectType("SchemaFieldInput", name_input)
        inputs = {kind: GraphQLInputObjectType(f"Schema{kind}FieldInput", name_input) for kind in PLAIN_TYPES}
        for kind in ("Pointer", "Relation"):
            inputs[kind] = GraphQLInputObjectType(f"{kind}FieldInput", {
                **name_input, "targetClassName": GraphQLInputField(_name())})
        fields_input: dict[str, GraphQLInputField] = {
            key: GraphQLInputField(GraphQLList(GraphQLNonNull(inputs[kind]))) for key, kind in ADD_LISTS.items()}
        fields_input["addGeoPoint"] = GraphQLInputField(inputs["GeoPoint"])
        fields_input["remove"] = GraphQLInputField(GraphQLList(GraphQLNonNull(self.field_input)))
        self.fields_input = GraphQLInputObjectType("SchemaFieldsInput", fields_input)
        self.class_type = GraphQLObjectType("Class", {
            "name": GraphQLField(_name()),
            "schemaFields": GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(self.field))))})

    def all(self) -> list[Any]:
        return [*self.objects, self.field, self.field_input, self.fields_input, self.class_type]


def _class(found: dict[str, Any]) -> dict[str, Any]:
    return {"name": found["className"], "schemaFields": schema_fields_to_graphql(found.get("fields") or {})}


def schema_queries(types: SchemaAdminTypes) -> dict[str, GraphQLField]:
    async def one(_root: Any, info: GraphQLResolveInfo, name: str) -> Any:
        return _class(await _context(info).bridge.call("GET", f"/schemas/{quote(name, safe='')}"))

    async def every(_root: Any, info: GraphQLResolveInfo) -> Any:
        answer = await _context(info).bridge.call("GET", "/schemas")
        return [_class(found) for found in answer["results"]]

    return {
        "class": GraphQLField(GraphQLNonNull(types.class_type), args={"name": GraphQLArgument(_name())}, resolve=one,
                              description="The class query can be used to retrieve an existing object class."),
        "classes": GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(types.class_type))), resolve=every,
                                description="The classes query can be used to retrieve the existing object classes."),
    }


def schema_mutations(types: SchemaAdminTypes) -> dict[str, GraphQLField]:
    inputs = {"name": _name(), "schemaFields": types.fields_input}
    out = {"class": GraphQLField(GraphQLNonNull(types.class_type))}

    async def create(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:  # noqa: A002
        name = input["name"]
        body = {"className": name, "fields": schema_fields_to_parse(input.get("schemaFields"))}
        return {"class": _class(await _context(info).bridge.call("POST", f"/schemas/{quote(name, safe='')}", body))}

    async def update(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:  # noqa: A002
        bridge, path = _context(info).bridge, f"/schemas/{quote(input['name'], safe='')}"
        existing = (await bridge.call("GET", path)).get("fields") or {}
        body = {"className": input["name"], "fields": schema_fields_to_parse(input.get("schemaFields"), existing)}
        return {"class": _class(await bridge.call("PUT", path, body))}

    async def delete(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:  # noqa: A002
        bridge, path = _context(info).bridge, f"/schemas/{quote(input['name'], safe='')}"
        found = await bridge.call("GET", path)
        await bridge.call("DELETE", path)
        return {"class": _class(found)}

    return {
        "createClass": relay_mutation("CreateClass", inputs, out, create, "The createClass mutation can be used to "
                                                                          "create the schema for a new object class."),
        "updateClass": relay_mutation("UpdateClass", inputs, out, update, "The updateClass mutation can be used to "
                                                                          "update the schema for an existing object "
                                                                          "class."),
        "deleteClass": relay_mutation("DeleteClass", {"name": _name()}, out, delete,
                                      "The deleteClass mutation can be used to delete an existing object class."),
    }
