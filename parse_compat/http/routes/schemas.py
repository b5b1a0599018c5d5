"""`/schemas` and `/schemas/{className}` (master key): Parse's schema API, and `DELETE /purge/{className}`."""

from __future__ import annotations

from typing import Any

from ...audit import record as audit_record
from ...errors import (
    INSTALLATION_ERROR,
    INVALID_CLASS_NAME,
    INVALID_JSON,
    INVALID_SCHEMA_OPERATION,
    OPERATION_FORBIDDEN,
    ParseError,
)
from ...schema.model import default_fields_for
from ...security import clp as clp_rules
from ...storage.base import ClassSchema
from ..api import ApiRequest, ApiResponse, Router, require_master, require_writable_master


def schema_json(schema: ClassSchema) -> dict[str, Any]:
    """Parse's `/schemas` shape: the default CLP (with its 9.x ACL entry) when none is stored."""
    clp = schema.class_level_permissions
    if clp is None:
        clp = {**clp_rules.default_clp(), "ACL": {"*": {"read": True, "write": True}}}
    else:
        clp = {**clp_rules.effective(clp)}
    fields = {name: {k: v for k, v in spec.items()} for name, spec in schema.fields.items()}
    out: dict[str, Any] = {"className": schema.class_name, "fields": fields, "classLevelPermissions": clp}
    # parse-compat: like Parse, the implicit primary-key index is listed as `_id_`
    out["indexes"] = {"_id_": {"_id": 1}, **schema.indexes}
    return out


def _payload(request: ApiRequest) -> dict[str, Any]:
    body = request.body if request.body is not None else {}
    if not isinstance(body, dict):
        raise ParseError(INVALID_JSON, "request body must be a JSON object")
    for key in ("fields", "classLevelPermissions", "indexes"):
        if key in body and body[key] is not None and not isinstance(body[key], dict):
            raise ParseError(INVALID_JSON, f"{key} must be an object")
    return body


# Kept by the server, never in Parse's schema list (Parse stores config outside _SCHEMA).
UNLISTED_CLASSES = frozenset({"_GlobalConfig", "_GraphQLConfig", "_MailOutbox"})
# Listed by Parse once something was stored in them (a fresh Parse lists _User, _Role, _Idempotency).
LISTED_WHEN_USED = frozenset({"_Session", "_Installation", "_JobStatus", "_JobSchedule", "_PushStatus", "_Hooks",
                              "_Audience", "_Product", "_Audit"})


async def _listed(request: ApiRequest, schema: ClassSchema) -> bool:
    name = schema.class_name
    if name in UNLISTED_CLASSES:
        return False
    if name not in LISTED_WHEN_USED:
        return True
    if schema.class_level_permissions is not None or set(schema.fields) - set(default_fields_for(name)):
        return True  # configured (a schema file, Dashboard): shown as Parse shows a class it knows
    return await request.ctx.state.storage.count(schema, {}) > 0


async def list_schemas(request: ApiRequest) -> ApiResponse:
    require_master(request)
    listed = [schema_json(s) for s in request.ctx.state.schemas.all() if await _listed(request, s)]
    return ApiResponse({"results": listed})


async def get_schema(request: ApiRequest) -> ApiResponse:
    require_master(request)
    schema = request.ctx.state.schemas.get(request.params["className"])
    if schema is None:
        raise ParseError(INVALID_CLASS_NAME, f"Class {request.params['className']} does not exist.")
    return ApiResponse(schema_json(schema))


async def create_schema(request: ApiRequest) -> ApiResponse:
    require_writable_master(request)
    body = _payload(request)
    url_name = request.params.get("className")
    body_name = body.get("className")
    refuse_audit(str(url_name or body_name))
    if url_name and body_name and url_name != body_name:
        raise ParseError(INVALID_CLASS_NAME, f"Class name mismatch between {body_name} and {url_name}.")
    class_name = url_name or body_name
    if not class_name or not isinstance(class_name, str):
        raise ParseError(INSTALLATION_ERROR, "POST /schemas needs a class name.")
    fields = body.get("fields") or {}
    clp = body.get("classLevelPermissions")
    if clp is not None:
        clp_rules.validate(clp, {**default_fields_for(class_name), **fields})
    schema = await request.ctx.state.schemas.create_class(class_name, fields, clp, body.get("indexes"))
    return ApiResponse(schema_json(schema))


def refuse_audit(class_name: str) -> None:
    """`_Audit` is append-only (parse_compat/audit): no field removal, drop or purge, master key or not."""
    if class_name == "_Audit":
        raise ParseError(OPERATION_FORBIDDEN, "The _Audit collection is append-only; only the server changes it.")


async def update_schema(request: ApiRequest) -> ApiResponse:
    require_writable_master(request)
    body = _payload(request)
    class_name = request.params["className"]
    refuse_audit(class_name)
    if body.get("className") not in (None, class_name):
        raise ParseError(INVALID_CLASS_NAME, f"Class name mismatch between {body['className']} and {class_name}.")
    schemas = request.ctx.state.schemas
    current = schemas.get(class_name)
    if current is None:
        raise ParseError(INVALID_CLASS_NAME, f"Class {class_name} does not exist.")
    clp = body.get("classLevelPermissions")
    if clp is not None:
        new_fields = {k: v for k, v in (body.get("fields") or {}).items() if isinstance(v, dict) and "type" in v}
        clp_rules.validate(clp, {**current.fields, **new_fields})
    schema = await schemas.update_class(class_name, body.get("fields") or {}, clp, body.get("indexes"))
    return ApiResponse(schema_json(schema))


async def delete_schema(request: ApiRequest) -> ApiResponse:
    require_writable_master(request)
    class_name = request.params["className"]
    refuse_audit(class_name)
    state = request.ctx.state
    schema = state.schemas.get(class_name)
    if schema is None:
        return ApiResponse({})
    count = await state.storage.count(schema, {})
    if count:
        raise ParseError(INVALID_SCHEMA_OPERATION,
                         f"Class {class_name} is not empty, contains {count} objects, cannot drop schema.")
    if class_name in ("_User", "_Role", "_Session", "_Installation"):
        raise ParseError(INVALID_SCHEMA_OPERATION, f"Cannot drop system class {class_name}.")
    await state.schemas.delete_class(class_name)
    return ApiResponse({})


async def purge_class(request: ApiRequest) -> ApiResponse:
    require_writable_master(request)
    refuse_audit(request.params["className"])
    state = request.ctx.state
    schema = state.schemas.get(request.params["className"])
    if schema is not None:
        await state.services.server_writes.delete_many(schema, {})
        # one entry for the whole class: the audit trail names who emptied it and when
        audit_record(request.ctx, "purge", schema.class_name, [None])
        if schema.class_name in ("_Role", "_Session"):
            state.roles.clear()
            sessions = state.services.sessions
            if sessions is not None:
                sessions.clear()
    return ApiResponse({})


def register(router: Router) -> None:
    router.add("GET", "/schemas", list_schemas)
    router.add("POST", "/schemas", create_schema)
    router.add("GET", "/schemas/{className}", get_schema)
    router.add("POST", "/schemas/{className}", create_schema)
    router.add("PUT", "/schemas/{className}", update_schema)
    router.add("DELETE", "/schemas/{className}", delete_schema)
    router.add("DELETE", "/purge/{className}", purge_class)
