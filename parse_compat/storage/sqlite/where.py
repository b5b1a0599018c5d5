"""Compile a storage query (Parse `where`, see storage/base.py) into a SQLite WHERE clause.

Rows hold `objectId`, `createdAt`, `updatedAt`, `_rperm`, `_wperm` as columns and every other
field inside the JSON column `data`. Field paths are validated identifiers, so they can be
written into the SQL text (which lets SQLite use the expression indexes); values always
travel as parameters.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from ...codec.dates import canonical_iso
from ...codec.scalars import are_int64_scalars, pointer_parts
from ...errors import INVALID_JSON, INVALID_KEY_NAME, INVALID_QUERY, ParseError
from ...query.regex import compile_parse_regex
from ..base import ClassSchema
from . import acl_index
from .where_geo import GeoClauses, geopoint

COLUMNS = ("objectId", "createdAt", "updatedAt")
ACL_COLUMNS = ("_rperm", "_wperm")
PATH_PART = re.compile(r"^[A-Za-z0-9_]+$")
INLINE_IN_LIMIT = 50


def json_path(parts: list[str]) -> str:
    for part in parts:
        if not PATH_PART.match(part):
            raise ParseError(INVALID_KEY_NAME, f"Invalid field name: {'.'.join(parts)}.")
    return "$" + "".join(f'."{part}"' for part in parts)


def field_expr(parts: list[str], suffix: str = "") -> str:
    return f"json_extract(data, '{json_path(parts)}{suffix}')"


@dataclass
class Compiled:
    sql: str
    params: list[Any] = field(default_factory=list)
    # (expression, params) to order by distance for $nearSphere
    distance_order: tuple[str, list[Any]] | None = None


@dataclass
class _Field:
    """How one where key is read in SQL, given its schema type."""

    expr: str  # the value expression (for Dates: the iso text; for Pointers: the objectId)
    raw: str  # the JSON value itself (json_extract of the whole field)
    type_expr: str | None  # json_type(...) of the raw value, None for columns
    kind: str | None  # schema type or None when unknown (nested keys)
    parts: list[str]


class WhereCompiler(GeoClauses):
    """Turns one `where` into SQL for one class's table."""

    def __init__(self, schema: ClassSchema, table_alias: str = "t") -> None:
        self.schema = schema
        self.alias = table_alias
        self.distance_order: tuple[str, list[Any]] | None = None
        self.acl_only = False

    def compile(self, where: dict[str, Any]) -> Compiled:
        """The WHERE clause, permission first: the ACL terms lead, and every term that calls a
        costly function (regex, text, geo) is guarded by them (``CASE WHEN acl THEN …``), since
        SQLite defers correlated sub-queries such as the ACL probe after plain terms. A caller
        pays only for rows it may read, and a regex's timing says nothing about the others."""
        if not isinstance(where, dict):
            raise ParseError(INVALID_QUERY, "where must be an object")
        self.acl_only = _only_acl(where)
        acl: list[tuple[str, list[Any]]] = []
        cheap: list[tuple[str, list[Any]]] = []
        costly: list[tuple[str, list[Any]]] = []
        for key, constraint in _top_level_items(where):
            params: list[Any] = []
            sql = self._key(key, constraint, params)
            (acl if key in ACL_COLUMNS else costly if is_costly(sql) else cheap).append((sql, params))
        if acl and costly:
            acl_sql = " AND ".join(f"({sql})" for sql, _ in acl)
            acl_params = [p for _, params in acl for p in params]
            costly = [(f"CASE WHEN {acl_sql} THEN ({sql}) ELSE 0 END", [*acl_params, *params])
                      for sql, params in costly]
        clauses = [*acl, *cheap, *costly]
        sql = " AND ".join(f"({sql})" for sql, _ in clauses) if clauses else "1"
        return Compiled(sql, [p for _, params in clauses for p in params], self.distance_order)

    # --- structure ---------------------------------------------------------------------
    def _conjunction(self, where: dict[str, Any], params: list[Any]) -> str:
        if not isinstance(where, dict):
            raise ParseError(INVALID_QUERY, "where must be an object")
        clauses: list[str] = []
        for key, constraint in where.items():
            clauses.append(self._key(key, constraint, params))
        return " AND ".join(f"({c})" for c in clauses) if clauses else "1"

    def _key(self, key: str, constraint: Any, params: list[Any]) -> str:
        if key in ("$or", "$and", "$nor"):
            if not isinstance(constraint, list) or (key == "$nor" and not constraint):
                raise ParseError(INVALID_QUERY, f"Bad {key} format - use an array value.")
            parts = [self._conjunction(sub, params) for sub in constraint]
            if not parts:
                return "1" if key == "$and" else "0"
            if key == "$and":
                return " AND ".join(f"({p})" for p in parts)
            joined = " OR ".join(f"({p})" for p in parts)
            return joined if key == "$or" else f"NOT COALESCE(({joined}), 0)"
        if key in ACL_COLUMNS:
            return self._acl(key, constraint, params)
        if key.startswith("$"):
            raise ParseError(INVALID_JSON, f"bad constraint: {key}")
        ref = self._field(key)
        if isinstance(constraint, dict) and any(k.startswith("$") for k in constraint):
            return self._operators(ref, constraint, params)
        return self._equals(ref, constraint, params)

    def _acl(self, column: str, constraint: Any, params: list[Any]) -> str:
        if not isinstance(constraint, dict) or set(constraint) != {"$in"} or not isinstance(
            constraint["$in"], list
        ):
            raise ParseError(INVALID_QUERY, f"unsupported constraint on {column}")
        names = [v for v in constraint["$in"] if isinstance(v, str)]
        col = f"{self.alias}.{column}"
        if not names:
            return f"{col} IS NULL"
        if column in acl_index.PERMS:
            return acl_index.constraint(self.alias, self.schema.class_name, column, names, params,
                                        drives_query=self.acl_only)
        params.extend(names)
        marks = ",".join("?" * len(names))
        return f"{col} IS NULL OR EXISTS (SELECT 1 FROM json_each({col}) WHERE value IN ({marks}))"

    def _field(self, key: str) -> _Field:
        if key in COLUMNS:
            column_kind = "String" if key == "objectId" else "Date"
            return _Field(f"{self.alias}.{key}", f"{self.alias}.{key}", None, column_kind, [key])
        parts = key.split(".")
        kind = self.schema.field_type(parts[0]) if len(parts) == 1 else None
        raw = field_expr(parts)
        type_expr = f"json_type(data, '{json_path(parts)}')"
        if kind == "Date":
            return _Field(field_expr(parts, ".iso"), raw, type_expr, kind, parts)
        if kind == "Pointer":
            return _Field(field_expr(parts, ".objectId"), raw, type_expr, kind, parts)
        if kind == "File":  # stored as {"__type": "File", "name": ...}; compared by name
            return _Field(field_expr(parts, ".name"), raw, type_expr, kind, parts)
        return _Field(raw, raw, type_expr, kind, parts)

    # --- values ------------------------------------------------------------------------
    def _scalar(self, ref: _Field, value: Any) -> Any:
        """The SQL parameter a where value compares as, for this field."""
        if isinstance(value, dict):
            kind = value.get("__type")
            if kind == "Date":
                return canonical_iso(str(value.get("iso", "")))
            if kind in ("Pointer", "Object"):
                return _sql_scalar(value.get("objectId"))
            if kind == "File":
                return _sql_scalar(value.get("name"))
            raise ParseError(INVALID_JSON, f"bad value in query: {json.dumps(value)[:80]}")
        if isinstance(value, list):
            raise ParseError(INVALID_JSON, f"You cannot use {value} as a query parameter.")
        return _sql_scalar(value)

    def _type_guard(self, ref: _Field, value: Any) -> str:
        """MongoDB compares only like with like; untyped (nested) fields need the check."""
        if ref.type_expr is None or isinstance(value, dict):
            return ""
        if isinstance(value, bool):
            return f" AND {ref.type_expr} IN ('true','false')"
        if isinstance(value, (int, float)):
            return f" AND {ref.type_expr} IN ('integer','real')"
        if isinstance(value, str):
            return f" AND {ref.type_expr} = 'text'"
        return ""

    def _equals(self, ref: _Field, value: Any, params: list[Any]) -> str:
        if value is None:
            return f"{ref.raw} IS NULL"
        if ref.kind == "Array" and not isinstance(value, list):
            params.append(json.dumps(value))
            return f"pc_contains({ref.raw}, ?)"
        if isinstance(value, dict) and value.get("__type") is None:
            if ref.type_expr is None or ref.kind not in (None, "Object"):
                return "0"  # a plain object never equals a column, a string, a number...
            params.append(json.dumps(value, sort_keys=True))
            return self._json_equals(ref)
        if isinstance(value, list):
            if ref.kind is None and ref.type_expr is not None:
                params.append(json.dumps(value))
                return self._json_equals(ref)
            raise ParseError(INVALID_JSON, f"You cannot use {value} as a query parameter.")
        if ref.kind == "Date" and isinstance(value, str):
            if ref.type_expr is not None:
                return "0"  # a Date field never equals a plain string (MongoDB semantics)
            params.append(canonical_iso(value))
            return f"{ref.expr} = ?"
        params.append(self._scalar(ref, value))
        clause = f"{ref.expr} = ?{self._type_guard(ref, value)}"
        if ref.kind == "Pointer" and isinstance(value, dict) and isinstance(value.get("className"), str):
            params.append(value["className"])
            clause += f" AND {field_expr(ref.parts, '.className')} = ?"
        return clause

    @staticmethod
    def _json_equals(ref: _Field) -> str:
        """Compare a stored object/array with a JSON parameter; scalars never match."""
        return (f"CASE WHEN {ref.type_expr} IN ('object', 'array') THEN json({ref.raw}) = json(?) "
                "ELSE 0 END")

    def _operators(self, ref: _Field, ops: dict[str, Any], params: list[Any]) -> str:
        clauses: list[str] = []
        for op, value in ops.items():
            if op in ("$options", "$maxDistance", "$maxDistanceInRadians", "$maxDistanceInMiles",
                      "$maxDistanceInKilometers"):
                continue
            clauses.append(self._operator(ref, op, value, ops, params))
        return " AND ".join(f"({c})" for c in clauses) if clauses else "1"

    def _operator(self, ref: _Field, op: str, value: Any, ops: dict[str, Any],
                  params: list[Any]) -> str:
        if op in ("$lt", "$lte", "$gt", "$gte"):
            symbol = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}[op]
            if value is None or isinstance(value, (list, bool)) and ref.kind != "Boolean":
                return "0"
            if ref.kind == "Date" and isinstance(value, str):
                return "0"  # comparisons need a Date, as in MongoDB
            if ref.kind == "Array":
                params.append(self._scalar(ref, value))
                return (f"EXISTS (SELECT 1 FROM json_each({ref.raw}) WHERE "
                        f"json_each.type IN ('integer','real','text') AND json_each.value {symbol} ?)")
            params.append(self._scalar(ref, value))
            return f"{ref.expr} {symbol} ?{self._type_guard(ref, value)}"
        if op == "$eq":
            return self._equals(ref, value, params)
        if op == "$ne":
            if value is None:
                return f"{ref.raw} IS NOT NULL"
            return f"NOT COALESCE(({self._equals(ref, value, params)}), 0)"
        if op in ("$in", "$nin"):
            if not isinstance(value, list):
                raise ParseError(INVALID_JSON, f"bad {op} value")
            clause = self._in(ref, value, params)
            return clause if op == "$in" else f"NOT COALESCE(({clause}), 0)"
        if op == "$exists":
            if not isinstance(value, bool):
                raise ParseError(INVALID_JSON, "bad $exists value")
            target = ref.type_expr or ref.raw
            return f"{target} IS NOT NULL" if value else f"{target} IS NULL"
        if op == "$all":
            return self._all(ref, value, params)
        if op == "$containedBy":
            if not isinstance(value, list):
                raise ParseError(INVALID_JSON, "bad $containedBy: should be an array")
            params.append(json.dumps(value))
            return f"pc_contained_by({ref.raw}, ?)"
        if op == "$regex":
            options = ops.get("$options", "")
            if not isinstance(value, str) or not isinstance(options, str):
                raise ParseError(INVALID_QUERY, "bad $regex")
            compile_parse_regex(value, options)  # refused here (102), not row by row in SQLite
            params.extend([value, options])
            if ref.kind == "Array":
                return f"pc_any_regex({ref.raw}, ?, ?)"
            return f"pc_regex(?, ?, {ref.expr})"
        if op == "$nearSphere":
            return self._near(ref, value, ops, params)
        if op == "$within":
            return self._within(ref, value, params)
        if op == "$geoWithin":
            return self._geo_within(ref, value, params)
        if op == "$geoIntersects":
            point = value.get("$point") if isinstance(value, dict) else None
            lat, lng = geopoint(point)
            params.extend([lat, lng])
            return f"pc_polygon_contains(json_extract({ref.raw}, '$.coordinates'), ?, ?)"
        if op == "$text":
            search = value.get("$search") if isinstance(value, dict) else None
            term = search.get("$term") if isinstance(search, dict) else None
            if not isinstance(search, dict) or not isinstance(term, str):
                raise ParseError(INVALID_JSON, "bad $text: $search.$term should be a string")
            case = search.get("$caseSensitive", False)
            diacritic = search.get("$diacriticSensitive", False)
            if not isinstance(case, bool) or not isinstance(diacritic, bool):
                raise ParseError(INVALID_JSON, "bad $text: $caseSensitive/$diacriticSensitive should be booleans")
            params.extend([term, int(case), int(diacritic)])
            return f"pc_text({ref.expr}, ?, ?, ?)"
        raise ParseError(INVALID_JSON, f"bad constraint: {op}")

    def _in(self, ref: _Field, values: list[Any], params: list[Any]) -> str:
        plain = are_int64_scalars(values)  # (a long `$in` of strings, numbers...) each binds as is
        flat = values
        if not plain and any(map(isinstance, values, repeat(list))):
            flat = []
            for item in values:
                flat.extend(item if isinstance(item, list) else [item])
        has_null = None in flat  # (JSON values: only None equals None)
        present = [v for v in flat if v is not None] if has_null else flat
        clauses: list[str] = []
        if ref.kind == "Array":
            if present:
                params.append(json.dumps(present))
                clauses.append(f"pc_contains_any({ref.raw}, ?)")
        elif present:
            converted = present if plain else _pointer_ids(present)
            if converted is None:
                converted = [self._scalar(ref, v) for v in present]
            if len(converted) > INLINE_IN_LIMIT:
                # One parameter however long the list: SQLite caps the number of parameters.
                params.append(json.dumps(converted))
                clauses.append(f"{ref.expr} IN (SELECT value FROM json_each(?))")
            else:
                params.extend(converted)
                clauses.append(f"{ref.expr} IN ({','.join('?' * len(converted))})")
        if has_null:
            clauses.append(f"{ref.raw} IS NULL")
        return " OR ".join(f"({c})" for c in clauses) if clauses else "0"

    def _all(self, ref: _Field, values: Any, params: list[Any]) -> str:
        if not isinstance(values, list):
            raise ParseError(INVALID_JSON, "bad $all value")
        regexes = [v for v in values if isinstance(v, dict) and "$regex" in v]
        if regexes and len(regexes) != len(values):
            raise ParseError(INVALID_JSON, "All $all values must be of regex type or none")
        if not values:
            return "0"
        clauses = []
        for item in values:
            if isinstance(item, dict) and "$regex" in item:
                pattern, options = item["$regex"], item.get("$options") or ""
                if not isinstance(pattern, str) or not isinstance(options, str):
                    raise ParseError(INVALID_QUERY, "bad $regex")
                compile_parse_regex(pattern, options)
                params.extend([pattern, options])
                clauses.append(f"pc_any_regex({ref.raw}, ?, ?)")
            else:
                params.append(json.dumps(item))
                clauses.append(f"pc_contains({ref.raw}, ?)")
        return " AND ".join(clauses)


