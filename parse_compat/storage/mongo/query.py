"""Storage ``where`` (see base.py) → MongoDB filter, plus sort specs.

Owns the translation of every operator the storage boundary admits, in Parse Server's
MongoDB vocabulary (reference §4.2): pointers become ``_p_<field>`` strings, Dates BSON
dates, ``_rperm``/``_wperm`` ``$in`` also matches documents without the list, ``$containedBy``
becomes ``$not $elemMatch $nin``, GeoPoints ``[lng, lat]`` pairs. The ``Dialect`` says whether
the server understands PCRE (real MongoDB) or matches client-side (mongomock): there the
pattern runs through RE2 (``_RE2Regex``), never Python's backtracking ``re``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from parse_compat.codec.scalars import are_scalars
from parse_compat.errors import INVALID_JSON, INVALID_QUERY, ParseError
from parse_compat.query.regex import compile_parse_regex
from parse_compat.storage.base import ClassSchema, Where
from parse_compat.storage.mongo import keys as k
from parse_compat.storage.mongo import values as v

_COMPARISONS = ("$eq", "$ne", "$lt", "$lte", "$gt", "$gte")
_DATE_KEYS = ("_created_at", "_updated_at")
_ACL_KEYS = ("_rperm", "_wperm")
_SUBQUERY_OPS = ("$inQuery", "$notInQuery", "$select", "$dontSelect", "$relatedTo")
_DISTANCE_DIVISORS = {
    "$maxDistance": 1.0,
    "$maxDistanceInRadians": 1.0,
    "$maxDistanceInMiles": 3959.0,
    "$maxDistanceInKilometers": 6371.0,
}
_IGNORED_OPS = ("$options", *_DISTANCE_DIVISORS)


@dataclass(frozen=True)
class Dialect:
    """What the server underneath understands."""

    native_regex: bool = True


@dataclass(frozen=True)
class _RE2Regex:
    """An RE2 pattern in a mongomock filter: mongomock calls ``try_compile()`` on a ``$regex``
    value that is not a Python pattern (as for ``bson.Regex``) and then ``search``es with it."""

    compiled: Any

    def try_compile(self) -> Any:
        return self.compiled


@dataclass
class CompiledQuery:
    """A Mongo filter and the fields that need an index before it can run."""

    filter: dict[str, Any]
    near_fields: list[str] = field(default_factory=list)
    text_fields: list[str] = field(default_factory=list)


def compile_where(schema: ClassSchema, where: Where | None, dialect: Dialect,
                  for_count: bool = False) -> CompiledQuery:
    """Translate ``where``; ``for_count`` turns ``$nearSphere`` into ``$geoWithin`` (Mongo
    refuses ``$nearSphere`` in counts)."""
    compiler = _Compiler(schema, dialect, for_count)
    return CompiledQuery(compiler.where(where or {}), compiler.near_fields, compiler.text_fields)


def compile_sort(schema: ClassSchema, sort: list[tuple[str, bool]]) -> list[tuple[str, Any]]:
    spec: list[tuple[str, Any]] = []
    for name, ascending in sort:
        if name == "$score":
            spec.append(("score", {"$meta": "textScore"}))
        else:
            spec.append((k.mongo_key(schema, name), 1 if ascending else -1))
    return spec


def _is_constraint(value: Any) -> bool:
    return (isinstance(value, dict) and "__type" not in value
            and any(isinstance(key, str) and key.startswith("$") for key in value))


def _sample(constraint: Any) -> Any:
    """A value of the constraint that tells whether an unknown field holds pointers."""
    if not _is_constraint(constraint):
        return constraint
    for op in ("$eq", "$ne", "$in", "$nin", "$all"):
        arg = constraint.get(op)
        if isinstance(arg, list):
            arg = next(iter(arg), None)
        if k.is_pointer_value(arg):
            return arg
    return None


def _needs_bracketing(values: list[Any]) -> bool:
    """All booleans, or all numbers (and no booleans): mongomock would mix the two."""
    if not values:
        return False
    if all(isinstance(value, bool) for value in values):
        return True
    return all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in values)


def _max_distance(constraint: dict[str, Any]) -> float | None:
    for op, divisor in _DISTANCE_DIVISORS.items():
        if constraint.get(op) is not None:
            return float(constraint[op]) / divisor
    return None


def _polygon_pairs(arg: Any) -> list[list[float]]:
    if isinstance(arg, dict) and arg.get("__type") == "Polygon":
        return [[point[1], point[0]] for point in arg["coordinates"]]
    return [v.geopoint_pair(point) for point in arg]


class _Compiler:
    def __init__(self, schema: ClassSchema, dialect: Dialect, for_count: bool) -> None:
        self.schema = schema
        self.dialect = dialect
        self.for_count = for_count
        self.near_fields: list[str] = []
        self.text_fields: list[str] = []

    # --- structure -----------------------------------------------------------------------
    def where(self, where: Where) -> dict[str, Any]:
        out: dict[str, Any] = {}
        extra: list[dict[str, Any]] = []
        for key, value in where.items():
            if key in ("$or", "$and", "$nor"):
                if not isinstance(value, list) or (key == "$nor" and not value):
                    raise ParseError(INVALID_QUERY, f"Bad {key} format - use an array value.")
                fragment = {key: [self.where(sub) for sub in value]}
            elif key.startswith("$"):
                raise ParseError(INVALID_JSON, f"bad constraint: {key}")
            else:
                fragment = self.field(key, value, extra)
            for name, part in fragment.items():
                if name in out:
                    extra.append({name: part})
                else:
                    out[name] = part
        if extra:
            out.setdefault("$and", []).extend(extra)
        return out

    # --- one field -----------------------------------------------------------------------
    def field(self, key: str, constraint: Any, extra: list[dict[str, Any]]) -> dict[str, Any]:
        mkey = k.mongo_key(self.schema, key, _sample(constraint))
        pointer = mkey.startswith(k.POINTER_PREFIX) and "." not in key
        field_type = None if "." in key else self.schema.field_type(key)

        def enc(value: Any) -> Any:
            if pointer:
                return v.pointer_string(value) if k.is_pointer_value(value) else value
            if mkey in _DATE_KEYS:
                return v.to_datetime(value)
            if mkey == "_id":
                return k.object_id_to_mongo(self.schema.class_name, value)
            if "." in key or field_type in ("Array", "Object"):
                return v.encode_interior(value)
            return v.encode_atom(value, field_type)

        if not _is_constraint(constraint):
            if self.dialect.native_regex or not _needs_bracketing([constraint]):
                return {mkey: enc(constraint)}
            constraint = {"$eq": constraint}

        ops: dict[str, Any] = {}
        top: dict[str, Any] = {}
        for op, arg in constraint.items():
            if op in _COMPARISONS:
                ops[op] = enc(arg)
                if op == "$eq":
                    self.bracket(ops, [arg])
            elif op in ("$in", "$nin"):
                if isinstance(arg, list) and mkey not in _DATE_KEYS and mkey != "_id" and are_scalars(arg):
                    items = list(arg)  # (a long `$in` of strings, numbers...) each is its own Mongo form
                else:
                    items = [enc(item) for item in (arg if isinstance(arg, list) else [arg])]
                if op == "$in" and mkey in _ACL_KEYS:
                    # parse-compat: a document without _rperm/_wperm is public.
                    items = [None, *items]
                ops[op] = items
                if op == "$in":
                    self.bracket(ops, items)
            elif op == "$all":
                items = arg if isinstance(arg, list) else [arg]
                if not items:
                    extra.append({mkey: {"$in": []}})  # `$all: []` matches nothing
                elif all(_is_constraint(item) and "$regex" in item for item in items):
                    # $all of regexes = each regex matched by some element ($and is portable).
                    for item in items:
                        regex_ops: dict[str, Any] = {}
                        self.regex_into(regex_ops, item["$regex"], item.get("$options"))
                        extra.append({mkey: regex_ops})
                else:
                    ops["$all"] = [enc(item) for item in items]
            elif op == "$containedBy":
                ops["$not"] = {"$elemMatch": {"$nin": [enc(item) for item in arg]}}
            elif op == "$exists":
                ops["$exists"] = bool(arg)
            elif op == "$regex":
                self.regex_into(ops, arg, constraint.get("$options"))
            elif op in _IGNORED_OPS:
                continue
            elif op == "$nearSphere":
                self.near(ops, mkey, arg, constraint)
            elif op == "$within":
                box = arg.get("$box") if isinstance(arg, dict) else None
                if not isinstance(box, list) or len(box) != 2:
                    raise ParseError(INVALID_JSON, "malformatted $within arg")
                ops["$geoWithin"] = {"$box": [v.geopoint_pair(box[0]), v.geopoint_pair(box[1])]}
            elif op == "$geoWithin":
                ops["$geoWithin"] = self.geo_within(arg)
            elif op == "$geoIntersects":
                point = arg.get("$point") if isinstance(arg, dict) else None
                if point is None:
                    raise ParseError(INVALID_JSON, "bad $geoIntersect value; $point should be GeoPoint")
                geometry = {"type": "Point", "coordinates": v.geopoint_pair(point)}
                ops["$geoIntersects"] = {"$geometry": geometry}
            elif op == "$text":
                top["$text"] = self.text(mkey, arg)
            elif op in _SUBQUERY_OPS:
                raise ParseError(INVALID_QUERY, f"{op} must be resolved before storage")
            else:
                raise ParseError(INVALID_JSON, f"bad constraint: {op}")
        out: dict[str, Any] = {mkey: ops} if ops else {}
        out.update(top)
        return out

    # --- operators -----------------------------------------------------------------------
    def bracket(self, ops: dict[str, Any], values: list[Any]) -> None:
        """Keep numbers and booleans apart where the emulator's Python `==` mixes them."""
        if self.dialect.native_regex or not _needs_bracketing(values):
            return
        if all(isinstance(value, bool) for value in values):
            ops["$type"] = "bool"
        else:
            ops["$not"] = {"$type": "bool"}

    def regex_into(self, ops: dict[str, Any], pattern: Any, options: Any) -> None:
        if not isinstance(pattern, str):
            raise ParseError(INVALID_JSON, "bad regex")
        # parse-compat: every adapter accepts the same patterns: what RE2 cannot run
        # (backreferences, look-around) or a pattern over the length cap is a 102 here too.
        compiled = compile_parse_regex(pattern, options or "")
        if self.dialect.native_regex:
            # MongoDB speaks PCRE, so `\Q…\E` from the SDKs passes unchanged.
            ops["$regex"] = pattern
            if options:
                ops["$options"] = options
        else:
            ops["$regex"] = _RE2Regex(compiled)

    def near(self, ops: dict[str, Any], mkey: str, point: Any, constraint: dict[str, Any]) -> None:
        pair = v.geopoint_pair(point)
        distance = _max_distance(constraint)
        if self.for_count:
            # parse-compat: counts turn $nearSphere into $geoWithin $centerSphere.
            if distance is None:
                ops["$exists"] = True
            else:
                ops["$geoWithin"] = {"$centerSphere": [pair, distance]}
            return
        ops["$nearSphere"] = pair
        if distance is not None:
            ops["$maxDistance"] = distance
        self.near_fields.append(mkey)

    def geo_within(self, arg: Any) -> dict[str, Any]:
        if not isinstance(arg, dict):
            raise ParseError(INVALID_JSON, "bad $geoWithin value")
        if "$polygon" in arg:
            points = _polygon_pairs(arg["$polygon"])
            if len(points) < 3:
                raise ParseError(INVALID_JSON, "bad $geoWithin value; Polygon must have at least 3 values")
            return {"$polygon": points}
        if "$centerSphere" in arg:
            center, radius = arg["$centerSphere"]
            return {"$centerSphere": [v.geopoint_pair(center), float(radius)]}
        raise ParseError(INVALID_JSON, "bad $geoWithin value; $polygon or $centerSphere required")

    def text(self, mkey: str, arg: Any) -> dict[str, Any]:
        search = arg.get("$search") if isinstance(arg, dict) else None
        if not isinstance(search, dict) or not isinstance(search.get("$term"), str):
            raise ParseError(INVALID_JSON, "bad $text: $search, should be object with $term")
        out: dict[str, Any] = {"$search": search["$term"]}
        for option in ("$language", "$caseSensitive", "$diacriticSensitive"):
            if option in search:
                out[option] = search[option]
        self.text_fields.append(mkey)
        return out

