"""Parse Server's PostgreSQL layout: column types, names, and the value conversions between a
storage document (``storage/base.py``) and a table row.

Facts of the layout (as Parse Server's PostgreSQL adapter lays a database out, so a database it
created is served unchanged):
  - a table per class named after the class; ``objectId`` text primary key, ``createdAt`` /
    ``updatedAt`` ``timestamp with time zone``, ``_rperm`` / ``_wperm`` ``text[]``;
  - one column per field: String/Pointer(objectId)/File(name) ``text``, Date ``timestamp with time
    zone``, Number ``double precision``, Boolean ``boolean``, Object/Bytes/Array ``jsonb`` (an
    Array of Strings declared so: ``text[]``), GeoPoint ``point`` (x = longitude, y = latitude),
    Polygon ``polygon`` (same axes); Relation fields have no column;
  - ``_User`` also has ``_hashed_password``, ``_email_verify_token``, ``_perishable_token``
    (text), ``*_expires_at`` / ``_password_changed_at`` (timestamptz), ``_failed_login_count``
    (double precision), ``_password_history`` (jsonb);
  - ``"_Join:<field>:<class>"`` tables (``relatedId``, ``owningId``) hold relations;
  - ``"_SCHEMA"`` (``className``, ``schema`` jsonb, ``isParseClass``) holds the class schemas, with
    ``_rperm`` / ``_wperm`` (and on ``_User`` ``_hashed_password``) listed among the fields and
    ``ACL`` (and ``_User.password``, which has no column) left out;
  - Parse Server's internal tables ``_Hooks``, ``_GlobalConfig``, ``_GraphQLConfig`` are created
    without some of the base columns (``_Hooks`` has no ``objectId``).

Other internal keys (``_last_used_at``, ``_invite_token_hash`` ...) get a column on first use,
typed from the value.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from asyncpg.types import Point, Polygon

from ...codec.dates import format_iso, parse_iso

ACL_COLUMNS = ("_rperm", "_wperm")
TIMESTAMP_COLUMNS = ("createdAt", "updatedAt")

# Parse type → PostgreSQL column type.
PARSE_TO_SQL = {
    "String": "text", "Date": "timestamptz", "Object": "jsonb", "File": "text", "Boolean": "boolean",
    "Pointer": "text", "Number": "double precision", "GeoPoint": "point", "Bytes": "jsonb",
    "Polygon": "polygon", "Array": "jsonb", "ACL": None, "Relation": None,
}
# What information_schema calls those types (udt_name) → the name used here.
UDT_NAMES = {"text": "text", "varchar": "text", "bpchar": "text", "timestamptz": "timestamptz",
             "timestamp": "timestamptz", "jsonb": "jsonb", "json": "jsonb", "bool": "boolean",
             "float8": "double precision", "float4": "double precision", "int4": "double precision",
             "int8": "double precision", "numeric": "double precision", "point": "point",
             "polygon": "polygon", "_text": "text[]", "_varchar": "text[]"}
USER_INTERNAL_COLUMNS = {
    "_hashed_password": "text", "_email_verify_token": "text", "_perishable_token": "text",
    "_email_verify_token_expires_at": "timestamptz", "_account_lockout_expires_at": "timestamptz",
    "_perishable_token_expires_at": "timestamptz", "_password_changed_at": "timestamptz",
    "_failed_login_count": "double precision", "_password_history": "jsonb",
}
# Above this a whole double is still returned as a float (JavaScript's safe integers).
SAFE_INTEGER = 2**53
JOIN_PREFIX = "_Join:"


def quote(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def join_table(owning_class: str, field_name: str) -> str:
    return quote(f"{JOIN_PREFIX}{field_name}:{owning_class}")


def base_columns(class_name: str) -> dict[str, str]:
    columns = {"objectId": "text", "createdAt": "timestamptz", "updatedAt": "timestamptz",
               "_rperm": "text[]", "_wperm": "text[]"}
    if class_name == "_User":
        columns.update(USER_INTERNAL_COLUMNS)
    return columns


def field_sql_type(spec: dict[str, Any]) -> str | None:
    """The column type of a schema field, None for fields without a column (ACL, Relation)."""
    kind = spec.get("type")
    if kind == "Array" and isinstance(spec.get("contents"), dict) and spec["contents"].get("type") == "String":
        return "text[]"
    return PARSE_TO_SQL.get(str(kind))


def field_columns(class_name: str, fields: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The columns a class's schema fields have: not Relation / ACL, nor ``_User.password`` (the
    password lives hashed in ``_hashed_password``; Parse Server's ``_User`` has no such column)."""
    out: dict[str, str] = {}
    for name, spec in fields.items():
        sql_type = field_sql_type(spec)
        if sql_type is not None and not (class_name == "_User" and name == "password"):
            out[name] = sql_type
    return out


def inferred_sql_type(value: Any) -> str:
    """The column type for a key the schema does not declare, from its first value."""
    if isinstance(value, dict) and value.get("__type") == "Date":
        return "timestamptz"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "double precision"
    if isinstance(value, str):
        return "text"
    return "jsonb"


# --- values -------------------------------------------------------------------------------

def to_column(sql_type: str, value: Any) -> Any:
    """A document value as the parameter for a column of ``sql_type``."""
    if value is None:
        return None
    if sql_type == "timestamptz":
        iso = value.get("iso") if isinstance(value, dict) else value
        return parse_iso(str(iso))
    if sql_type == "double precision":
        return float(value)
    if sql_type == "jsonb":
        try:
            return json.dumps(value, separators=(",", ":"), allow_nan=False)
        except ValueError:
            # parse-compat: jsonb cannot hold NaN or Infinity; they are stored as null.
            return json.dumps(_finite(value), separators=(",", ":"))
    if sql_type == "text" and isinstance(value, dict):
        kind = value.get("__type")
        if kind == "Pointer":
            return value.get("objectId")
        if kind == "File":
            return value.get("name")
    if sql_type == "point" and isinstance(value, dict):
        return Point(float(value["longitude"]), float(value["latitude"]))
    if sql_type == "polygon" and isinstance(value, dict):
        return Polygon(*[Point(float(lng), float(lat)) for lat, lng in value["coordinates"]])
    return value


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def from_column(name: str, sql_type: str, spec: dict[str, Any] | None, value: Any) -> Any:
    """A column value back as the document holds it (``spec``: the schema field, if declared)."""
    kind = spec.get("type") if spec else None
    if sql_type == "jsonb" and isinstance(value, str):
        return json.loads(value)
    if isinstance(value, datetime):
        iso = format_iso(value)
        return iso if name in TIMESTAMP_COLUMNS else {"__type": "Date", "iso": iso}
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() and abs(value) < SAFE_INTEGER else value
    if isinstance(value, str) and kind == "Pointer" and spec is not None:
        return {"__type": "Pointer", "className": spec.get("targetClass"), "objectId": value}
    if isinstance(value, str) and kind == "File":
        return {"__type": "File", "name": value}
    if isinstance(value, Point):
        return {"__type": "GeoPoint", "latitude": value.y, "longitude": value.x}
    if isinstance(value, Polygon):
        return {"__type": "Polygon", "coordinates": [[p.y, p.x] for p in value.points]}
    return value
