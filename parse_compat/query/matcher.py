"""The in-memory evaluator of storage queries over storage documents (see ``storage/base.py``).

``matches(doc, where)`` answers "would a storage adapter return this document for this
``where``?" with MongoDB's semantics, as Parse Server's Mongo adapter produces them. Live Query
uses it, and the parity test holds every adapter to it. What it owns:

- equality: on an array a scalar means "contains"; pointers compare by className + objectId;
  Dates by instant (``createdAt`` / ``updatedAt`` are ISO strings in documents); numbers
  numerically (``1 == 1.0``) but never equal to booleans; ``{"f": null}`` matches a missing
  field;
- type bracketing: ``$lt $lte $gt $gte`` only compare numbers with numbers, strings with
  strings, dates with dates, booleans with booleans; on arrays any element may satisfy each
  bound (each bound separately, as in MongoDB);
- missing fields: ``$ne`` / ``$nin`` match them, ``$exists`` counts an explicit null as
  existing, ``$in: [null]`` matches them;
- ``$containedBy`` follows Parse's Mongo translation ``$nor:[{f:{$elemMatch:{$nin:…}}}]``, so
  a missing field matches;
- ``_rperm`` / ``_wperm`` with ``$in``: a document without the list matches;
- dotted keys walk into objects and fan out over arrays of objects;
- ``$text``, ``$relatedTo``, ``$select``, ``$dontSelect``, ``$inQuery``, ``$notInQuery``
  never match (they are resolved above storage); unknown ``$`` operators raise
  ``ParseError(INVALID_JSON, "bad constraint: $foo")``.

Pure: no I/O, no clock, no module-level mutable state (compiled regexes are cached in
``regex.py``).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from parse_compat.errors import INVALID_JSON, INVALID_QUERY, ParseError
from parse_compat.query.geo_operators import (
    MAX_DISTANCE_DIVISORS,
    geo_intersects,
    geo_within,
    near_sphere,
    within_box,
)
from parse_compat.query.regex import compile_parse_regex

__all__ = ("matches",)

Document = Mapping[str, Any]

ACL_KEYS = frozenset({"_rperm", "_wperm"})
DATE_STRING_KEYS = frozenset({"createdAt", "updatedAt"})

_COMPARATORS: Mapping[str, Callable[[Any, Any], bool]] = MappingProxyType({
    "$lt": operator.lt,
    "$lte": operator.le,
    "$gt": operator.gt,
    "$gte": operator.ge,
})
# Operators resolved above storage, or needing an index: they never match in memory.
_NEVER_MATCH = frozenset({"$text", "$relatedTo", "$select", "$dontSelect", "$inQuery", "$notInQuery"})
# Operators that only modify another one in the same constraint.
_MODIFIERS = frozenset({"$options"} | set(MAX_DISTANCE_DIVISORS))
_FIELD_OPERATORS = frozenset({
    "$eq", "$ne", "$in", "$nin", "$all", "$containedBy", "$exists", "$regex",
    "$nearSphere", "$within", "$geoWithin", "$geoIntersects",
}) | frozenset(_COMPARATORS) | _MODIFIERS | _NEVER_MATCH
_LOGICAL = frozenset({"$or", "$and", "$nor"})
_TOP_LEVEL_NEVER_MATCH = frozenset({"$relatedTo", "$text"})


def matches(doc: Document, where: Mapping[str, Any]) -> bool:
    """Whether the storage document ``doc`` satisfies the storage query ``where``."""
    if not isinstance(where, Mapping):
        raise ParseError(INVALID_JSON, "where must be a JSON object")
    return _match_where(doc, where)


# --- structure --------------------------------------------------------------------------


def _match_where(doc: Document, where: Mapping[str, Any]) -> bool:
    # Every clause is evaluated (no short-circuit) so a malformed clause raises whatever the
    # document, as it would in the database.
    results = [
        _match_top_operator(doc, key, cond) if key.startswith("$") else _match_field(doc, key, cond)
        for key, cond in where.items()
    ]
    return all(results)


def _match_top_operator(doc: Document, key: str, cond: Any) -> bool:
    if key in _LOGICAL:
        if not isinstance(cond, list):
            raise ParseError(INVALID_QUERY, f"Bad {key} format - use an array value.")
        if key == "$nor" and not cond:
            raise ParseError(INVALID_QUERY, "Bad $nor format - use an array of at least 1 value.")
        results = []
        for sub in cond:
            if not isinstance(sub, Mapping):
                raise ParseError(INVALID_QUERY, f"Bad {key} format - use an array of objects.")
            results.append(_match_where(doc, sub))
        if key == "$or":
            return any(results)
        if key == "$and":
            return all(results)
        return not any(results)
    if key in _TOP_LEVEL_NEVER_MATCH:
        return False
    raise ParseError(INVALID_JSON, f"bad constraint: {key}")


def _is_constraint(cond: Any) -> bool:
    """A dict of ``$`` operators (as opposed to a literal value to compare with)."""
    if not isinstance(cond, Mapping) or not any(isinstance(k, str) and k.startswith("$") for k in cond):
        return False
    for k in cond:
        if not (isinstance(k, str) and k.startswith("$")):
            raise ParseError(INVALID_JSON, f"bad constraint: {k}")
    return True


def _match_field(doc: Document, key: str, cond: Any) -> bool:
    values = _resolve(doc, key)
    if _is_constraint(cond):
        return _match_constraint(key, values, cond)
    if key in DATE_STRING_KEYS and isinstance(cond, str):
        # parse-compat: Parse turns a plain string compared with createdAt/updatedAt into a
        # Date (only for direct equality; inside operators a string stays a string).
        cond = {"__type": "Date", "iso": cond}
    return _eq_any(values, cond)


def _resolve(doc: Document, key: str) -> list[Any]:
    """Every value ``key`` reaches in ``doc``; empty when the field is missing.

    Dotted keys walk into objects; through an array they fan out over its object elements
    (and a numeric part also indexes the array), as MongoDB paths do.
    """
    head, *rest = key.split(".")
    if head not in doc:
        return []
    top = doc[head]
    if head in DATE_STRING_KEYS and isinstance(top, str):
        top = {"__type": "Date", "iso": top}
    values = [top]
    for part in rest:
        stepped: list[Any] = []
        for value in values:
            if isinstance(value, Mapping):
                if part in value:
                    stepped.append(value[part])
            elif isinstance(value, list):
                if part.isdigit() and int(part) < len(value):
                    stepped.append(value[int(part)])
                stepped.extend(e[part] for e in value if isinstance(e, Mapping) and part in e)
        values = stepped
    return values


# --- constraints ------------------------------------------------------------------------


def _match_constraint(key: str, values: list[Any], cond: Mapping[str, Any]) -> bool:
    unknown = [op for op in cond if op not in _FIELD_OPERATORS]
    if unknown:
        raise ParseError(INVALID_JSON, f"bad constraint: {unknown[0]}")
    results = [_match_operator(key, values, op, arg, cond) for op, arg in cond.items() if op not in _MODIFIERS]
    return all(results)


def _match_operator(key: str, values: list[Any], op: str, arg: Any, cond: Mapping[str, Any]) -> bool:
    if op in _COMPARATORS:
        return _compare_any(values, op, arg)
    if op == "$eq":
        return _eq_any(values, arg)
    if op == "$ne":
        return not _eq_any(values, arg)
    if op == "$in":
        return _in(key, values, _list_arg(op, arg, flatten=True))
    if op == "$nin":
        return not _in(None, values, _list_arg(op, arg, flatten=True))
    if op == "$exists":
        return bool(values) == bool(arg)
    if op == "$all":
        return _all(values, _list_arg(op, arg))
    if op == "$containedBy":
        return _contained_by(values, _list_arg(op, arg))
    if op == "$regex":
        return _regex(values, arg, cond.get("$options"))
    if op == "$nearSphere":
        return near_sphere(values, arg, cond)
    if op == "$within":
        return within_box(values, arg)
    if op == "$geoWithin":
        return geo_within(values, arg)
    if op == "$geoIntersects":
        return geo_intersects(values, arg)
    return False  # _NEVER_MATCH


def _list_arg(op: str, arg: Any, flatten: bool = False) -> list[Any]:
    if not isinstance(arg, list):
        raise ParseError(INVALID_JSON, f"bad {op} value")
    if not flatten:
        return arg
    # parse-compat: Parse flattens nested arrays in $in / $nin.
    out: list[Any] = []
    for item in arg:
        out.extend(item if isinstance(item, list) else [item])
    return out


def _candidates(values: list[Any]) -> list[Any]:
    """The values plus, for arrays, their elements (what array-aware operators look at)."""
    out: list[Any] = []
    for value in values:
        if isinstance(value, list):
            out.extend(value)
        else:
            out.append(value)
    return out


def _eq_any(values: list[Any], target: Any) -> bool:
    if not values:
        return target is None
    return any(_equal(v, target) or (isinstance(v, list) and any(_equal(e, target) for e in v))
               for v in values)


def _in(key: str | None, values: list[Any], items: list[Any]) -> bool:
    if key in ACL_KEYS and all(v is None for v in values):
        return True  # no ACL list: public
    return any(_eq_any(values, item) for item in items)


def _is_regex_item(item: Any) -> bool:
    return isinstance(item, Mapping) and "$regex" in item


def _all(values: list[Any], items: list[Any]) -> bool:
    regexes = [_is_regex_item(item) for item in items]
    if any(regexes) and not all(regexes):
        raise ParseError(INVALID_JSON, "All $all values must be of regex type or none")
    if not items:
        return False  # MongoDB: {$all: []} matches nothing
    results = [
        _regex(values, item["$regex"], item.get("$options")) if is_regex else _eq_any(values, item)
        for item, is_regex in zip(items, regexes, strict=True)
    ]
    return all(results)


def _contained_by(values: list[Any], items: list[Any]) -> bool:
    # parse-compat: Parse's Mongo adapter sends $nor:[{f:{$elemMatch:{$nin: items}}}]: only an
    # array with an element outside ``items`` fails; missing fields and scalars match.
    for value in values:
        if isinstance(value, list) and any(not any(_eq_any([e], item) for item in items) for e in value):
            return False
    return True


def _regex(values: list[Any], pattern: Any, options: Any) -> bool:
    if not isinstance(pattern, str):
        raise ParseError(INVALID_JSON, f"bad regex: {pattern!r}")
    if options is None:
        options = ""
    elif not isinstance(options, str):
        raise ParseError(INVALID_QUERY, "$options value must be a string")
    compiled = compile_parse_regex(pattern, options)
    return any(isinstance(c, str) and compiled.search(c) is not None for c in _candidates(values))


# --- equality and ordering --------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _parse_iso(iso: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _sort_key(value: Any) -> tuple[str, Any] | None:
    """(type bracket, comparable) for values that order, else None."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, Mapping) and value.get("__type") == "Date" and isinstance(value.get("iso"), str):
        instant = _parse_iso(value["iso"])
        return ("date", instant) if instant is not None else None
    return None


def _equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    ka, kb = _sort_key(a), _sort_key(b)
    if ka is not None or kb is not None:
        return ka == kb
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        type_a, type_b = a.get("__type"), b.get("__type")
        if type_a == "Pointer" or type_b == "Pointer":
            return (type_a == type_b and a.get("className") == b.get("className")
                    and a.get("objectId") == b.get("objectId"))
        if type_a == "File" or type_b == "File":
            return type_a == type_b and a.get("name") == b.get("name")
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return False


def _compare_any(values: list[Any], op: str, arg: Any) -> bool:
    if arg is None:
        # MongoDB: {$lte: null} / {$gte: null} match null and missing; $lt / $gt nothing.
        return op in ("$lte", "$gte") and _eq_any(values, None)
    if isinstance(arg, Mapping) and "$relativeTime" in arg:
        raise ParseError(INVALID_JSON, "$relativeTime must be resolved before matching")
    bound = _sort_key(arg)
    if bound is None:
        return False
    compare = _COMPARATORS[op]
    for candidate in _candidates(values):
        key = _sort_key(candidate)
        if key is not None and key[0] == bound[0] and compare(key[1], bound[1]):
            return True
    return False
