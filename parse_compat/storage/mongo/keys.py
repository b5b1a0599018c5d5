"""Key names: REST field names ↔ Parse Server's MongoDB keys (reference §10.1).

Owns every renaming rule: ``objectId`` ↔ ``_id``, ``createdAt``/``updatedAt`` ↔
``_created_at``/``_updated_at``, pointer fields ↔ ``_p_<field>``, ``_User.authData.<p>`` ↔
``_auth_data_<p>``, ``sessionToken`` ↔ ``_session_token`` on ``_User``/``_Session`` and the
``_Audience`` renames. Used by the document transform, the query compiler and the update
compiler so the three always agree.
"""

from __future__ import annotations

from typing import Any

from parse_compat.storage.base import ClassSchema

POINTER_PREFIX = "_p_"
AUTH_DATA_PREFIX = "_auth_data_"

FIXED_TO_MONGO: dict[str, str] = {
    "objectId": "_id",
    "createdAt": "_created_at",
    "updatedAt": "_updated_at",
}
FIXED_FROM_MONGO: dict[str, str] = {mongo: rest for rest, mongo in FIXED_TO_MONGO.items()}

_SESSION_TOKEN_RENAMES: dict[str, str] = {"sessionToken": "_session_token"}
_AUDIENCE_RENAMES: dict[str, str] = {"lastUsed": "_last_used", "timesUsed": "times_used"}


# parse-compat: these singletons are stored with the integer `_id: 1`.
_INTEGER_ID_CLASSES = ("_GlobalConfig", "_GraphQLConfig")


def object_id_to_mongo(class_name: str, value: Any) -> Any:
    """The ``_id`` for an objectId (an int for Parse's integer-id singletons)."""
    if class_name in _INTEGER_ID_CLASSES and isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, list):
        return [object_id_to_mongo(class_name, item) for item in value]
    return value


def class_renames(class_name: str) -> dict[str, str]:
    """REST name → Mongo name for the fields a system class stores under another key."""
    if class_name in ("_User", "_Session"):
        return _SESSION_TOKEN_RENAMES
    if class_name == "_Audience":
        return _AUDIENCE_RENAMES
    return {}


def reverse_renames(class_name: str) -> dict[str, str]:
    return {mongo: rest for rest, mongo in class_renames(class_name).items()}


def is_pointer_value(value: Any) -> bool:
    return isinstance(value, dict) and value.get("__type") == "Pointer"


def is_pointer_field(schema: ClassSchema, name: str, value: Any = None) -> bool:
    """Whether a top-level field is stored as ``_p_<name>``.

    A schema Pointer field always is; a field missing from the schema is when the value
    written is a Pointer (Parse decides by value for unknown fields).
    """
    spec = schema.fields.get(name)
    if spec is not None:
        return spec.get("type") == "Pointer"
    return "." not in name and not name.startswith("_") and is_pointer_value(value)


def mongo_key(schema: ClassSchema, key: str, value: Any = None) -> str:
    """The Mongo key for a REST key (possibly dotted) in a query, update or sort."""
    head, dot, rest = key.partition(".")
    if head in FIXED_TO_MONGO:
        return FIXED_TO_MONGO[head] + dot + rest
    renamed = class_renames(schema.class_name).get(head)
    if renamed is not None:
        return renamed + dot + rest
    if schema.class_name == "_User" and head == "authData" and rest:
        provider, dot2, tail = rest.partition(".")
        return AUTH_DATA_PREFIX + provider + dot2 + tail
    if not dot and is_pointer_field(schema, head, value):
        return POINTER_PREFIX + head
    return key


def mongo_index_key(schema: ClassSchema, key: str) -> str:
    """An index key spec field (REST name) → the Mongo field it indexes."""
    if key.startswith("$") or key.startswith("_"):
        return key
    return mongo_key(schema, key)


def rest_index_key(key: str) -> str:
    """The inverse of ``mongo_index_key`` for what ``_metadata.indexes`` holds."""
    if key.startswith(POINTER_PREFIX):
        return key[len(POINTER_PREFIX):]
    return FIXED_FROM_MONGO.get(key, key) if key != "_id" else key
