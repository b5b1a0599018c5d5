"""Check and convert REST field values (Parse's `__type` JSON) into storage values.

Pure. A wrong shape is a ParseError with Parse's code: 111 for a type mismatch, 107 for a
malformed value, 121 for nested keys with `$` or `.`, 105 for bad key names.
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any, TypeGuard

from ..errors import INCORRECT_TYPE, INVALID_JSON, INVALID_NESTED_KEY, ParseError
from ..schema.model import describe_type
from .dates import canonical_iso
from .jsontext import has_lone_surrogate

MAX_NESTING = 64


def mismatch(class_name: str, field_name: str, expected: dict[str, Any], got: str) -> ParseError:
    return ParseError(
        INCORRECT_TYPE,
        f"schema mismatch for {class_name}.{field_name}; expected {describe_type(expected)} but got {got}",
    )


def json_type_name(value: Any) -> str:
    """The JSON kind of a value as JavaScript's typeof-like checks name it (null, boolean, number,
    string, array, object)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def decode_date(value: Any) -> dict[str, str]:
    if isinstance(value, dict) and value.get("__type") == "Date" and isinstance(value.get("iso"), str):
        return {"__type": "Date", "iso": canonical_iso(value["iso"])}
    raise ParseError(INVALID_JSON, f"invalid Date value {str(value)[:80]}")


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def decode_geopoint(value: dict[str, Any]) -> dict[str, Any]:
    lat, lng = value.get("latitude"), value.get("longitude")
    if not (_is_number(lat) and _is_number(lng)):
        raise ParseError(INVALID_JSON, "GeoPoint latitude and longitude must be numbers")
    if not -90 <= lat <= 90:
        raise ParseError(INVALID_JSON, "GeoPoint latitude out of bounds: " + str(lat))
    if not -180 <= lng <= 180:
        raise ParseError(INVALID_JSON, "GeoPoint longitude out of bounds: " + str(lng))
    return {"__type": "GeoPoint", "latitude": lat, "longitude": lng}


def decode_polygon(value: dict[str, Any]) -> dict[str, Any]:
    coords = value.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 3:
        raise ParseError(INVALID_JSON, "Polygon must have at least 3 values")
    points = []
    for point in coords:
        if not (isinstance(point, list) and len(point) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in point)):
            raise ParseError(INVALID_JSON, "bad Polygon coordinates")
        decode_geopoint({"latitude": point[0], "longitude": point[1]})
        points.append([point[0], point[1]])
    if len({tuple(p) for p in points}) < 3:
        raise ParseError(INVALID_JSON, "GeoJSON: Loop must have at least 3 different vertices")
    if points[0] != points[-1]:
        points.append(list(points[0]))  # parse-compat: Parse closes the ring on write and returns it closed
    return {"__type": "Polygon", "coordinates": points}


def decode_typed(value: dict[str, Any]) -> dict[str, Any]:
    """A `__type` value, checked and reduced to what storage keeps."""
    kind = value.get("__type")
    if kind == "Date":
        return decode_date(value)
    if kind in ("Pointer", "Object"):
        class_name, object_id = value.get("className"), value.get("objectId")
        if not isinstance(class_name, str) or not isinstance(object_id, str):
            raise ParseError(INVALID_JSON, "a Pointer needs a className and an objectId")
        return {"__type": "Pointer", "className": class_name, "objectId": object_id}
    if kind == "File":
        name = value.get("name")
        if not isinstance(name, str) or not name:
            raise ParseError(INCORRECT_TYPE, "This is not a valid File")
        return {"__type": "File", "name": name}
    if kind == "GeoPoint":
        return decode_geopoint(value)
    if kind == "Polygon":
        return decode_polygon(value)
    if kind == "Bytes":
        data = value.get("base64")
        if not isinstance(data, str):
            raise ParseError(INVALID_JSON, "Bytes need a base64 string")
        try:
            base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ParseError(INVALID_JSON, "invalid base64 in Bytes") from exc
        return {"__type": "Bytes", "base64": data}
    raise ParseError(INCORRECT_TYPE, f"This is not a valid {str(kind)[:40]}")


def decode_nested(value: Any, depth: int = 0) -> Any:
    """Values inside Objects and Arrays: keys checked, typed values converted."""
    if depth > MAX_NESTING:
        raise ParseError(INVALID_JSON, "object nested too deeply")
    if isinstance(value, dict):
        if "__type" in value:
            return decode_typed(value)
        if "__op" in value:
            raise ParseError(INVALID_NESTED_KEY, "Nested keys should not contain the '$' or '.' characters")
        out = {}
        for key, item in value.items():
            if not isinstance(key, str) or "$" in key or "." in key or key in ("__proto__", "constructor") \
                    or (not key.isascii() and has_lone_surrogate(key)):
                raise ParseError(INVALID_NESTED_KEY,
                                 "Nested keys should not contain the '$' or '.' characters")
            out[key] = decode_nested(item, depth + 1)
        return out
    if isinstance(value, list):
        return [decode_nested(item, depth + 1) for item in value]
    if isinstance(value, float) and not math.isfinite(value):  # cloud code can build NaN / inf
        raise ParseError(INVALID_JSON, f"{value} is not a valid number")
    if isinstance(value, str) and not value.isascii() and has_lone_surrogate(value):  # cloud code, too
        raise ParseError(INVALID_JSON, "a string holds a lone UTF-16 surrogate")
    return value