SQLITE_INT_MAX = 2**63 - 1


def _pointer_ids(values: list[Any]) -> list[Any] | None:
    """The objectIds of a list of pointers (a long `$in` of them), what ``_scalar`` binds for
    each, in one pass; None for any other list."""
    parts = pointer_parts(values)
    return parts[1] if parts is not None and are_int64_scalars(parts[1]) else None


def _sql_scalar(value: Any) -> Any:
    """A query value SQLite can bind: numbers beyond 64 bits become floats; anything that is not
    a scalar is not a valid value here."""
    if isinstance(value, int) and not isinstance(value, bool) and not -SQLITE_INT_MAX - 1 <= value <= SQLITE_INT_MAX:
        return float(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise ParseError(INVALID_JSON, "bad value in query")


COSTLY_FUNCTIONS = ("pc_regex(", "pc_any_regex(", "pc_text(", "pc_distance(", "pc_in_polygon(",
                    "pc_polygon_contains(")


def is_costly(sql: str) -> bool:
    return any(name in sql for name in COSTLY_FUNCTIONS)


def _top_level_items(where: dict[str, Any]) -> list[tuple[str, Any]]:
    """The (key, constraint) pairs of a where, with top-level ``$and`` lists flattened."""
    items: list[tuple[str, Any]] = []
    for key, value in where.items():
        if key == "$and" and isinstance(value, list) and all(isinstance(part, dict) for part in value):
            for part in value:
                items.extend(_top_level_items(part))
        else:
            items.append((key, value))
    return items


def _only_acl(where: Any) -> bool:
    """True when nothing but ACL lists constrains the query (top-level `$and` flattened)."""
    if not isinstance(where, dict):
        return False
    for key, value in where.items():
        if key == "$and" and isinstance(value, list):
            if not all(_only_acl(part) for part in value):
                return False
        elif key not in ACL_COLUMNS:
            return False
    return True
