"""Parse's type system: field types, default fields of system classes, name rules, inference.

Pure: no I/O. Types are Parse's `/schemas` names (`String`, `Pointer`, ...).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import INCORRECT_TYPE, INVALID_KEY_NAME, ParseError

FIELD_TYPES = frozenset({"String", "Number", "Boolean", "Date", "Object", "Array", "GeoPoint",
                         "File", "Bytes", "Polygon", "Pointer", "Relation", "ACL"})

DEFAULT_FIELDS: dict[str, dict[str, Any]] = {
    "objectId": {"type": "String"},
    "createdAt": {"type": "Date"},
    "updatedAt": {"type": "Date"},
    "ACL": {"type": "ACL"},
}

SYSTEM_CLASS_FIELDS: dict[str, dict[str, dict[str, Any]]] = {
    "_User": {
        "username": {"type": "String"},
        "password": {"type": "String"},
        "email": {"type": "String"},
        "emailVerified": {"type": "Boolean"},
        "authData": {"type": "Object"},
    },
    "_Role": {
        "name": {"type": "String"},
        "users": {"type": "Relation", "targetClass": "_User"},
        "roles": {"type": "Relation", "targetClass": "_Role"},
    },
    "_Session": {
        "user": {"type": "Pointer", "targetClass": "_User"},
        "installationId": {"type": "String"},
        "sessionToken": {"type": "String"},
        "expiresAt": {"type": "Date"},
        "createdWith": {"type": "Object"},
    },
    "_Installation": {
        "installationId": {"type": "String"},
        "deviceToken": {"type": "String"},
        "channels": {"type": "Array"},
        "deviceType": {"type": "String"},
        "pushType": {"type": "String"},
        "GCMSenderId": {"type": "String"},
        "timeZone": {"type": "String"},
        "localeIdentifier": {"type": "String"},
        "badge": {"type": "Number"},
        "appVersion": {"type": "String"},
        "appName": {"type": "String"},
        "appIdentifier": {"type": "String"},
        "parseVersion": {"type": "String"},
    },
    "_JobStatus": {
        "jobName": {"type": "String"},
        "source": {"type": "String"},
        "status": {"type": "String"},
        "message": {"type": "String"},
        "params": {"type": "Object"},
        "finishedAt": {"type": "Date"},
    },
    "_JobSchedule": {
        "jobName": {"type": "String"},
        "description": {"type": "String"},
        "params": {"type": "String"},
        "startAfter": {"type": "String"},
        "daysOfWeek": {"type": "Array"},
        "timeOfDay": {"type": "String"},
        "lastRun": {"type": "Number"},
        "repeatMinutes": {"type": "Number"},
    },
    "_PushStatus": {  # parse_compat/push: Parse's columns
        "pushTime": {"type": "String"},
        "source": {"type": "String"},
        "query": {"type": "String"},
        "payload": {"type": "String"},
        "title": {"type": "String"},
        "expiry": {"type": "Number"},
        "expiration_interval": {"type": "Number"},
        "status": {"type": "String"},
        "numSent": {"type": "Number"},
        "numFailed": {"type": "Number"},
        "pushHash": {"type": "String"},
        "errorMessage": {"type": "Object"},
        "sentPerType": {"type": "Object"},
        "failedPerType": {"type": "Object"},
        "sentPerUTCOffset": {"type": "Object"},
        "failedPerUTCOffset": {"type": "Object"},
        "count": {"type": "Number"},
    },
    "_Audience": {
        "name": {"type": "String"},
        "query": {"type": "String"},
        "lastUsed": {"type": "Date"},
        "timesUsed": {"type": "Number"},
    },
    "_Hooks": {  # parse_compat/webhooks
        "functionName": {"type": "String"},
        "className": {"type": "String"},
        "triggerName": {"type": "String"},
        "url": {"type": "String"},
    },
    "_Idempotency": {
        "reqId": {"type": "String"},
        "expire": {"type": "Date"},
    },
    "_MailOutbox": {  # parse_compat/outbox.py: account mail waiting to be sent
        "key": {"type": "String"},
        "kind": {"type": "String"},
        "user": {"type": "String"},
        "status": {"type": "String"},
        "attempts": {"type": "Number"},
        "nextAttemptAt": {"type": "Date"},
        "expire": {"type": "Date"},
    },
    "_Audit": {  # parse_compat/audit: the access audit trail, appended by the server only
        "action": {"type": "String"},
        "targetClass": {"type": "String"},
        "targetId": {"type": "String"},
        "ids": {"type": "Array"},
        "user": {"type": "Pointer", "targetClass": "_User"},
        "roles": {"type": "Array"},
        "session": {"type": "String"},
        "ip": {"type": "String"},
        "master": {"type": "Boolean"},
        "readOnly": {"type": "Boolean"},
        "fields": {"type": "Array"},
        "anchor": {"type": "Object"},
        "seq": {"type": "Number"},
        "prevHash": {"type": "String"},
        "hash": {"type": "String"},
    },
}

# Classes only the master key may touch, for any operation.
MASTER_ONLY_CLASSES = frozenset({"_JobStatus", "_PushStatus", "_Hooks", "_GlobalConfig",
                                 "_GraphQLConfig", "_JobSchedule", "_Audience", "_Idempotency",
                                 "_MailOutbox", "_Audit"})
# Classes the server creates at boot.
BOOT_SYSTEM_CLASSES = ("_User", "_Role", "_Session", "_Installation")
SYSTEM_CLASSES = frozenset(SYSTEM_CLASS_FIELDS) | MASTER_ONLY_CLASSES

CLASS_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
FIELD_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
RESERVED_FIELD_NAMES = frozenset({"className", "length"})


def is_valid_class_name(name: str) -> bool:
    return name in SYSTEM_CLASSES or bool(CLASS_NAME_RE.match(name))


def is_valid_field_name(name: str) -> bool:
    return bool(FIELD_NAME_RE.match(name)) and name not in RESERVED_FIELD_NAMES


def check_field_name(name: str) -> None:
    if not is_valid_field_name(name):
        raise ParseError(INVALID_KEY_NAME, f"Invalid field name: {name}.")


def default_fields_for(class_name: str) -> dict[str, dict[str, Any]]:
    fields = {name: dict(spec) for name, spec in DEFAULT_FIELDS.items()}
    for name, spec in SYSTEM_CLASS_FIELDS.get(class_name, {}).items():
        fields[name] = dict(spec)
    return fields


def describe_type(spec: dict[str, Any]) -> str:
    """`Pointer<_User>` style name used in schema-mismatch messages."""
    if spec["type"] in ("Pointer", "Relation"):
        return f"{spec['type']}<{spec.get('targetClass')}>"
    return spec["type"]


def infer_type(value: Any) -> dict[str, Any] | None:
    """The schema type a first-seen value gives its field; None for null / Delete."""
    if value is None:
        return None
    if isinstance(value, bool):
        return {"type": "Boolean"}
    if isinstance(value, (int, float)):
        return {"type": "Number"}
    if isinstance(value, str):
        return {"type": "String"}
    if isinstance(value, list):
        return {"type": "Array"}
    if isinstance(value, dict):
        kind = value.get("__type")
        if kind in ("Pointer", "Object") and "className" in value:
            return {"type": "Pointer", "targetClass": value["className"]}
        if kind in ("Date", "File", "GeoPoint", "Polygon", "Bytes"):
            return {"type": kind}
        if kind == "Relation":
            return {"type": "Relation", "targetClass": value.get("className")}
        op = value.get("__op")
        if op == "Increment":
            return {"type": "Number"}
        if op in ("Add", "AddUnique", "Remove"):
            return {"type": "Array"}
        if op in ("AddRelation", "RemoveRelation"):
            objects = value.get("objects") or []
            target = objects[0].get("className") if objects and isinstance(objects[0], dict) else None
            return {"type": "Relation", "targetClass": target}
        if op == "Batch":
            for inner in value.get("ops") or []:
                inferred = infer_type(inner) if isinstance(inner, dict) else None
                if inferred:
                    return inferred
            return None
        if op == "Delete":
            return None
        return {"type": "Object"}
    raise ParseError(INCORRECT_TYPE, f"invalid value type {type(value).__name__}")


def same_type(expected: dict[str, Any], actual: dict[str, Any]) -> bool:
    if expected["type"] != actual["type"]:
        return False
    if expected["type"] in ("Pointer", "Relation"):
        return actual.get("targetClass") in (None, expected.get("targetClass"))
    return True
