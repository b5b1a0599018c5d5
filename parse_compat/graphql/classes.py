"""The GraphQL types generated for one Parse class, with Parse Server's names: the object type
`<Class>` (implements `ParseObject` and `Node`), `<Class>Connection` / `<Class>Edge`,
`<Class>WhereInput`, `<Class>RelationWhereInput`, `<Class>Order`, `Create<Class>FieldsInput`,
`Update<Class>FieldsInput`, `<Class>PointerInput`, `<Class>RelationInput`, and the find
arguments (`where`, `order`, `skip`, `first/after/last/before`, `options`).

Types refer to other classes' types through thunks (`ClassTypeSet.of(name)`), so classes can
point at each other. Field resolvers come from `FieldResolvers` (pointer loads, relations).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from graphql import (
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
    GraphQLUnionType,
)

from ..storage.base import ClassSchema
from .base_types import BaseTypes
from .names import graphql_class_name, to_global_id

PARSE_OBJECT_FIELDS = ("objectId", "createdAt", "updatedAt", "ACL")
Resolver = Callable[..., Any]


class FieldResolvers(Protocol):
    def pointer(self, field_name: str) -> Resolver: ...

    def relation(self, class_name: str, field_name: str, target_class: str) -> Resolver: ...

    def find(self, class_name: str) -> Resolver: ...


@dataclass
class ClassTypes:
    schema: ClassSchema
    name: str
    output: GraphQLObjectType
    connection: GraphQLObjectType
    edge: GraphQLObjectType
    where: GraphQLInputObjectType
    relation_where: GraphQLInputObjectType
    order: GraphQLEnumType
    create_fields: GraphQLInputObjectType
    update_fields: GraphQLInputObjectType
    pointer_input: GraphQLInputObjectType
    relation_input: GraphQLInputObjectType
    find_args: dict[str, GraphQLArgument]


def sorted_fields(schema: ClassSchema) -> dict[str, dict[str, Any]]:
    """The class's fields in alphabetical order (Parse sorts them for a stable schema)."""
    return {name: schema.fields[name] for name in sorted(schema.fields) if not name.startswith("_auth_data_")}


def custom_fields(schema: ClassSchema) -> list[str]:
    return [name for name in sorted_fields(schema) if name not in PARSE_OBJECT_FIELDS and name != "id"]


