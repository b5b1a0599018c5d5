"""Parse and validate a storage `where` (``storage/base.py``) once, into the typed tree of
``tree.py``, against one class schema.

The errors are the ones the SQLite compiler (``storage/sqlite/where.py``) has always answered
for a bad query, so a client sees the same code and message whichever store is underneath:
an unknown operator is ``INVALID_JSON`` "bad constraint: $op", a bad ``$or`` is
``INVALID_QUERY`` "Bad $or format - use an array value.", a field path outside
``[A-Za-z0-9_]`` is ``INVALID_KEY_NAME``, a regex RE2 cannot run is ``INVALID_QUERY``.

A clause that can never match (a plain object compared with a string field, a Date field
compared with a string...) becomes ``Or(())``; one that always matches becomes ``And(())``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, Literal, TypeGuard

from parse_compat.codec.dates import format_iso, parse_iso
from parse_compat.codec.scalars import are_int64_scalars, pointer_parts
from parse_compat.errors import INVALID_JSON, INVALID_KEY_NAME, INVALID_QUERY, ParseError
from parse_compat.query.geo_operators import MAX_DISTANCE_DIVISORS
from parse_compat.query.regex import compile_parse_regex
from parse_compat.query.tree import (
    COLUMN_FIELDS,
    All,
    And,
    Compare,
    ContainedBy,
    DateValue,
    Equals,
    Exists,
    FieldRef,
    FileValue,
    GeoPointValue,
    In,
    Intersects,
    Near,
    Node,
    Nor,
    Or,
    Permission,
    PointerValue,
    Raw,
    Regex,
    Text,
    Value,
    WithinBox,
    WithinCenterSphere,
    WithinPolygon,
)

__all__ = ("NOTHING", "EVERYTHING", "parse_where")

NOTHING = Or(())
EVERYTHING = And(())
PATH_PART = re.compile(r"^[A-Za-z0-9_]+$")
INT64_MAX = 2**63 - 1
# Modifiers of another operator in the same constraint.
MODIFIERS = frozenset({"$options", "$maxDistance", *MAX_DISTANCE_DIVISORS})
# parse-compat: the first of these present wins (the SQLite adapter's long-standing order).
MAX_DISTANCE_ORDER = ("$maxDistance", "$maxDistanceInRadians", "$maxDistanceInMiles", "$maxDistanceInKilometers")
COMPARISONS: Mapping[str, Literal["<", "<=", ">", ">="]] = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}


def parse_where(where: Any, field_types: Mapping[str, str]) -> Node:
    """The tree of ``where`` for a class whose fields have ``field_types`` (name → Parse type)."""
    return _Parser(field_types).conjunction(where)


class _Parser:
    def __init__(self, field_types: Mapping[str, str]) -> None:
        self.types = field_types

    # --- structure ---------------------------------------------------------------------
    def conjunction(self, where: Any) -> Node:
        if not isinstance(where, dict):
            raise ParseError(INVALID_QUERY, "where must be an object")
        nodes = tuple(self.key(key, constraint) for key, constraint in where.items())
        return nodes[0] if len(nodes) == 1 else And(nodes)

    def key(self, key: str, constraint: Any) -> Node:
        if key in ("$or", "$and", "$nor"):
            if not isinstance(constraint, list) or (key == "$nor" and not constraint):
                raise ParseError(INVALID_QUERY, f"Bad {key} format - use an array value.")
            parts = tuple(self.conjunction(sub) for sub in constraint)
            return Or(parts) if key == "$or" else And(parts) if key == "$and" else Nor(parts)
        if key in ("_rperm", "_wperm"):
            if not isinstance(constraint, dict) or set(constraint) != {"$in"} or not isinstance(
                constraint["$in"], list
            ):
                raise ParseError(INVALID_QUERY, f"unsupported constraint on {key}")
            names = tuple(v for v in constraint["$in"] if isinstance(v, str))
            return Permission("_rperm" if key == "_rperm" else "_wperm", names)
        if key.startswith("$"):
            raise ParseError(INVALID_JSON, f"bad constraint: {key}")
        ref = self.field(key)
        if isinstance(constraint, dict) and any(k.startswith("$") for k in constraint):
            nodes = tuple(self.operator(ref, op, value, constraint) for op, value in constraint.items()
                          if op not in MODIFIERS)
            return nodes[0] if len(nodes) == 1 else And(nodes)
        return self.equals(ref, constraint)

    def field(self, key: str) -> FieldRef:
        if key in COLUMN_FIELDS:
            return FieldRef((key,), "String" if key == "objectId" else "Date")
        parts = tuple(key.split("."))
        for part in parts:
            if not PATH_PART.match(part):
                raise ParseError(INVALID_KEY_NAME, f"Invalid field name: {key}.")
        return FieldRef(parts, self.types.get(parts[0]))

    # --- operators ---------------------------------------------------------------------
    def operator(self, ref: FieldRef, op: str, value: Any, ops: dict[str, Any]) -> Node:
        if op in COMPARISONS:
            return self.compare(ref, COMPARISONS[op], value)
        if op == "$eq":
            return self.equals(ref, value, direct=False)
        if op == "$ne":
            inner = self.equals(ref, value, direct=False)
            if isinstance(inner, Equals):
                return Equals(inner.field, inner.value, negated=True)
            return EVERYTHING if inner == NOTHING else Nor((inner,))
        if op in ("$in", "$nin"):
            if not isinstance(value, list):
                raise ParseError(INVALID_JSON, f"bad {op} value")
            if are_int64_scalars(value):  # (a long `$in` of strings, numbers...) each value is itself
                return In(ref, tuple(value), negated=op == "$nin")
            pointers = _pointers(value)
            if pointers is not None:
                return In(ref, pointers, negated=op == "$nin")
            flat: list[Any] = []
            for item in value:
                flat.extend(item if isinstance(item, list) else [item])
            decode = _element if ref.kind == "Array" else _scalar
            return In(ref, tuple(None if v is None else decode(v) for v in flat), negated=op == "$nin")
        if op == "$exists":
            if not isinstance(value, bool):
                raise ParseError(INVALID_JSON, "bad $exists value")
            return Exists(ref, value)
        if op == "$all":
            return self.all(ref, value)
        if op == "$containedBy":
            if not isinstance(value, list):
                raise ParseError(INVALID_JSON, "bad $containedBy: should be an array")
            return ContainedBy(ref, tuple(_element(v) for v in value))
        if op == "$regex":
            return _regex(ref, value, ops.get("$options", ""))
        if op == "$nearSphere":
            return Near(ref, _geopoint(value), _max_distance(ops))
        if op == "$within":
            return _within(ref, value)
        if op == "$geoWithin":
            return _geo_within(ref, value)
        if op == "$geoIntersects":
            point = value.get("$point") if isinstance(value, dict) else None
            return Intersects(ref, _geopoint(point))
        if op == "$text":
            return _text(ref, value)
        raise ParseError(INVALID_JSON, f"bad constraint: {op}")

    def equals(self, ref: FieldRef, value: Any, direct: bool = True) -> Node:
        """``{"f": value}`` (``direct``) or ``$eq`` / ``$ne``."""
        if value is None:
            return Equals(ref, None)
        if ref.kind == "Array" and not ref.nested and not isinstance(value, list):
            return Equals(ref, _element(value))
        if isinstance(value, dict) and value.get("__type") is None:
            if ref.name in COLUMN_FIELDS or (ref.kind not in (None, "Object") and not ref.nested):
                return NOTHING  # a plain object never equals a column, a string, a number...
            return Equals(ref, Raw.of(value))
        if isinstance(value, list):
            if ref.nested or (ref.kind is None and ref.name not in COLUMN_FIELDS):
                return Equals(ref, Raw.of(value))
            raise ParseError(INVALID_JSON, f"You cannot use {value} as a query parameter.")
        if ref.kind == "Date" and isinstance(value, str) and not ref.nested:
            if ref.name not in COLUMN_FIELDS:
                return NOTHING  # a Date field never equals a plain string (MongoDB semantics)
            # parse-compat: Parse reads a plain string compared with createdAt/updatedAt as a Date,
            # for direct equality only; inside $eq / $ne it stays a string and equals no Date.
            date = _date(value)
            return Equals(ref, date) if direct else NOTHING
        return Equals(ref, _scalar(value))

    def compare(self, ref: FieldRef, op: Literal["<", "<=", ">", ">="], value: Any) -> Node:
        if value is None:
            return Compare(ref, op, None)
        if isinstance(value, list | bool) and ref.kind != "Boolean":
            return NOTHING  # (on a Boolean field a list goes on to be refused below)
        if ref.kind == "Date" and isinstance(value, str):
            return NOTHING  # comparisons need a Date, as in MongoDB
        return Compare(ref, op, _scalar(value))

    def all(self, ref: FieldRef, values: Any) -> Node:
        if not isinstance(values, list):
            raise ParseError(INVALID_JSON, "bad $all value")
        regexes = [v for v in values if isinstance(v, dict) and "$regex" in v]
        if regexes and len(regexes) != len(values):
            raise ParseError(INVALID_JSON, "All $all values must be of regex type or none")
        if not values:
            return NOTHING
        if regexes:
            return All(ref, (), tuple(_regex(ref, r["$regex"], r.get("$options") or "") for r in regexes))
        return All(ref, tuple(_element(v) for v in values))


# --- values -------------------------------------------------------------------------------

def _date(iso: str) -> DateValue:
    moment = parse_iso(iso)
    return DateValue(moment, format_iso(moment))


def _scalar(value: Any) -> Value:
    """A value compared with one stored scalar (what SQLite binds as a parameter)."""
    if isinstance(value, dict):
        kind = value.get("__type")
        if kind == "Date":
            return _date(str(value.get("iso", "")))
        if kind in ("Pointer", "Object"):
            object_id = value.get("objectId")
            class_name = value.get("className")
            if not isinstance(object_id, str):
                return _plain(object_id)
            return PointerValue(class_name if isinstance(class_name, str) else None, object_id)
        if kind == "File":
            name = value.get("name")
            return FileValue(name) if isinstance(name, str) else _plain(name)
        raise ParseError(INVALID_JSON, f"bad value in query: {json.dumps(value)[:80]}")
    if isinstance(value, list):
        raise ParseError(INVALID_JSON, f"You cannot use {value} as a query parameter.")
    return _plain(value)


def _pointers(values: list[Any]) -> tuple[PointerValue, ...] | None:
    """A list of pointers with string objectIds (a long `$in` of them) decoded in one pass, as
    ``_scalar`` and ``_element`` decode each; None for any other list."""
    parts = pointer_parts(values)
    if parts is None:
        return None
    class_names, object_ids = parts
    if set(map(type, object_ids)) != {str} or not set(map(type, class_names)) <= {str, type(None)}:
        return None
    return tuple(map(PointerValue, class_names, object_ids))


def _plain(value: Any) -> Value:
    if isinstance(value, int) and not isinstance(value, bool) and not -INT64_MAX - 1 <= value <= INT64_MAX:
        return float(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ParseError(INVALID_JSON, "bad value in query")


def _element(value: Any) -> Value:
    """A value compared with an array element or a nested JSON value: any JSON."""
    if isinstance(value, dict):
        kind = value.get("__type")
        if kind == "Date" and isinstance(value.get("iso"), str):
            try:
                return _date(value["iso"])
            except ParseError:
                return Raw.of(value)  # an unreadable date is compared as the object it is
        if kind == "Pointer" and isinstance(value.get("objectId"), str):
            class_name = value.get("className")
            return PointerValue(class_name if isinstance(class_name, str) else None, value["objectId"])
        return Raw.of(value)
    if isinstance(value, list):
        return Raw.of(value)
    return _plain(value)


def _regex(ref: FieldRef, pattern: Any, options: Any) -> Regex:
    if not isinstance(pattern, str) or not isinstance(options, str):
        raise ParseError(INVALID_QUERY, "bad $regex")
    compile_parse_regex(pattern, options)
    return Regex(ref, pattern, options)


def _text(ref: FieldRef, value: Any) -> Text:
    search = value.get("$search") if isinstance(value, dict) else None
    term = search.get("$term") if isinstance(search, dict) else None
    if not isinstance(search, dict) or not isinstance(term, str):
        raise ParseError(INVALID_JSON, "bad $text: $search.$term should be a string")
    case = search.get("$caseSensitive", False)
    diacritic = search.get("$diacriticSensitive", False)
    if not isinstance(case, bool) or not isinstance(diacritic, bool):
        raise ParseError(INVALID_JSON, "bad $text: $caseSensitive/$diacriticSensitive should be booleans")
    return Text(ref, term, case, diacritic)


# --- geo ----------------------------------------------------------------------------------

def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _geopoint(value: Any) -> GeoPointValue:
    if not (isinstance(value, dict) and value.get("__type") == "GeoPoint"):
        raise ParseError(INVALID_JSON, "bad GeoPoint in query")
    lat, lng = value.get("latitude"), value.get("longitude")
    if not _number(lat) or not _number(lng) or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ParseError(INVALID_JSON, "GeoPoint latitude or longitude out of range")
    return GeoPointValue(float(lat), float(lng))


def _max_distance(ops: dict[str, Any]) -> float | None:
    for key in MAX_DISTANCE_ORDER:
        if key in ops:
            value = ops[key]
            if not _number(value) or math.isnan(value):
                raise ParseError(INVALID_JSON, f"bad {key}")
            return float(value) / MAX_DISTANCE_DIVISORS.get(key, 1.0)
    return None


def _within(ref: FieldRef, value: Any) -> Node:
    box = value.get("$box") if isinstance(value, dict) else None
    if not isinstance(box, list) or len(box) != 2:
        raise ParseError(INVALID_JSON, "malformatted $within arg")
    southwest, northeast = _geopoint(box[0]), _geopoint(box[1])
    if southwest.latitude > northeast.latitude:
        raise ParseError(INVALID_JSON, "GeoBox: lower latitude must be below upper latitude")
    return WithinBox(ref, southwest, northeast)


def _geo_within(ref: FieldRef, value: Any) -> Node:
    if not isinstance(value, dict):
        raise ParseError(INVALID_JSON, "bad $geoWithin value")
    if "$polygon" in value:
        polygon = value["$polygon"]
        raw = polygon.get("coordinates") if isinstance(polygon, dict) and polygon.get("__type") == "Polygon" \
            else polygon
        if not isinstance(raw, list):
            raise ParseError(INVALID_JSON, "bad $geoWithin value; $polygon should be Polygon "
                                           "object or Array of Parse.GeoPoint's")
        ring: list[GeoPointValue] = []
        for point in raw:
            if isinstance(point, dict):
                ring.append(_geopoint(point))
            elif isinstance(point, list) and len(point) == 2 and all(_number(v) for v in point):
                # parse-compat: bare pairs are MongoDB [longitude, latitude], as Parse passes them on
                ring.append(GeoPointValue(float(point[1]), float(point[0])))
            else:
                raise ParseError(INVALID_JSON, "bad $geoWithin value")
        if len(ring) < 3:
            raise ParseError(INVALID_JSON, "bad $geoWithin value; Polygon must have at least 3 values")
        return WithinPolygon(ref, tuple(ring))
    if "$centerSphere" in value:
        spec = value["$centerSphere"]
        if not isinstance(spec, list) or len(spec) != 2:
            raise ParseError(INVALID_JSON, "bad $geoWithin value; $centerSphere should be an array")
        center, radius = spec
        if isinstance(center, list) and len(center) == 2 and all(_number(v) for v in center):
            point = GeoPointValue(float(center[1]), float(center[0]))
        else:
            point = _geopoint(center)
        if not _number(radius) or radius < 0:
            raise ParseError(INVALID_JSON, "bad $geoWithin value; $centerSphere distance invalid")
        return WithinCenterSphere(ref, point, float(radius))
    raise ParseError(INVALID_JSON, "bad $geoWithin value")
