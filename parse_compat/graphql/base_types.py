"""The types every generated schema shares, with Parse Server's names: the scalars (`Any`,
`Object`, `Date`, `Bytes`, `File`, `Upload`), ACL input and output types, geo types, the
`ParseObject` and Relay `Node` interfaces, `PageInfo`, read options and the per-type
`…WhereInput` constraint types (`equalTo`, `notEqualTo`, `lessThan`, `in`, `exists`,
`matchesRegex`, …).

Built afresh for each schema (`BaseTypes()`), so no GraphQL type object is shared between apps.
Values are kept in Parse's REST JSON: a `Date` argument becomes `{"__type": "Date", "iso": …}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLString,
    ValueNode,
    value_from_ast_untyped,
)
from graphql.error import GraphQLError

from .names import graphql_class_name, to_global_id

# --- scalars -----------------------------------------------------------------------------------


def _object_value(value: Any) -> Any:
    if isinstance(value, dict):
        return value
    raise GraphQLError(f"{_show(value)} is not a valid Object")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _iso(value: Any) -> str:
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise GraphQLError(f"{_show(value)} is not a valid Date") from exc
        return value
    raise GraphQLError(f"{_show(value)} is not a valid Date")


def _date_in(value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and value.get("__type") == "Date" and "iso" in value:
        return {"__type": "Date", "iso": _iso(value["iso"])}
    return {"__type": "Date", "iso": _iso(value)}


def _date_out(value: Any) -> str:
    if isinstance(value, dict) and value.get("__type") == "Date":
        return str(value.get("iso"))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise GraphQLError(f"{_show(value)} is not a valid Date")


def _bytes_in(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"__type": "Bytes", "base64": value}
    if isinstance(value, dict) and value.get("__type") == "Bytes" and isinstance(value.get("base64"), str):
        return value
    raise GraphQLError(f"{_show(value)} is not a valid Bytes")


def _bytes_out(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("base64"), str):
        return str(value["base64"])
    if isinstance(value, str):
        return value
    raise GraphQLError(f"{_show(value)} is not a valid Bytes")


def _file_in(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"__type": "File", "name": value}
    if isinstance(value, dict) and value.get("__type") == "File" and isinstance(value.get("name"), str):
        return value
    raise GraphQLError(f"{_show(value)} is not a valid File")


def _file_out(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value.get("__type") == "File":
        return {"name": value.get("name"), "url": value.get("url")}
    raise GraphQLError(f"{_show(value)} is not a valid File")


@dataclass
class UploadedFile:
    """One file part of a multipart GraphQL request (read within maxUploadSize): an `Upload` value."""

    filename: str
    content_type: str | None
    data: bytes = field(repr=False)


def _upload_in(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        return value
    raise GraphQLError("Upload values must be files of a multipart request")


def _literal(convert: Any) -> Any:
    def parse(node: ValueNode, variables: dict[str, Any] | None = None) -> Any:
        return convert(value_from_ast_untyped(node, variables))
    return parse


def _scalars() -> dict[str, GraphQLScalarType]:
    return {
        "Any": GraphQLScalarType("Any", description="The Any scalar type is used in operations and types that "
                                 "involve any type of value.", serialize=lambda v: v, parse_value=lambda v: v,
                                 parse_literal=_literal(lambda v: v)),
        "Object": GraphQLScalarType("Object", description="The Object scalar type is used in operations and types "
                                    "that involve objects.", serialize=_object_value, parse_value=_object_value,
                                    parse_literal=_literal(_object_value)),
        "Date": GraphQLScalarType("Date", description="The Date scalar type is used in operations and types that "
                                  "involve dates.", serialize=_date_out, parse_value=_date_in,
                                  parse_literal=_literal(_date_in)),
        "Bytes": GraphQLScalarType("Bytes", description="The Bytes scalar type is used in operations and types that "
                                   "involve base 64 binary data.", serialize=_bytes_out, parse_value=_bytes_in,
                                   parse_literal=_literal(_bytes_in)),
        "File": GraphQLScalarType("File", description="The File scalar type is used in operations and types that "
                                  "involve files.", serialize=_file_out, parse_value=_file_in,
                                  parse_literal=_literal(_file_in)),
        "Upload": GraphQLScalarType("Upload", description="The Upload scalar type represents a file upload.",
                                    serialize=lambda v: None, parse_value=_upload_in),
    }


# --- constraint inputs ------------------------------------------------------------------------

def _nn(kind: Any) -> GraphQLNonNull[Any]:
    return GraphQLNonNull(kind)


def _input(name: str, fields: dict[str, Any], description: str = "") -> GraphQLInputObjectType:
    return GraphQLInputObjectType(name, {key: value if isinstance(value, GraphQLInputField) else
                                         GraphQLInputField(value) for key, value in fields.items()},
                                  description=description or None)


def _comparisons(kind: Any, *, order: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"equalTo": kind, "notEqualTo": kind}
    if order:
        out.update({"lessThan": kind, "lessThanOrEqualTo": kind, "greaterThan": kind,
                    "greaterThanOrEqualTo": kind, "in": GraphQLList(kind), "notIn": GraphQLList(kind)})
    return out


@dataclass
class BaseTypes:
    """The shared types of one schema."""

    scalars: dict[str, GraphQLScalarType] = field(default_factory=_scalars)
    types: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = self.scalars
        t = self.types
        t["FileInfo"] = GraphQLObjectType("FileInfo", {
            "name": GraphQLField(_nn(GraphQLString)), "url": GraphQLField(_nn(GraphQLString))},
            description="The FileInfo object type is used to return the information about files.")
        t["FileInput"] = _input("FileInput", {"file": s["File"], "upload": s["Upload"]})
        geo = {"latitude": _nn(GraphQLFloat), "longitude": _nn(GraphQLFloat)}
        t["GeoPointInput"] = _input("GeoPointInput", geo)
        t["GeoPoint"] = GraphQLObjectType("GeoPoint", {k: GraphQLField(v) for k, v in geo.items()})
        rights = {"read": _nn(GraphQLBoolean), "write": _nn(GraphQLBoolean)}
        t["UserACLInput"] = _input("UserACLInput", {"userId": _nn(GraphQLID), **rights})
        t["RoleACLInput"] = _input("RoleACLInput", {"roleName": _nn(GraphQLString), **rights})
        t["PublicACLInput"] = _input("PublicACLInput", rights)
        t["ACLInput"] = _input("ACLInput", {"users": GraphQLList(_nn(t["UserACLInput"])),
                                            "roles": GraphQLList(_nn(t["RoleACLInput"])),
                                            "public": t["PublicACLInput"]})
        t["UserACL"] = GraphQLObjectType("UserACL", {"userId": GraphQLField(_nn(GraphQLID)),
                                                     **{k: GraphQLField(v) for k, v in rights.items()}})
        t["RoleACL"] = GraphQLObjectType("RoleACL", {"roleName": GraphQLField(_nn(GraphQLID)),
                                                     **{k: GraphQLField(v) for k, v in rights.items()}})
        t["PublicACL"] = GraphQLObjectType("PublicACL", {"read": GraphQLField(GraphQLBoolean),
                                                         "write": GraphQLField(GraphQLBoolean)})
        t["ACL"] = GraphQLObjectType("ACL", {
            "users": GraphQLField(GraphQLList(_nn(t["UserACL"])), resolve=_acl_users),
            "roles": GraphQLField(GraphQLList(_nn(t["RoleACL"])), resolve=_acl_roles),
            "public": GraphQLField(t["PublicACL"], resolve=_acl_public),
        }, description="Current access control list of the current object.")
        t["ParseObject"] = GraphQLInterfaceType("ParseObject", lambda: self.parse_object_fields(),
                                                resolve_type=_type_of_object,
                                                description="The ParseObject interface type is used as a base type "
                                                            "for the auto generated object types.")
        t["Node"] = GraphQLInterfaceType("Node", {"id": GraphQLField(_nn(GraphQLID))}, resolve_type=_type_of_object,
                                         description="An object with an ID")
        t["PageInfo"] = GraphQLObjectType("PageInfo", {
            "hasNextPage": GraphQLField(_nn(GraphQLBoolean)), "hasPreviousPage": GraphQLField(_nn(GraphQLBoolean)),
            "startCursor": GraphQLField(GraphQLString), "endCursor": GraphQLField(GraphQLString)},
            description="Information about pagination in a connection.")
        t["ReadPreference"] = GraphQLEnumType("ReadPreference", {
            name: name for name in ("PRIMARY", "PRIMARY_PREFERRED", "SECONDARY", "SECONDARY_PREFERRED", "NEAREST")})
        t["ReadOptionsInput"] = _input("ReadOptionsInput", {
            "readPreference": t["ReadPreference"], "includeReadPreference": t["ReadPreference"],
            "subqueryReadPreference": t["ReadPreference"]})
        self._constraints()

    def _constraints(self) -> None:
        s, t = self.scalars, self.types
        t["SearchInput"] = _input("SearchInput", {"term": _nn(GraphQLString), "language": GraphQLString,
                                                  "caseSensitive": GraphQLBoolean,
                                                  "diacriticSensitive": GraphQLBoolean})
        t["TextInput"] = _input("TextInput", {"search": _nn(t["SearchInput"])})
        corners = {"bottomLeft": _nn(t["GeoPointInput"]), "upperRight": _nn(t["GeoPointInput"])}
        t["BoxInput"] = _input("BoxInput", corners)
        t["WithinInput"] = _input("WithinInput", {"box": _nn(t["BoxInput"])})
        t["CenterSphereInput"] = _input("CenterSphereInput", {"center": _nn(t["GeoPointInput"]),
                                                              "distance": _nn(GraphQLFloat)})
        t["GeoWithinInput"] = _input("GeoWithinInput", {"polygon": GraphQLList(_nn(t["GeoPointInput"])),
                                                        "centerSphere": t["CenterSphereInput"]})
        t["GeoIntersectsInput"] = _input("GeoIntersectsInput", {"point": t["GeoPointInput"]})
        t["SubqueryInput"] = _input("SubqueryInput", {"className": _nn(GraphQLString), "where": _nn(s["Object"])})
        t["SelectInput"] = _input("SelectInput", {"query": _nn(t["SubqueryInput"]), "key": _nn(GraphQLString)})
        sub = {"inQueryKey": t["SelectInput"], "notInQueryKey": t["SelectInput"]}
        exists = {"exists": GraphQLBoolean}
        regex = {"matchesRegex": GraphQLString, "options": GraphQLString}
        t["IdWhereInput"] = _input("IdWhereInput", {**_comparisons(GraphQLID), **exists, **sub})
        t["StringWhereInput"] = _input("StringWhereInput", {**_comparisons(GraphQLString), **exists, **regex,
                                                            "text": t["TextInput"], **sub})
        t["NumberWhereInput"] = _input("NumberWhereInput", {**_comparisons(GraphQLFloat), **exists, **sub})
        t["BooleanWhereInput"] = _input("BooleanWhereInput", {**_comparisons(GraphQLBoolean, order=False),
                                                              **exists, **sub})
        t["ArrayWhereInput"] = _input("ArrayWhereInput", {**_comparisons(s["Any"]), **exists,
                                                          "containedBy": GraphQLList(s["Any"]),
                                                          "contains": GraphQLList(s["Any"]), **sub})
        t["KeyValueInput"] = _input("KeyValueInput", {"key": _nn(GraphQLString), "value": _nn(s["Any"])})
        t["ObjectWhereInput"] = _input("ObjectWhereInput", {**_comparisons(t["KeyValueInput"]), **exists, **sub})
        t["DateWhereInput"] = _input("DateWhereInput", {**_comparisons(s["Date"]), **exists, **sub})
        t["BytesWhereInput"] = _input("BytesWhereInput", {**_comparisons(s["Bytes"]), **exists, **sub})
        t["FileWhereInput"] = _input("FileWhereInput", {**_comparisons(s["File"]), **exists, **regex, **sub})
        t["GeoPointWhereInput"] = _input("GeoPointWhereInput", {
            **exists, "nearSphere": t["GeoPointInput"], "maxDistance": GraphQLFloat,
            "maxDistanceInRadians": GraphQLFloat, "maxDistanceInMiles": GraphQLFloat,
            "maxDistanceInKilometers": GraphQLFloat, "within": t["WithinInput"], "geoWithin": t["GeoWithinInput"]})
        t["PolygonWhereInput"] = _input("PolygonWhereInput", {**exists, "geoIntersects": t["GeoIntersectsInput"]})
        t["Element"] = GraphQLObjectType("Element", {"value": GraphQLField(_nn(s["Any"]))},
                                         description="The Element object type is used to return array items' value.")

    def parse_object_fields(self) -> dict[str, GraphQLField]:
        """`objectId`, `createdAt`, `updatedAt`, `ACL`: the fields every class type has."""
        date = self.scalars["Date"]
        return {
            "objectId": GraphQLField(_nn(GraphQLID), description="This is the object id."),
            "createdAt": GraphQLField(_nn(date), description="This is the date in which the object was created."),
            "updatedAt": GraphQLField(_nn(date), description="This is the date in which the object was las updated."),
            "ACL": GraphQLField(_nn(self.types["ACL"]), resolve=_acl_of),
        }

    def all(self) -> list[Any]:
        return [*self.scalars.values(), *self.types.values()]


def _type_of_object(value: Any, _info: Any, _type: Any) -> str | None:
    """The generated type of an object carrying its `className` (`node(id)` answers)."""
    class_name = value.get("className") if isinstance(value, dict) else None
    return graphql_class_name(class_name) if isinstance(class_name, str) and class_name else None


def _acl_of(source: Any, _info: Any) -> dict[str, Any]:
    acl = source.get("ACL") if isinstance(source, dict) else None
    return acl if isinstance(acl, dict) else {"*": {"read": True, "write": True}}


def _acl_users(acl: dict[str, Any], _info: Any) -> list[dict[str, Any]] | None:
    users = [{"userId": to_global_id("_User", key), "read": bool(rule.get("read")), "write": bool(rule.get("write"))}
             for key, rule in acl.items() if key != "*" and not key.startswith("role:") and isinstance(rule, dict)]
    return users or None


def _acl_roles(acl: dict[str, Any], _info: Any) -> list[dict[str, Any]] | None:
    roles = [{"roleName": key[5:], "read": bool(rule.get("read")), "write": bool(rule.get("write"))}
             for key, rule in acl.items() if key.startswith("role:") and isinstance(rule, dict)]
    return roles or None


def _acl_public(acl: dict[str, Any], _info: Any) -> dict[str, bool] | None:
    rule = acl.get("*")
    return {"read": bool(rule.get("read")), "write": bool(rule.get("write"))} if isinstance(rule, dict) else None

