"""Value codecs between Parse's REST JSON encoding and Parse Server's MongoDB values.

Owns how one *value* is written and read (reference §10.1): Dates as BSON dates, Files as
their name, GeoPoints as ``[lng, lat]``, Polygons as GeoJSON, Bytes as BSON Binary, and the
"interior" rules for values nested inside Object / Array fields (Dates → BSON date, Bytes →
Binary, Pointers stay full ``{"__type":"Pointer"}`` subdocuments). Knows nothing of key names,
schemas or collections: see ``keys`` and ``transform`` for those.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from bson import Binary, Decimal128, Int64, ObjectId

POINTER_SEPARATOR = "$"


# --- dates -------------------------------------------------------------------------------

def parse_iso(text: str) -> datetime:
    """An ISO-8601 string → an aware UTC datetime truncated to milliseconds (BSON precision)."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def format_iso(value: datetime) -> str:
    """A datetime (naive = UTC, as PyMongo returns by default) → ``2020-01-01T00:00:00.000Z``."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def to_datetime(value: Any) -> Any:
    """A Date dict or ISO string → datetime; anything else unchanged."""
    if isinstance(value, dict) and value.get("__type") == "Date" and isinstance(value.get("iso"), str):
        return parse_iso(value["iso"])
    if isinstance(value, str):
        try:
            return parse_iso(value)
        except ValueError:
            return value
    return value


def date_json(value: datetime) -> dict[str, Any]:
    return {"__type": "Date", "iso": format_iso(value)}


# --- pointers ----------------------------------------------------------------------------

def is_type(value: Any, type_name: str) -> bool:
    return isinstance(value, dict) and value.get("__type") == type_name


def pointer_string(value: dict[str, Any]) -> str:
    """``{"__type":"Pointer","className":"Post","objectId":"x"}`` → ``"Post$x"``."""
    return f"{value['className']}{POINTER_SEPARATOR}{value['objectId']}"


def pointer_json(value: str) -> dict[str, Any] | None:
    """``"Post$x"`` → a Pointer dict; None when the string is not a pointer string."""
    class_name, sep, object_id = value.partition(POINTER_SEPARATOR)
    if not sep:
        return None
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


def canonical_pointer(value: dict[str, Any]) -> dict[str, Any]:
    # parse-compat: Parse keeps pointers inside arrays/objects as whole subdocuments and
    # compares them as whole documents ($addToSet, equality), so key order must be fixed.
    return {"__type": "Pointer", "className": value["className"], "objectId": value["objectId"]}


# --- bytes -------------------------------------------------------------------------------

def to_binary(value: dict[str, Any]) -> Binary:
    return Binary(base64.b64decode(value.get("base64", "")))


def bytes_json(value: bytes) -> dict[str, Any]:
    return {"__type": "Bytes", "base64": base64.b64encode(bytes(value)).decode("ascii")}


# --- geo ---------------------------------------------------------------------------------

def geopoint_pair(value: Any) -> list[float]:
    """A GeoPoint dict (or an already ``[lng, lat]`` pair) → ``[lng, lat]``."""
    if isinstance(value, dict):
        return [value["longitude"], value["latitude"]]
    return [value[0], value[1]]


def geopoint_json(value: Any) -> Any:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return {"__type": "GeoPoint", "latitude": value[1], "longitude": value[0]}
    if isinstance(value, dict) and value.get("type") == "Point":
        lng, lat = value["coordinates"][:2]
        return {"__type": "GeoPoint", "latitude": lat, "longitude": lng}
    return value


def polygon_geojson(value: dict[str, Any]) -> dict[str, Any]:
    """Parse Polygon (``[[lat, lng], …]``) → GeoJSON Polygon with a closed ``[lng, lat]`` ring."""
    ring = [[point[1], point[0]] for point in value.get("coordinates", [])]
    if ring and ring[0] != ring[-1]:
        ring.append(list(ring[0]))
    return {"type": "Polygon", "coordinates": [ring]}


def polygon_json(value: Any) -> Any:
    if isinstance(value, dict) and value.get("type") == "Polygon":
        ring = value["coordinates"][0] if value.get("coordinates") else []
        return {"__type": "Polygon", "coordinates": [[point[1], point[0]] for point in ring]}
    return value


# --- generic encoding --------------------------------------------------------------------

def encode_interior(value: Any) -> Any:
    """A value nested in an Object/Array (or an internal ``_`` field) → its Mongo form."""
    if isinstance(value, dict):
        kind = value.get("__type")
        if kind == "Date" and isinstance(value.get("iso"), str):
            return parse_iso(value["iso"])
        if kind == "Bytes":
            return to_binary(value)
        if kind == "Pointer" and "className" in value and "objectId" in value:
            return canonical_pointer(value)
        return {key: encode_interior(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_interior(item) for item in value]
    return value


def decode_interior(value: Any) -> Any:
    """A nested Mongo value → REST JSON (BSON dates → Date, Binary → Bytes, Long → int)."""
    if isinstance(value, datetime):
        return date_json(value)
    if isinstance(value, (Binary, bytes)):
        return bytes_json(value)
    if isinstance(value, dict):
        return {key: decode_interior(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode_interior(item) for item in value]
    if isinstance(value, Int64):
        return int(value)
    if isinstance(value, Decimal128):
        return float(value.to_decimal())
    if isinstance(value, ObjectId):
        return str(value)
    return value


def encode_atom(value: Any, field_type: str | None) -> Any:
    """A top-level field value → its Mongo form, by schema type or by the value's ``__type``.

    Pointers are not handled here: they change the key (``_p_<field>``), see ``keys``.
    """
    if value is None:
        return None
    kind = value.get("__type") if isinstance(value, dict) else None
    if kind == "Date":
        return to_datetime(value)
    if kind == "File":
        return value.get("name")
    if kind == "GeoPoint":
        return geopoint_pair(value)
    if kind == "Polygon":
        return polygon_geojson(value)
    if kind == "Bytes":
        return to_binary(value)
    return encode_interior(value)


def decode_field(value: Any, field_type: str | None) -> Any:
    """A top-level Mongo value → REST JSON, guided by the schema type of its field."""
    if value is None:
        return None
    if field_type == "Date":
        if isinstance(value, datetime):
            return date_json(value)
        if isinstance(value, str):
            return {"__type": "Date", "iso": value}
        return decode_interior(value)
    if field_type == "File":
        if isinstance(value, str):
            return {"__type": "File", "name": value}
        if isinstance(value, dict) and "name" in value:
            return {"__type": "File", "name": value["name"]}
        return value
    if field_type == "GeoPoint":
        return geopoint_json(value)
    if field_type == "Polygon":
        return polygon_json(value)
    if field_type == "Bytes":
        if isinstance(value, (Binary, bytes)):
            return bytes_json(value)
        if isinstance(value, str):
            # parse-compat: Parse also accepts a base64 string stored for a Bytes field.
            return {"__type": "Bytes", "base64": value}
        return decode_interior(value)
    return decode_interior(value)
