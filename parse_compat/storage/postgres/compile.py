"""Compile the typed query tree (``query/tree.py``) into a PostgreSQL WHERE clause for one
class table in Parse Server's layout (``layout.py``).

Values always travel as ``$n`` parameters; field paths are validated identifiers (``query/parse.py``)
and are written quoted. Every leaf answers true or false, never NULL (``COALESCE``), so ``$nor``,
``$ne`` and ``$nin`` are plain ``NOT``s. Semantics follow the in-memory matcher (MongoDB's):
strings compare byte-wise (``COLLATE "C"``), only like types compare, a scalar equals an array that
contains it, and an ACL list is matched with ``_rperm && $n`` so the GIN index on it serves.

Geo runs on PostgreSQL's own ``point`` / ``polygon`` types (distances by the haversine formula),
so no extension is needed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from asyncpg.types import Point, Polygon

from ...codec.dates import format_iso
from ...errors import INVALID_QUERY, ParseError
from ...query import tree as t
from ...query.regex import translate_pcre

RE2_HEX_ESCAPE = re.compile(r"\\x\{([0-9a-fA-F]+)\}")
NAMED_GROUP = re.compile(r"\(\?<[A-Za-z_][A-Za-z0-9_]*>")
ARRAY_CASTS = {"text": "::text[]", "timestamptz": "::timestamptz[]", "double precision": "::float8[]",
               "boolean": "::boolean[]"}
# $text: MongoDB's reading of a search term (a word, a "phrase", a -negation), as the SQLite adapter reads it.
TEXT_WORD = re.compile(r"\w+", re.UNICODE)
TEXT_TERM = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')
WORD_START, WORD_END = r"\m", r"\M"  # PostgreSQL ARE word boundaries
TRUE = "TRUE"
FALSE = "FALSE"


@dataclass
class Compiled:
    sql: str
    params: list[Any] = field(default_factory=list)
    # (expression) to order by distance for $nearSphere when no sort is given
    distance_order: str | None = None


class WhereCompiler:
    """Turns one tree into SQL for a table whose columns are ``columns`` (name → SQL type)."""

    def __init__(self, columns: dict[str, str], fields: dict[str, dict[str, Any]],
                 params: list[Any] | None = None) -> None:
        self.columns = columns
        self.fields = fields
        self.params: list[Any] = params if params is not None else []
        self.distance_order: str | None = None

    def compile(self, node: t.Node) -> Compiled:
        return Compiled(self.node(node), self.params, self.distance_order)

    def param(self, value: Any, cast: str = "") -> str:
        self.params.append(value)
        return f"${len(self.params)}{cast}"

    # --- structure ---------------------------------------------------------------------
    def node(self, node: t.Node) -> str:
        if isinstance(node, t.And):
            return _join(" AND ", [self.node(c) for c in node.children], TRUE)
        if isinstance(node, t.Or):
            return _join(" OR ", [self.node(c) for c in node.children], FALSE)
        if isinstance(node, t.Nor):
            return f"NOT ({_join(' OR ', [self.node(c) for c in node.children], FALSE)})"
        if isinstance(node, t.Permission):
            column = f"t.{_q(node.column)}"
            if not node.names:
                return f"({column} IS NULL)"
            return f"({column} IS NULL OR {column} && {self.param(list(node.names), '::text[]')})"
        return f"COALESCE(({self.leaf(node)}), FALSE)"

    def leaf(self, node: t.Node) -> str:
        if isinstance(node, t.Equals):
            clause = self.equals(node.field, node.value)
            return f"NOT COALESCE(({clause}), FALSE)" if node.negated else clause
        if isinstance(node, t.In):
            clause = self.in_(node.field, node.values)
            return f"NOT COALESCE(({clause}), FALSE)" if node.negated else clause
        if isinstance(node, t.Compare):
            return self.compare(node)
        if isinstance(node, t.Exists):
            return f"{self.expr(node.field)[0]} IS {'NOT ' if node.present else ''}NULL"
        if isinstance(node, t.Regex):
            return self.regex(node)
        if isinstance(node, t.All):
            return self.all(node)
        if isinstance(node, t.ContainedBy):
            expr, kind = self.expr(node.field)
            if kind not in ("jsonb", "text[]"):
                return TRUE  # only an array with an element outside the list fails
            array = f"to_jsonb({expr})" if kind == "text[]" else expr
            values = self.param(json.dumps([_json(v) for v in node.values]), "::jsonb")
            return f"{array} IS NULL OR jsonb_typeof({array}) <> 'array' OR {array} <@ {values}"
        if isinstance(node, t.Text):
            return self.text(node)
        return self.geo(node)

    # --- field access ------------------------------------------------------------------
    def expr(self, ref: t.FieldRef) -> tuple[str, str]:
        """(SQL expression, its flavour): a column type, or ``jsonb`` for nested / unknown."""
        kind = self.columns.get(ref.name)
        if kind is None:
            return "NULL::jsonb", "jsonb"
        column = f"t.{_q(ref.name)}"
        if not ref.nested:
            return column, kind
        if kind != "jsonb":
            return "NULL::jsonb", "jsonb"
        path = ",".join(ref.path[1:])
        return f"({column} #> '{{{path}}}')", "jsonb"

    def spec(self, ref: t.FieldRef) -> dict[str, Any]:
        return self.fields.get(ref.name) or {}

    # --- equality ----------------------------------------------------------------------
    def equals(self, ref: t.FieldRef, value: t.Value) -> str:
        expr, kind = self.expr(ref)
        if value is None:
            return f"{expr} IS NULL" if kind != "jsonb" else f"{expr} IS NULL OR {expr} = 'null'::jsonb"
        if kind == "jsonb":
            return self.json_equals(expr, value)
        if kind == "text[]":
            return f"{self.param(value)}::text = ANY({expr})" if isinstance(value, str) else FALSE
        scalar = self.scalar(ref, kind, value)
        return FALSE if scalar is None else f"{expr} = {scalar}"

    def json_equals(self, expr: str, value: t.Value) -> str:
        if isinstance(value, t.PointerValue):
            pointer = self.param(json.dumps(_json(value)), "::jsonb")
            return (f"(jsonb_typeof({expr}) = 'object' AND {expr} @> {pointer}) OR "
                    f"(jsonb_typeof({expr}) = 'array' AND {expr} @> jsonb_build_array({pointer}))")
        encoded = self.param(json.dumps(_json(value)), "::jsonb")
        return (f"{expr} = {encoded} OR "
                f"(jsonb_typeof({expr}) = 'array' AND {expr} @> jsonb_build_array({encoded}))")

    def scalar(self, ref: t.FieldRef, kind: str, value: t.Value) -> str | None:
        """``value`` as a parameter comparable with a column of ``kind``; None when no stored
        value of that column can equal it."""
        if kind == "text":
            member = self.member(ref, kind, value)
            return None if member is None else self.param(member, "::text")
        if kind == "timestamptz":
            return self.param(value.instant, "::timestamptz") if isinstance(value, t.DateValue) else None
        if kind == "double precision":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return self.param(float(value), "::float8")
            return None
        if kind == "boolean":
            return self.param(value, "::boolean") if isinstance(value, bool) else None
        return None

    def member(self, ref: t.FieldRef, kind: str, value: t.Value) -> Any:
        """``value`` as an element of an ``= ANY(array)`` parameter for a column of ``kind``."""
        if kind == "text":
            if isinstance(value, t.PointerValue):
                target = self.spec(ref).get("targetClass")
                if value.class_name is not None and target is not None and value.class_name != target:
                    return None
                return value.object_id
            if isinstance(value, t.FileValue):
                return value.name
            if self.spec(ref).get("type") in ("Pointer", "File"):
                return None  # a plain string never equals a stored pointer or file (MongoDB semantics)
            return value if isinstance(value, str) else None
        if kind == "timestamptz":
            return value.instant if isinstance(value, t.DateValue) else None
        if kind == "double precision":
            return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        if kind == "boolean":
            return value if isinstance(value, bool) else None
        return None

    def members(self, ref: t.FieldRef, kind: str, values: list[t.Value]) -> list[Any]:
        """``member`` of each value, the ones that can match; a long list of strings or of numbers
        (a long `$in`) is taken in one pass."""
        kinds = set(map(type, values))
        if kind == "text" and kinds == {str}:
            return [] if self.spec(ref).get("type") in ("Pointer", "File") else values
        if kind == "double precision" and kinds and kinds <= {int, float}:
            return list(map(float, values))
        if kind == "text" and kinds == {t.PointerValue}:
            target = self.spec(ref).get("targetClass")
            return [v.object_id for v in values if v.class_name is None or target is None or v.class_name == target]
        return [m for m in (self.member(ref, kind, v) for v in values) if m is not None]

    def in_(self, ref: t.FieldRef, values: tuple[t.Value, ...]) -> str:
        expr, kind = self.expr(ref)
        clauses: list[str] = []
        present = [v for v in values if v is not None]
        if kind == "jsonb":
            if present:
                items = self.param(json.dumps([_json(v) for v in present]), "::jsonb")
                clauses.append(f"EXISTS (SELECT 1 FROM jsonb_array_elements({items}) AS v(x) WHERE {expr} = v.x "
                               f"OR (jsonb_typeof({expr}) = 'array' AND {expr} @> jsonb_build_array(v.x)) "
                               f"OR (jsonb_typeof(v.x) = 'object' AND v.x->>'__type' = 'Pointer' "
                               f"AND jsonb_typeof({expr}) = 'object' AND {expr} @> v.x))")
            if len(present) != len(values):
                clauses.append(f"{expr} IS NULL OR {expr} = 'null'::jsonb")
        else:
            if kind == "text[]":
                strings = [v for v in present if isinstance(v, str)]
                if strings:
                    clauses.append(f"{expr} && {self.param(strings, '::text[]')}")
            else:
                members = self.members(ref, kind, present)
                if members and kind in ARRAY_CASTS:
                    # One array parameter however long the list (PostgreSQL caps a statement's parameters).
                    clauses.append(f"{expr} = ANY({self.param(members, ARRAY_CASTS[kind])})")
            if len(present) != len(values):
                clauses.append(f"{expr} IS NULL")
        return _join(" OR ", clauses, FALSE)

    # --- ordering ------------------------------------------------------------------------
    def compare(self, node: t.Compare) -> str:
        expr, kind = self.expr(node.field)
        if node.value is None:
            if node.op in ("<=", ">="):
                return f"{expr} IS NULL" if kind != "jsonb" else f"{expr} IS NULL OR {expr} = 'null'::jsonb"
            return FALSE
        if kind in ("jsonb", "text[]"):
            array = f"to_jsonb({expr})" if kind == "text[]" else expr
            element = self.json_compare("e.x", node.op, node.value)
            if element == FALSE:
                return FALSE
            return (f"EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof({array}) = 'array' "
                    f"THEN {array} ELSE jsonb_build_array({array}) END) AS e(x) WHERE {element})")
        if isinstance(node.value, t.PointerValue | t.FileValue):
            return FALSE  # objects do not order (MongoDB brackets them apart from strings)
        scalar = self.scalar(node.field, kind, node.value)
        if scalar is None:
            return FALSE
        collate = ' COLLATE "C"' if kind == "text" else ""
        return f"{expr}{collate} {node.op} {scalar}"

    def json_compare(self, x: str, op: str, value: t.Value) -> str:
        # CASE, not AND: PostgreSQL may evaluate the cast before the type test.
        if isinstance(value, bool):
            return (f"CASE WHEN jsonb_typeof({x}) = 'boolean' THEN ({x})::boolean {op} "
                    f"{self.param(value, '::boolean')} ELSE FALSE END")
        if isinstance(value, int | float):
            return (f"CASE WHEN jsonb_typeof({x}) = 'number' THEN ({x})::numeric {op} "
                    f"{self.param(str(value), '::numeric')} ELSE FALSE END")
        if isinstance(value, str):
            return f"jsonb_typeof({x}) = 'string' AND ({x} #>> '{{}}') COLLATE \"C\" {op} {self.param(value)}"
        if isinstance(value, t.DateValue):
            return (f"jsonb_typeof({x}) = 'object' AND {x}->>'__type' = 'Date' "
                    f"AND ({x}->>'iso') COLLATE \"C\" {op} {self.param(value.iso)}")
        return FALSE

    # --- arrays ----------------------------------------------------------------------------
    def all(self, node: t.All) -> str:
        """Every value equals the field or one of its elements (every regex matches one)."""
        if node.regexes:
            return _join(" AND ", [self.regex(r) for r in node.regexes], TRUE)
        return _join(" AND ", [self.equals(node.field, v) for v in node.values], TRUE)

    def regex(self, node: t.Regex) -> str:
        expr, kind = self.expr(node.field)
        if kind not in ("text", "jsonb", "text[]"):
            return FALSE
        pattern = self.param(pg_regex(node.pattern, node.options))
        if kind == "text":
            return f"{expr} ~ {pattern}"
        array = f"to_jsonb({expr})" if kind == "text[]" else expr
        return (f"EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof({array}) = 'array' "
                f"THEN {array} ELSE jsonb_build_array({array}) END) AS e(x) "
                f"WHERE jsonb_typeof(e.x) = 'string' AND (e.x #>> '{{}}') ~ {pattern})")

    def text(self, node: t.Text) -> str:
        """MongoDB-style ``$text`` on a string field (no stemming): any wanted word or phrase, every
        "phrase", no -negated word; folded for case and diacritics unless asked not to."""
        expr, kind = self.expr(node.field)
        if kind != "text":
            return FALSE
        folded = expr if node.diacritic_sensitive else f"translate({expr}, {self.param(DIACRITICS[0])}, " \
            f"{self.param(DIACRITICS[1])})"
        if not node.case_sensitive:
            folded = f"lower({folded})"
        term = fold_text(node.term, node.case_sensitive, node.diacritic_sensitive)
        required: list[str] = []
        wanted: list[str] = []
        for negated_phrase, phrase, negated, word in TEXT_TERM.findall(term):
            if phrase:
                found = f"strpos({folded}, {self.param(phrase)}) > 0"
                required.append(f"NOT ({found})" if negated_phrase else found)
                if not negated_phrase:
                    wanted.append(found)
                continue
            for token in TEXT_WORD.findall(word):
                pattern = WORD_START + _escape_are(token) + WORD_END
                found = f"{folded} ~ {self.param(pattern)}"
                if negated:
                    required.append(f"NOT ({found})")
                else:
                    wanted.append(found)
        if not wanted:
            return FALSE
        return _join(" AND ", [*required, _join(" OR ", wanted, FALSE)], TRUE)

    # --- geo -------------------------------------------------------------------------------
    def geo(self, node: t.Node) -> str:
        if isinstance(node, t.Intersects):
            expr, kind = self.expr(node.field)
            if kind != "polygon":
                return FALSE
            lng, lat = self.param(node.point.longitude), self.param(node.point.latitude)
            return f"{expr} @> point({lng}::float8, {lat}::float8)"
        if not isinstance(node, t.Near | t.WithinBox | t.WithinPolygon | t.WithinCenterSphere):
            raise ParseError(INVALID_QUERY, f"unsupported query node {type(node).__name__}")
        expr, kind = self.expr(node.field)
        if kind != "point":
            return FALSE
        if isinstance(node, t.Near):
            distance = self.distance(expr, node.center)
            self.distance_order = distance
            return f"{expr} IS NOT NULL" if node.max_radians is None else \
                f"{distance} <= {self.param(node.max_radians)}::float8"
        if isinstance(node, t.WithinCenterSphere):
            return f"{self.distance(expr, node.center)} <= {self.param(node.radians)}::float8"
        if isinstance(node, t.WithinBox):
            sw, ne = node.southwest, node.northeast
            return (f"{expr}[1] BETWEEN {self.param(sw.latitude)}::float8 AND {self.param(ne.latitude)}::float8 "
                    f"AND {expr}[0] BETWEEN {self.param(sw.longitude)}::float8 AND "
                    f"{self.param(ne.longitude)}::float8")
        ring = Polygon(*[Point(p.longitude, p.latitude) for p in node.vertices])
        return f"{self.param(ring)}::polygon @> {expr}"

    def distance(self, expr: str, center: t.GeoPointValue) -> str:
        """Great-circle distance in radians (haversine) between a point column and ``center``."""
        lat = f"{self.param(center.latitude)}::float8"
        lng = f"{self.param(center.longitude)}::float8"
        return (f"(2 * asin(least(1, sqrt(power(sin(radians({expr}[1] - {lat}) / 2), 2) + "
                f"cos(radians({lat})) * cos(radians({expr}[1])) * power(sin(radians({expr}[0] - {lng}) / 2), 2)))))")


def pg_regex(pattern: str, options: str) -> str:
    """A Parse ``$regex`` (PCRE flavoured, already validated by RE2) as a PostgreSQL ARE.

    PostgreSQL's newline modes map PCRE's defaults: without ``s`` a ``.`` does not match a
    newline (``p``), ``m`` makes ``^``/``$`` match at lines (``n``, or ``w`` together with ``s``).
    """
    translated = translate_pcre(pattern, extended="x" in options, multiline="m" in options)
    translated = RE2_HEX_ESCAPE.sub(lambda m: f"\\U{int(m.group(1), 16):08x}", translated)
    translated = translated.replace("\\z", "\\Z").replace("(?P<", "(?<")
    translated = NAMED_GROUP.sub("(", translated)
    dot_all, multiline = "s" in options, "m" in options
    flags = ("w" if multiline else "s") if dot_all else ("n" if multiline else "p")
    if "i" in options:
        flags += "i"
    return f"(?{flags}){translated}"


def fold_text(text: str, case_sensitive: bool, diacritic_sensitive: bool) -> str:
    if not diacritic_sensitive:
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text if case_sensitive else text.lower()


def _diacritic_table() -> tuple[str, str]:
    """(accented letters, their base letters) over Latin-1 and Latin Extended-A, for ``translate``."""
    accented, plain = [], []
    for code in range(0xC0, 0x180):
        letter = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", letter) if not unicodedata.combining(c))
        if len(base) == 1 and base != letter:
            accented.append(letter)
            plain.append(base)
    return "".join(accented), "".join(plain)


DIACRITICS = _diacritic_table()


def _escape_are(text: str) -> str:
    return "".join(c if c.isalnum() else "\\" + c for c in text)


def _json(value: t.Value) -> Any:
    """A tree value back in the JSON form stored inside jsonb columns."""
    if isinstance(value, t.DateValue):
        return {"__type": "Date", "iso": format_iso(value.instant)}
    if isinstance(value, t.PointerValue):
        pointer: dict[str, Any] = {"__type": "Pointer", "objectId": value.object_id}
        if value.class_name is not None:
            pointer["className"] = value.class_name
        return pointer
    if isinstance(value, t.FileValue):
        return {"__type": "File", "name": value.name}
    if isinstance(value, t.GeoPointValue):
        return {"__type": "GeoPoint", "latitude": value.latitude, "longitude": value.longitude}
    if isinstance(value, t.Raw):
        return value.value
    return value


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _join(glue: str, parts: list[str], empty: str) -> str:
    return "(" + glue.join(f"({p})" for p in parts) + ")" if parts else empty
