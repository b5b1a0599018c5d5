"""The OpenAPI 3.1 document of this server's REST API, as one caller may see it.

`caller_view` reads the live schema through the security policy: a client sees a class only when
its class-level permissions let it `find` or `get` there (the operations it may not run are left
out, and so are the fields protected from it); the master key sees every class. `build_document`
turns that view into the document: per class `/classes/<Class>` (or `/users`, `/roles`,
`/sessions`, `/installations`) with typed bodies and answers, the account, files, functions,
jobs, batch, schemas, config, health and aggregate routes, the query parameters, the X-Parse-*
headers as security schemes and Parse's error shape for every 4xx. A create links to the get,
update and delete of the object it made (OpenAPI links: tools follow them). `CallerView.key` digests the
view (fields, types, permissions, cloud functions), so a schema change gives a new document.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..errors import ParseError
from ..security import clp as clp_rules
from ..security.policy import Caller, class_grant
from ..storage.base import ClassSchema
from .types import (
    COMPONENT_SCHEMAS,
    ISO_DATE,
    OBJECT_ID_PATTERN,
    constraint_schema,
    describe,
    read_schema,
    ref,
    write_schema,
)

CLASS_OPERATIONS = ("find", "get", "create", "update", "delete")
# System classes with their own REST paths; other `_` classes are the server's own and not listed.
SYSTEM_PATHS = {"_User": "/users", "_Role": "/roles", "_Session": "/sessions", "_Installation": "/installations"}
SERVER_OWNED_FIELDS = frozenset({"objectId", "createdAt", "updatedAt"})
NEVER_RETURNED = {"_User": frozenset({"password"})}
CLASS_NAME_PATTERN = "^[A-Za-z][A-Za-z0-9_]{0,63}$"
FILE_NAME_PATTERN = "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$"
KEY_LIST_PATTERN = r"^-?[A-Za-z_][A-Za-z0-9_.]*(,-?[A-Za-z_][A-Za-z0-9_.]*)*$"
JSON = "application/json"


@dataclass(frozen=True)
class ClassView:
    """One class as the caller may use it: the operations its CLP grants and the fields it sees."""

    name: str
    operations: tuple[str, ...]
    fields: tuple[tuple[str, dict[str, Any]], ...]


@dataclass(frozen=True)
class CallerView:
    master: bool
    classes: tuple[ClassView, ...]
    functions: tuple[str, ...]
    jobs: tuple[str, ...]

    def key(self) -> str:
        """A digest of everything the document is built from (the schema version it shows)."""
        shape = [self.master, [[c.name, c.operations, c.fields] for c in self.classes], self.functions, self.jobs]
        return hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()


def _listed_class(schema: ClassSchema) -> bool:
    return schema.class_name in SYSTEM_PATHS or not schema.class_name.startswith("_")


def class_view(schema: ClassSchema, who: Caller,
               protection: clp_rules.ServerProtection = clp_rules.DEFAULT_PROTECTION) -> ClassView | None:
    """The class as `who` may use it, or None when it may neither find nor get there."""
    effective = None if who.master else clp_rules.effective(schema.class_level_permissions, schema.class_name,
                                                            protection)
    operations: list[str] = []
    hidden: frozenset[str] = frozenset()
    for operation in CLASS_OPERATIONS:
        try:
            grant = class_grant(schema.class_name, schema.class_level_permissions, operation, who,
                                effective_clp=effective, protection=protection)
        except ParseError:
            continue
        operations.append(operation)
        if operation == "get":
            hidden = grant.hidden
    if "find" not in operations and "get" not in operations:
        return None
    fields = tuple((name, dict(spec)) for name, spec in sorted(schema.fields.items()) if name not in hidden)
    return ClassView(schema.class_name, tuple(operations), fields)


def caller_view(schemas: list[ClassSchema], who: Caller, functions: list[str], jobs: list[str],
                protection: clp_rules.ServerProtection = clp_rules.DEFAULT_PROTECTION) -> CallerView:
    views = [class_view(schema, who, protection) for schema in schemas if _listed_class(schema)]
    return CallerView(who.master, tuple(v for v in views if v is not None), tuple(sorted(functions)),
                      tuple(sorted(jobs)) if who.master else ())


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {JSON: {"schema": schema}}


ERRORS: dict[str, Any] = {"400": {"$ref": "#/components/responses/BadRequest"},
                          "4XX": {"$ref": "#/components/responses/ParseError"}}


def _ok(description: str, schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {status: {"description": description, "content": _json_content(schema)}, **ERRORS}


def _body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": _json_content(schema)}


def _param(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


QUERY_PARAMETERS: dict[str, dict[str, Any]] = {
    "where": {"name": "where", "in": "query", "description": "Query constraints (JSON): Parse's query language.",
              "content": _json_content({"type": "object"})},
    "order": {"name": "order", "in": "query", "description": "Sort keys, comma separated; `-` sorts descending.",
              "schema": {"type": "string", "pattern": KEY_LIST_PATTERN}},
    "limit": {"name": "limit", "in": "query", "description": "At most this many results (default 100).",
              "schema": {"type": "integer", "minimum": 0, "maximum": 1000}},
    "skip": {"name": "skip", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 10000}},
    "keys": {"name": "keys", "in": "query", "description": "Only these fields, comma separated.",
             "schema": {"type": "string", "pattern": KEY_LIST_PATTERN}},
    "excludeKeys": {"name": "excludeKeys", "in": "query", "description": "Leave these fields out.",
                    "schema": {"type": "string", "pattern": KEY_LIST_PATTERN}},
    "include": {"name": "include", "in": "query", "description": "Pointer fields (dot paths, `*`) to fetch.",
                "schema": {"type": "string", "pattern": r"^(\*|[A-Za-z_][A-Za-z0-9_.]*)(,[A-Za-z_][A-Za-z0-9_.]*)*$"}},
    "count": {"name": "count", "in": "query", "description": "1: also answer the number of matches.",
              "schema": {"type": "integer", "enum": [0, 1]}},
    "objectId": {"name": "objectId", "in": "path", "required": True,
                 "schema": {"type": "string", "pattern": OBJECT_ID_PATTERN}},
}
FIND_PARAMETERS = ("where", "order", "limit", "skip", "keys", "excludeKeys", "include", "count")
GET_PARAMETERS = ("keys", "excludeKeys", "include")

SECURITY_SCHEMES = {
    "ApplicationId": {"type": "apiKey", "in": "header", "name": "X-Parse-Application-Id",
                      "description": "The application id (every request but /health)."},
    "RestApiKey": {"type": "apiKey", "in": "header", "name": "X-Parse-REST-API-Key",
                   "description": "Needed only when the server is started with a REST API key."},
    "SessionToken": {"type": "apiKey", "in": "header", "name": "X-Parse-Session-Token",
                     "description": "A user's session, from /login."},
    "MasterKey": {"type": "apiKey", "in": "header", "name": "X-Parse-Master-Key",
                  "description": "Bypasses ACLs and class-level permissions (accepted from masterKeyIps only)."},
}
SECURITY: list[dict[str, list[str]]] = [{"ApplicationId": []}, {"ApplicationId": [], "SessionToken": []},
            {"ApplicationId": [], "MasterKey": []}, {"ApplicationId": [], "RestApiKey": [], "SessionToken": []}]

CREATED = {"type": "object", "properties": {"objectId": {"type": "string"}, "createdAt": ISO_DATE},
           "required": ["objectId", "createdAt"]}
# parse-compat: Parse answers POST /sessions with the new session's fields, without `createdAt`.
SESSION_CREATED = {"type": "object", "properties": {"objectId": {"type": "string"}, "sessionToken": {"type": "string"}},
                   "required": ["objectId", "sessionToken"]}
UPDATED = {"type": "object", "properties": {"updatedAt": ISO_DATE}}
EMPTY = {"type": "object"}


def _read_object(view: ClassView) -> dict[str, Any]:
    never = NEVER_RETURNED.get(view.name, frozenset())
    properties: dict[str, Any] = {}
    for name, spec in view.fields:
        if name in never:
            continue
        schema = ISO_DATE if name in ("createdAt", "updatedAt") else read_schema(spec)
        properties[name] = {**schema, "description": describe(spec)} if "$ref" not in schema else schema
    if view.name == "_User":
        properties["sessionToken"] = {"type": "string"}
    return {"type": "object", "properties": properties, "required": ["objectId"]}


def _write_object(view: ClassView, creating: bool) -> dict[str, Any]:
    required = [name for name, spec in view.fields if spec.get("required") and name not in SERVER_OWNED_FIELDS
                and "defaultValue" not in spec] if creating else []
    properties = {name: write_schema(spec, value_only=name in required) for name, spec in view.fields
                  if name not in SERVER_OWNED_FIELDS}
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _where_object(view: ClassView) -> dict[str, Any]:
    """`where` for one class: constraints on its fields (ACL and relations aside), and `$or` / `$and`."""
    fields = {name: constraint_schema(spec) for name, spec in view.fields
              if spec.get("type") not in ("ACL", "Relation") and name not in NEVER_RETURNED.get(view.name, ())}
    nested = {"type": "array", "items": {"$ref": f"#/components/schemas/{view.name}Where"}, "maxItems": 4}
    return {"type": "object", "properties": {**fields, "$or": nested, "$and": nested}, "additionalProperties": False}


def _class_paths(view: ClassView) -> dict[str, dict[str, Any]]:
    base = SYSTEM_PATHS.get(view.name, f"/classes/{view.name}")
    tag = view.name
    collection: dict[str, Any] = {}
    item: dict[str, Any] = {}
    ops = set(view.operations)
    if "find" in ops:
        # The example is what Swagger UI's "Try it out" starts from: every object.
        where = {**QUERY_PARAMETERS["where"],
                 "content": {JSON: {"schema": ref(f"{view.name}Where"), "example": {}}}}
        collection["get"] = {
            "operationId": f"find_{view.name}", "tags": [tag], "summary": f"Find {view.name} objects",
            "parameters": [where, *(_param(name) for name in FIND_PARAMETERS[1:])],
            "responses": _ok("The matching objects", ref(f"{view.name}List"))}
    if "create" in ops:
        created = _ok("Created", SESSION_CREATED if view.name == "_Session" else CREATED, "201")
        links = {f"{verb}{view.name}": {"operationId": f"{verb}_{view.name}",
                                        "parameters": {"objectId": "$response.body#/objectId"}}
                 for verb in ("get", "update", "delete") if verb in ops}
        if links:
            created["201"]["links"] = links
        collection["post"] = {
            "operationId": f"create_{view.name}", "tags": [tag], "summary": f"Create a {view.name}",
            "requestBody": _body(ref(f"{view.name}Create")), "responses": created}
    if "get" in ops:
        item["get"] = {"operationId": f"get_{view.name}", "tags": [tag], "summary": f"Get one {view.name}",
                       "parameters": [_param(name) for name in GET_PARAMETERS],
                       "responses": _ok("The object", ref(view.name))}
    if "update" in ops:
        item["put"] = {"operationId": f"update_{view.name}", "tags": [tag], "summary": f"Update a {view.name}",
                       "requestBody": _body(ref(f"{view.name}Update")), "responses": _ok("Updated", UPDATED)}
    if "delete" in ops:
        item["delete"] = {"operationId": f"delete_{view.name}", "tags": [tag], "summary": f"Delete a {view.name}",
                          "responses": _ok("Deleted", EMPTY)}
    paths: dict[str, dict[str, Any]] = {}
    if collection:
        paths[base] = collection
    if item:
        paths[base + "/{objectId}"] = {"parameters": [_param("objectId")], **item}
    return paths


def _account_paths() -> dict[str, dict[str, Any]]:
    user = {"type": "object", "properties": {
        "objectId": {"type": "string"}, "username": {"type": "string"}, "sessionToken": {"type": "string"}}}
    credentials = {"type": "object", "properties": {"username": {"type": "string", "minLength": 1},
                                                    "password": {"type": "string", "minLength": 1}},
                   "required": ["username", "password"], "additionalProperties": False}
    session = {"type": "object", "properties": {"objectId": {"type": "string"}, "sessionToken": {"type": "string"}}}
    return {
        "/login": {"post": {"operationId": "logIn", "tags": ["Accounts"], "summary": "Log in (returns a session)",
                            "requestBody": _body(credentials), "responses": _ok("The user and its session", user)}},
        "/logout": {"post": {"operationId": "logOut", "tags": ["Accounts"], "summary": "End the caller's session",
                             "responses": _ok("Logged out", EMPTY)}},
        "/users/me": {"get": {"operationId": "currentUser", "tags": ["Accounts"],
                              "summary": "The user of the session token", "responses": _ok("The user", user)}},
        "/sessions/me": {"get": {"operationId": "currentSession", "tags": ["Accounts"],
                                 "summary": "The caller's session", "responses": _ok("The session", session)}},
        "/requestPasswordReset": {"post": {
            "operationId": "requestPasswordReset", "tags": ["Accounts"], "summary": "Mail a password reset link",
            "requestBody": _body({"type": "object", "properties": {"email": {"type": "string", "format": "email"}},
                                  "required": ["email"], "additionalProperties": False}),
            "responses": _ok("Accepted (known and unknown addresses answer alike)", EMPTY)}},
    }


def _named(names: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "string", "enum": list(names)} if names else {"type": "string", "pattern": CLASS_NAME_PATTERN}


def _code_paths(view: CallerView) -> dict[str, dict[str, Any]]:
    paths = {"/functions/{name}": {"post": {
        "operationId": "callFunction", "tags": ["Cloud code"], "summary": "Run a cloud function",
        "parameters": [{"name": "name", "in": "path", "required": True, "schema": _named(view.functions)}],
        "requestBody": _body({"type": "object"}, required=False),
        "responses": _ok("The function's result", {"type": "object", "properties": {"result": {}}})}}}
    if view.master:
        paths["/jobs/{name}"] = {"post": {
            "operationId": "startJob", "tags": ["Cloud code"], "summary": "Start a background job (master key)",
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": _named(view.jobs)}],
            "requestBody": _body({"type": "object"}, required=False),
            "responses": _ok("Started; `X-Parse-Job-Status-Id` names its _JobStatus", EMPTY)}}
    return paths


def _file_paths(master: bool) -> dict[str, dict[str, Any]]:
    name = {"name": "name", "in": "path", "required": True,
            "schema": {"type": "string", "pattern": FILE_NAME_PATTERN}}
    saved = {"type": "object", "properties": {"name": {"type": "string"}, "url": {"type": "string"}},
             "required": ["name", "url"]}
    item: dict[str, Any] = {"parameters": [name], "post": {
        "operationId": "uploadFile", "tags": ["Files"], "summary": "Upload a file (the raw body)",
        "requestBody": {"required": True, "content": {"application/octet-stream": {
            "schema": {"type": "string", "format": "binary"}}}},
        "responses": _ok("Stored; `name` is the stored (unique) name", saved, "201")}}
    if master:
        item["delete"] = {"operationId": "deleteFile", "tags": ["Files"], "summary": "Delete a file (master key)",
                          "responses": {"200": {"description": "Deleted"}, **ERRORS}}
    return {"/files/{name}": item}


def _batch_path() -> dict[str, dict[str, Any]]:
    request = {"type": "object", "properties": {
        "method": {"enum": ["GET", "POST", "PUT", "DELETE"]}, "path": {"type": "string"}, "body": {"type": "object"}},
        "required": ["method", "path"]}
    body = {"type": "object", "properties": {"requests": {"type": "array", "items": request, "maxItems": 50},
                                             "transaction": {"type": "boolean"}},
            "required": ["requests"], "additionalProperties": False}
    answer = {"type": "array", "items": {"type": "object", "properties": {
        "success": {}, "error": ref("Error")}}}
    return {"/batch": {"post": {"operationId": "batch", "tags": ["Batch"], "summary": "Several requests in one",
                                "requestBody": _body(body), "responses": _ok("One answer per request", answer)}}}


def _master_paths(view: CallerView) -> dict[str, dict[str, Any]]:
    class_name = {"name": "className", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": CLASS_NAME_PATTERN}}
    schema_body = {"type": "object", "properties": {
        "className": {"type": "string"}, "fields": {"type": "object"},
        "classLevelPermissions": {"type": "object"}, "indexes": {"type": "object"}}}
    class_schema = {"type": "object", "properties": {
        "className": {"type": "string"}, "fields": {"type": "object"},
        "classLevelPermissions": {"type": "object"}, "indexes": {"type": "object"}}, "required": ["className"]}
    names = tuple(c.name for c in view.classes)
    return {
        "/schemas": {"get": {"operationId": "listSchemas", "tags": ["Schemas"], "summary": "Every class (master key)",
                             "responses": _ok("The classes", {"type": "object", "properties": {
                                 "results": {"type": "array", "items": class_schema}}})}},
        "/schemas/{className}": {
            "parameters": [class_name],
            "get": {"operationId": "getSchema", "tags": ["Schemas"], "summary": "One class (master key)",
                    "responses": _ok("The class", class_schema)},
            "post": {"operationId": "createSchema", "tags": ["Schemas"], "summary": "Create a class (master key)",
                     "requestBody": _body(schema_body, required=False), "responses": _ok("The class", class_schema)},
            "put": {"operationId": "updateSchema", "tags": ["Schemas"],
                    "summary": "Add or delete fields, set permissions and indexes (master key)",
                    "requestBody": _body(schema_body, required=False), "responses": _ok("The class", class_schema)},
            "delete": {"operationId": "deleteSchema", "tags": ["Schemas"],
                       "summary": "Drop an empty class (master key)", "responses": _ok("Dropped", EMPTY)}},
        "/aggregate/{className}": {"get": {
            "operationId": "aggregate", "tags": ["Aggregate"], "summary": "An aggregation pipeline (master key)",
            "parameters": [{"name": "className", "in": "path", "required": True, "schema": _named(names)},
                           {"name": "pipeline", "in": "query", "content": _json_content({"type": "array"})},
                           {"name": "distinct", "in": "query", "schema": {"type": "string",
                                                                          "pattern": KEY_LIST_PATTERN}},
                           _param("where")],
            "responses": _ok("The pipeline's output", {"type": "object", "properties": {
                "results": {"type": "array"}}})}},
    }


def _server_paths(master: bool) -> dict[str, dict[str, Any]]:
    config = {"type": "object", "properties": {"params": {"type": "object"}, "masterKeyOnly": {"type": "object"}}}
    paths: dict[str, dict[str, Any]] = {
        "/config": {"get": {"operationId": "getConfig", "tags": ["Config"], "summary": "The app's parameters",
                            "responses": _ok("The parameters", config)}},
        "/health": {"get": {"operationId": "health", "tags": ["Server"], "summary": "Is the server up",
                            "security": [],
                            "responses": {"200": {"description": "Up", "content": _json_content({
                                "type": "object", "properties": {"status": {"type": "string"}},
                                "required": ["status"]})}}}},
    }
    if master:
        paths["/config"]["put"] = {
            "operationId": "updateConfig", "tags": ["Config"], "summary": "Change parameters (master key)",
            "requestBody": _body({"type": "object", "properties": {"params": {"type": "object"},
                                                                   "masterKeyOnly": {"type": "object"}},
                                  "required": ["params"]}),
            "responses": _ok("Saved", {"type": "object", "properties": {"result": {"type": "boolean"}}})}
    return paths


def _components(view: CallerView) -> dict[str, Any]:
    schemas: dict[str, Any] = dict(COMPONENT_SCHEMAS)
    for cls in view.classes:
        schemas[cls.name] = _read_object(cls)
        schemas[f"{cls.name}List"] = {"type": "object", "properties": {
            "results": {"type": "array", "items": ref(cls.name)}, "count": {"type": "integer"}},
            "required": ["results"]}
        schemas[f"{cls.name}Create"] = _write_object(cls, creating=True)
        schemas[f"{cls.name}Update"] = _write_object(cls, creating=False)
        schemas[f"{cls.name}Where"] = _where_object(cls)
    return {
        "schemas": schemas,
        "parameters": QUERY_PARAMETERS,
        "responses": {
            "ParseError": {"description": "Parse's error: `code` (see Parse's error codes) and `error`",
                           "content": _json_content(ref("Error"))},
            "BadRequest": {"description": "Parse's error; or, in plain text, the HTTP layer's refusal of a "
                                          "malformed request (e.g. a request line over 8190 bytes)",
                           "content": {**_json_content(ref("Error")), "text/plain": {"schema": {"type": "string"}}}}},
        "securitySchemes": SECURITY_SCHEMES,
    }


def build_document(view: CallerView, mount_path: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document for `view`, with the API under `mount_path` on this origin."""
    paths: dict[str, dict[str, Any]] = {}
    for cls in view.classes:
        paths.update(_class_paths(cls))
    paths.update(_account_paths())
    paths.update(_file_paths(view.master))
    paths.update(_code_paths(view))
    paths.update(_batch_path())
    paths.update(_server_paths(view.master))
    if view.master:
        paths.update(_master_paths(view))
    return {
        "openapi": "3.1.0",
        "info": {"title": "parse-compat REST API", "version": version,
                 "description": "The Parse Server REST API of this app, generated from its live schema. Only the "
                                "classes and operations the caller's keys and session may use are listed."},
        "servers": [{"url": mount_path or "/"}],
        "security": SECURITY,
        "tags": [{"name": cls.name} for cls in view.classes],
        "paths": dict(sorted(paths.items())),
        "components": _components(view),
    }


__all__ = ["CallerView", "ClassView", "build_document", "caller_view", "class_view"]