class ClassTypeSet:
    """Every class's types for one schema, built together so they can refer to one another."""

    def __init__(self, base: BaseTypes, classes: list[ClassSchema], resolvers: FieldResolvers) -> None:
        self.base = base
        self.resolvers = resolvers
        self.by_class: dict[str, ClassTypes] = {}
        self._viewer: GraphQLObjectType | None = None
        for schema in classes:
            self.by_class[schema.class_name] = self._build(schema)
        self.array_result = GraphQLUnionType(
            "ArrayResult", lambda: [base.types["Element"], *(c.output for c in self.by_class.values())],
            resolve_type=self._array_item_type,
            description="Use Inline Fragment on Array to get results: "
                        "https://graphql.org/learn/queries/#inline-fragments")

    def _array_item_type(self, value: Any, _info: Any, _type: Any) -> str:
        if isinstance(value, dict) and value.get("__type") == "Object" and value.get("className") in self.by_class:
            return self.by_class[value["className"]].name
        return "Element"

    # --- field type transforms (Parse's transformers/{input,output,constraint}Type) ---------
    def input_type(self, spec: dict[str, Any]) -> Any:
        s, t = self.base.scalars, self.base.types
        kind = spec.get("type")
        target = self.by_class.get(spec.get("targetClass", ""))
        simple = {"String": GraphQLString, "Number": GraphQLFloat, "Boolean": GraphQLBoolean, "Object": s["Object"],
                  "Date": s["Date"], "File": t["FileInput"], "GeoPoint": t["GeoPointInput"], "Bytes": s["Bytes"],
                  "ACL": t["ACLInput"]}
        if kind in simple:
            return simple[kind]
        if kind == "Array":
            return GraphQLList(s["Any"])
        if kind == "Polygon":
            return GraphQLList(GraphQLNonNull(t["GeoPointInput"]))
        if kind == "Pointer":
            return target.pointer_input if target else s["Object"]
        if kind == "Relation":
            return target.relation_input if target else s["Object"]
        return None

    def output_type(self, spec: dict[str, Any]) -> Any:
        s, t = self.base.scalars, self.base.types
        kind = spec.get("type")
        target = self.by_class.get(spec.get("targetClass", ""))
        simple = {"String": GraphQLString, "Number": GraphQLFloat, "Boolean": GraphQLBoolean, "Object": s["Object"],
                  "Date": s["Date"], "File": t["FileInfo"], "GeoPoint": t["GeoPoint"], "Bytes": s["Bytes"]}
        if kind in simple:
            return simple[kind]
        if kind == "Array":
            return GraphQLList(self.array_result)
        if kind == "Polygon":
            return GraphQLList(GraphQLNonNull(t["GeoPoint"]))
        if kind == "Pointer":
            return target.output if target else s["Object"]
        if kind == "Relation":
            return GraphQLNonNull(target.connection if target else s["Object"])
        if kind == "ACL":
            return GraphQLNonNull(t["ACL"])
        return None

    def constraint_type(self, spec: dict[str, Any], field_name: str) -> Any:
        t = self.base.types
        if field_name in ("id", "objectId"):
            return t["IdWhereInput"]
        kind = spec.get("type")
        named = {"String": "StringWhereInput", "Number": "NumberWhereInput", "Boolean": "BooleanWhereInput",
                 "Array": "ArrayWhereInput", "Object": "ObjectWhereInput", "Date": "DateWhereInput",
                 "File": "FileWhereInput", "GeoPoint": "GeoPointWhereInput", "Polygon": "PolygonWhereInput",
                 "Bytes": "BytesWhereInput", "ACL": "ObjectWhereInput"}
        if kind in named:
            return t[named[kind]]
        if kind in ("Pointer", "Relation"):
            target = self.by_class.get(spec.get("targetClass", ""))
            return target.relation_where if target else self.base.scalars["Object"]
        return None

    # --- one class ----------------------------------------------------------------------------
    def _build(self, schema: ClassSchema) -> ClassTypes:
        name = graphql_class_name(schema.class_name)
        fields = sorted_fields(schema)
        custom = custom_fields(schema)
        acl_input = GraphQLInputField(self.base.types["ACLInput"])

        def create_fields() -> dict[str, GraphQLInputField]:
            out = {"ACL": acl_input}
            for field_name in custom:
                kind = self.input_type(fields[field_name])
                if kind is not None:
                    required = fields[field_name].get("required")
                    out[field_name] = GraphQLInputField(GraphQLNonNull(kind) if required else kind,
                                                        description=f"This is the object {field_name}.")
            return out

        def update_fields() -> dict[str, GraphQLInputField]:
            out = {"ACL": acl_input}
            for field_name in custom:
                kind = self.input_type(fields[field_name])
                if kind is not None:
                    out[field_name] = GraphQLInputField(kind, description=f"This is the object {field_name}.")
            return out

        create = GraphQLInputObjectType(f"Create{name}FieldsInput", create_fields)
        update = GraphQLInputObjectType(f"Update{name}FieldsInput", update_fields)
        pointer_input = GraphQLInputObjectType(f"{name}PointerInput", lambda: {
            "link": GraphQLInputField(GraphQLID), "createAndLink": GraphQLInputField(create)},
            description=f"Allow to link OR add and link an object of the {name} class.")
        relation_input = GraphQLInputObjectType(f"{name}RelationInput", lambda: {
            "add": GraphQLInputField(GraphQLList(GraphQLNonNull(GraphQLID))),
            "remove": GraphQLInputField(GraphQLList(GraphQLNonNull(GraphQLID))),
            "createAndAdd": GraphQLInputField(GraphQLList(GraphQLNonNull(create)))})
        constraint_names = [*fields, "id"]

        def where_fields() -> dict[str, GraphQLInputField]:
            out: dict[str, GraphQLInputField] = {}
            for field_name in constraint_names:
                if field_name in ("OR", "AND", "NOR"):
                    continue
                spec = fields.get("objectId" if field_name == "id" else field_name, {"type": "String"})
                kind = self.constraint_type(spec, field_name)
                if kind is not None:
                    out[field_name] = GraphQLInputField(kind, description=f"This is the object {field_name}.")
            for operator in ("OR", "AND", "NOR"):
                out[operator] = GraphQLInputField(GraphQLList(GraphQLNonNull(where)),
                                                  description=f"This is the {operator} operator to compound "
                                                              "constraints.")
            return out

        where = GraphQLInputObjectType(f"{name}WhereInput", where_fields)
        relation_where = GraphQLInputObjectType(f"{name}RelationWhereInput", lambda: {
            "have": GraphQLInputField(where), "haveNot": GraphQLInputField(where),
            "exists": GraphQLInputField(GraphQLBoolean)})
        values: dict[str, GraphQLEnumValue] = {}
        for field_name in constraint_names:
            value = "objectId" if field_name == "id" else field_name
            values[f"{field_name}_ASC"] = GraphQLEnumValue(value)
            values[f"{field_name}_DESC"] = GraphQLEnumValue(f"-{value}")
        order = GraphQLEnumType(f"{name}Order", values)
        find_args = {
            "where": GraphQLArgument(where, description="These are the conditions that the objects need to "
                                                        "match in order to be found."),
            "order": GraphQLArgument(GraphQLList(GraphQLNonNull(order)),
                                     description="The fields to be used when sorting the data fetched."),
            "skip": GraphQLArgument(GraphQLInt, description="This is the number of objects that must be skipped "
                                                            "to return."),
            "after": GraphQLArgument(GraphQLString), "first": GraphQLArgument(GraphQLInt),
            "before": GraphQLArgument(GraphQLString), "last": GraphQLArgument(GraphQLInt),
            "options": GraphQLArgument(self.base.types["ReadOptionsInput"]),
        }
        output = GraphQLObjectType(name, lambda: self._output_fields(schema, fields, custom),
                                   interfaces=[self.base.types["ParseObject"], self.base.types["Node"]],
                                   description=f"The {name} object type is used in operations that involve "
                                               f"outputting objects of {name} class.")
        edge = GraphQLObjectType(f"{name}Edge", lambda: {
            "node": GraphQLField(output), "cursor": GraphQLField(GraphQLNonNull(GraphQLString))},
            description="An edge in a connection.")
        connection = GraphQLObjectType(f"{name}Connection", lambda: {
            "pageInfo": GraphQLField(GraphQLNonNull(self.base.types["PageInfo"])),
            "edges": GraphQLField(GraphQLList(edge)),
            "count": GraphQLField(GraphQLNonNull(GraphQLInt))},
            description="A connection to a list of items.")
        return ClassTypes(schema, name, output, connection, edge, where, relation_where, order, create, update,
                          pointer_input, relation_input, find_args)

    def _output_fields(self, schema: ClassSchema, fields: dict[str, dict[str, Any]],
                       custom: list[str]) -> dict[str, GraphQLField]:
        class_name = schema.class_name

        def global_id(source: Any, _info: Any) -> str:
            return to_global_id(class_name, str(source.get("objectId")))

        out: dict[str, GraphQLField] = {"id": GraphQLField(GraphQLNonNull(GraphQLID), resolve=global_id,
                                                           description="The ID of an object"),
                                        **self.base.parse_object_fields()}
        if class_name == "_User":
            out["authDataResponse"] = GraphQLField(self.base.scalars["Object"])
        for field_name in custom:
            if class_name == "_User" and field_name == "password":
                continue
            spec = fields[field_name]
            kind = self.output_type(spec)
            if kind is None:
                continue
            if spec.get("required") and not isinstance(kind, GraphQLNonNull):
                kind = GraphQLNonNull(kind)
            description = f"This is the object {field_name}."
            if spec["type"] == "Pointer" and spec.get("targetClass") in self.by_class:
                out[field_name] = GraphQLField(kind, resolve=self.resolvers.pointer(field_name),
                                               description=description)
            elif spec["type"] == "Relation" and spec.get("targetClass") in self.by_class:
                target = self.by_class[spec["targetClass"]]
                out[field_name] = GraphQLField(kind, args=target.find_args, description=description,
                                               resolve=self.resolvers.relation(class_name, field_name,
                                                                               spec["targetClass"]))
            elif spec["type"] == "Polygon":
                out[field_name] = GraphQLField(kind, resolve=_polygon(field_name), description=description)
            elif spec["type"] == "Array":
                out[field_name] = GraphQLField(kind, resolve=_array(field_name), description="Use Inline Fragment "
                                               "on Array to get results: https://graphql.org/learn/queries/"
                                               "#inline-fragments")
            else:
                out[field_name] = GraphQLField(kind, description=description)
        return out

    def viewer_type(self) -> GraphQLObjectType | None:
        """`Viewer` {sessionToken, user} (built once per schema)."""
        user = self.by_class.get("_User")
        if user is None:
            return None
        if self._viewer is None:
            self._viewer = self._build_viewer(user)
        return self._viewer

    def _build_viewer(self, user: ClassTypes) -> GraphQLObjectType:
        return GraphQLObjectType("Viewer", lambda: {
            "sessionToken": GraphQLField(GraphQLNonNull(GraphQLString), description="The current user session token."),
            "user": GraphQLField(GraphQLNonNull(user.output), description="This is the current user.")},
            description="The Viewer object type is used in operations that involve outputting the current user data.")


def _polygon(field_name: str) -> Resolver:
    def resolve(source: Any, _info: Any) -> Any:
        value = source.get(field_name) if isinstance(source, dict) else None
        if isinstance(value, dict) and isinstance(value.get("coordinates"), list):
            return [{"latitude": point[0], "longitude": point[1]} for point in value["coordinates"]]
        return None
    return resolve


def _array(field_name: str) -> Resolver:
    def resolve(source: Any, _info: Any) -> Any:
        value = source.get(field_name) if isinstance(source, dict) else None
        if not isinstance(value, list):
            return None
        return [item if isinstance(item, dict) and item.get("__type") == "Object" and item.get("className")
                and item.get("objectId") else {"value": item} for item in value]
    return resolve
