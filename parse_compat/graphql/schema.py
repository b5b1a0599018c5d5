"""The GraphQL schema of one app, generated from its classes and cloud functions with Parse
Server's names, and regenerated when they change (no restart): `SchemaCache.current(state)`
compares a fingerprint of the classes' fields and the function names with the last build.

Classes only the master key may touch (`_Audit`, `_JobStatus`, `_Idempotency`, …) get no types:
they stay reachable through REST with the master key only.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLArgument,
    GraphQLField,
    GraphQLID,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
)

from ..schema.model import MASTER_ONLY_CLASSES
from ..storage.base import ClassSchema
from .accounts import cloud_code_mutation, function_names, relay_mutation, root_query_fields, user_mutations
from .base_types import BaseTypes
from .classes import ClassTypeSet
from .custom_sdl import apply_sdl
from .names import find_query_name, get_query_name, graphql_class_name
from .resolvers import ClassResolvers
from .schema_admin import SchemaAdminTypes, schema_mutations, schema_queries
from .subscriptions import subscription_type
from .uploads import create_file_mutation

log = logging.getLogger("parse_compat.graphql")

RESERVED_TYPE_NAMES = frozenset({
    "String", "Boolean", "Int", "Float", "ID", "ArrayResult", "Query", "Mutation", "Subscription",
    "CreateFileInput", "CreateFilePayload", "Viewer", "SignUpInput", "SignUpPayload", "LogInInput",
    "LogInPayload", "LogOutInput", "LogOutPayload", "CloudCodeFunction", "CallCloudCodeInput",
    "CallCloudCodePayload", "CreateClassInput", "CreateClassPayload", "UpdateClassInput", "UpdateClassPayload",
    "DeleteClassInput", "DeleteClassPayload", "PageInfo", "Node", "ParseObject", "Upload", "Any", "Object",
    "Date", "Bytes", "File", "FileInfo", "GeoPoint", "ACL", "Element",
})
RESERVED_QUERIES = frozenset({"health", "viewer", "class", "classes", "node"})
RESERVED_MUTATIONS = frozenset({"signUp", "logIn", "logInWith", "logOut", "createFile", "callCloudCode",
                                "createClass", "updateClass", "deleteClass", "resetPassword",
                                "sendVerificationEmail"})


CLASS_TYPE_PATTERNS = ("{}", "{}Connection", "{}Edge", "{}WhereInput", "{}RelationWhereInput", "{}Order",
                       "Create{}FieldsInput", "Update{}FieldsInput", "{}PointerInput", "{}RelationInput",
                       "Create{}Input", "Create{}Payload", "Update{}Input", "Update{}Payload", "Delete{}Input",
                       "Delete{}Payload", "{}SubscriptionPayload")
ROOT_TYPE_NAMES = frozenset({f"{name}{suffix}" for name in (
    "SignUp", "LogInWith", "LogIn", "LogOut", "ResetPassword", "SendVerificationEmail", "CreateFile", "CallCloudCode",
    "CreateClass", "UpdateClass", "DeleteClass") for suffix in ("Input", "Payload")} | {"UserLoginWithInput"})


def exposed_classes(all_classes: list[ClassSchema]) -> list[ClassSchema]:
    """The classes that get types, in Parse's order (system classes first, then by name). A class
    whose generated type names would collide with a built-in type or an earlier class's types is
    left out (logged), as Parse Server skips colliding types, so one odd class name never breaks
    the endpoint."""
    taken = set(RESERVED_TYPE_NAMES | ROOT_TYPE_NAMES)
    taken |= {named.name for named in (*BaseTypes().all(), *SchemaAdminTypes().all())}
    usable = []
    for schema in sorted(all_classes, key=lambda s: (not s.class_name.startswith("_"), s.class_name)):
        if schema.class_name in MASTER_ONLY_CLASSES:
            continue
        names = {pattern.format(graphql_class_name(schema.class_name)) for pattern in CLASS_TYPE_PATTERNS}
        if names & taken:
            log.warning("Class %s gets no GraphQL types: its type names collide with existing ones.",
                        schema.class_name)
            continue
        taken |= names
        usable.append(schema)
    return usable


def fingerprint(classes: list[ClassSchema], functions: list[str]) -> str:
    shape = [[schema.class_name, {name: [spec.get("type"), spec.get("targetClass"), bool(spec.get("required"))]
                                  for name, spec in sorted(schema.fields.items())}] for schema in classes]
    return json.dumps([shape, functions], sort_keys=True)


@dataclass
class BuiltSchema:
    schema: GraphQLSchema
    classes: dict[str, ClassSchema]
    key: str


def build_schema(classes: list[ClassSchema], functions: list[str], live_classes: list[str] | None = None
                 ) -> GraphQLSchema:
    base = BaseTypes()
    resolvers = ClassResolvers()
    types = ClassTypeSet(base, classes, resolvers)
    queries: dict[str, GraphQLField] = {
        "node": GraphQLField(base.types["Node"], args={"id": GraphQLArgument(GraphQLNonNull(GraphQLID))},
                             resolve=resolvers.node, description="Fetches an object given its ID"),
    }
    mutations: dict[str, GraphQLField] = {}
    for class_types in types.by_class.values():
        class_name = class_types.schema.class_name
        name = class_types.name
        get_name, find_name = get_query_name(class_name), find_query_name(class_name)
        for field_name, field in (
            (get_name, GraphQLField(GraphQLNonNull(class_types.output),
                                    args={"id": GraphQLArgument(GraphQLNonNull(GraphQLID)),
                                          "options": GraphQLArgument(base.types["ReadOptionsInput"])},
                                    resolve=resolvers.get(class_name),
                                    description=f"The {get_name} query can be used to get an object of the "
                                                f"{name} class by its id.")),
            (find_name, GraphQLField(GraphQLNonNull(class_types.connection), args=class_types.find_args,
                                     resolve=resolvers.find(class_name),
                                     description=f"The {find_name} query can be used to find objects of the "
                                                 f"{name} class.")),
        ):
            if field_name in queries or field_name in RESERVED_QUERIES:
                log.warning("Query %s could not be added to the auto schema because it collided with an existing "
                            "field.", field_name)
                continue
            queries[field_name] = field
        payload = {get_name: GraphQLField(GraphQLNonNull(class_types.output))}
        id_input = {"id": GraphQLNonNull(GraphQLID)}
        for verb, inputs, resolve in (
            ("create", {"fields": class_types.create_fields}, resolvers.create(class_name)),
            ("update", {**id_input, "fields": class_types.update_fields}, resolvers.update(class_name)),
            ("delete", id_input, resolvers.delete(class_name)),
        ):
            field_name = f"{verb}{name}"
            if field_name in mutations or field_name in RESERVED_MUTATIONS:
                log.warning("Mutation %s could not be added to the auto schema because it collided with an existing "
                            "field.", field_name)
                continue
            mutations[field_name] = relay_mutation(f"{verb.capitalize()}{name}", inputs, payload, _bare(resolve),
                                                   f"The {field_name} mutation can be used to {verb} an object of "
                                                   f"the {name} class.")
    admin = SchemaAdminTypes()
    queries.update(root_query_fields(types))
    queries.update(schema_queries(admin))
    mutations.update(create_file_mutation(base))
    mutations.update(cloud_code_mutation(functions, base))
    mutations.update(user_mutations(types, base))
    mutations.update(schema_mutations(admin))
    query = GraphQLObjectType("Query", queries, description="Query is the top level type for queries.")
    mutation = GraphQLObjectType("Mutation", mutations, description="Mutation is the top level type for mutations.")
    extra = [*base.all(), *(t for c in types.by_class.values() for t in (c.output, c.connection, c.edge, c.where,
                                                                          c.relation_where, c.order, c.pointer_input,
                                                                          c.relation_input)), types.array_result,
             *admin.all()]
    subscription = subscription_type(types, live_classes or [])
    return GraphQLSchema(query=query, mutation=mutation, subscription=subscription, types=extra)


def _bare(resolve: Any) -> Any:
    """Class mutations return `{<class>: …, clientMutationId}` themselves; drop the wrapper's copy."""
    async def run(root: Any, info: Any, input: dict[str, Any]) -> Any:  # noqa: A002
        result = await resolve(root, info, input=input)
        result.pop("clientMutationId", None)
        return result
    return run


class SchemaCache:
    """The last schema built for one app, rebuilt when the classes or functions change."""

    def __init__(self, custom_sdl: DocumentNode | None = None) -> None:
        self._built: BuiltSchema | None = None
        self.custom_sdl = custom_sdl
        self.documents: dict[str, DocumentNode] = {}  # query text → validated document, for this schema

    def current(self, state: Any) -> BuiltSchema:
        classes = exposed_classes(state.schemas.all())
        functions = function_names(state)
        live = state.services.livequery
        live_classes = [s.class_name for s in classes if live is not None and live.config.is_live(s.class_name)]
        key = fingerprint(classes, functions + ["|live|", *live_classes])
        if self._built is None or self._built.key != key:
            schema = build_schema(classes, functions, live_classes)
            if self.custom_sdl is not None:
                schema = apply_sdl(schema, self.custom_sdl)
            self.documents = {}
            self._built = BuiltSchema(schema,
                                      {schema.class_name: schema for schema in classes}, key)
        return self._built
