"""A list of plain scalars (a long `$in`) is taken as a whole by the request scans and the where
compilers (codec/scalars.py); the answer is the one the value-by-value path gives.

The value-by-value path is forced by adding an empty nested list to the operand: `$in` flattens
nested lists, so the operand means the same, but it is no longer a list of scalars.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from parse_compat.codec.keywords import MAX_SCAN_DEPTH, DeniedKeyword, check_keywords
from parse_compat.codec.scalars import are_int64_scalars, are_scalars
from parse_compat.errors import ParseError
from parse_compat.query import tree
from parse_compat.query.parse import parse_where
from parse_compat.rest.complexity import MAX_ARRAY_OPERAND, MAX_WHERE_NODES, check_where
from parse_compat.storage.base import ClassSchema
from parse_compat.storage.mongo.query import Dialect, compile_where
from parse_compat.storage.postgres.compile import WhereCompiler as PgCompiler
from parse_compat.storage.sqlite.budget import INLINE_SLICE, LIST_SLICE, POINT_READ_IDS
from parse_compat.storage.sqlite.runner import read_slice
from parse_compat.storage.sqlite.where import WhereCompiler as SqliteCompiler
from parse_compat.storage.sqlite.where import _pointer_ids

FIELDS = {
    "objectId": {"type": "String"}, "createdAt": {"type": "Date"}, "updatedAt": {"type": "Date"},
    "name": {"type": "String"}, "score": {"type": "Number"}, "flag": {"type": "Boolean"},
    "when": {"type": "Date"}, "tags": {"type": "Array"}, "meta": {"type": "Object"},
    "owner": {"type": "Pointer", "targetClass": "_User"}, "photo": {"type": "File"},
}
SCHEMA = ClassSchema("Thing", FIELDS)
FIELD_TYPES = {name: spec["type"] for name, spec in FIELDS.items()}
PG_COLUMNS = {"objectId": "text", "createdAt": "timestamptz", "updatedAt": "timestamptz", "name": "text",
              "score": "double precision", "flag": "boolean", "when": "timestamptz", "tags": "jsonb",
              "meta": "jsonb", "owner": "text", "photo": "text"}
KEYS = [*FIELDS, "meta.level", "ghost"]
MASTER = SimpleNamespace(auth=SimpleNamespace(has_master_power=True))

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=4))
# Long enough to pass the inline-parameter limit of the SQLite compiler (50) now and then.
scalar_lists = st.one_of(st.lists(scalars, max_size=8),
                         st.lists(st.sampled_from(["abc", "x", ""]), min_size=40, max_size=70),
                         st.lists(st.integers(-5, 5), min_size=40, max_size=70))
pointer_keys = st.sampled_from(["__type", "className", "objectId", "iso", "name", "__proto__", "constructor",
                                "_bsontype", "$regex", "$or", "$inQuery"])
flat_dicts = st.dictionaries(pointer_keys, st.one_of(scalars, st.sampled_from(["Pointer", "Code", "Date"])),
                             min_size=1, max_size=4)
pointers = st.builds(lambda object_id: {"__type": "Pointer", "className": "_User", "objectId": object_id},
                     st.one_of(st.text(max_size=4), st.integers(-(2**70), 2**70), st.none()))
pointer_values = st.builds(tree.PointerValue, st.sampled_from([None, "_User", "Other"]), st.text(max_size=3))
object_lists = st.one_of(st.lists(flat_dicts, min_size=1, max_size=6), st.lists(pointers, min_size=1, max_size=60))


class Text(str):
    """A str that is not exactly a str: not a plain scalar."""


class Whole(int):
    """An int that is not exactly an int."""


class Real(float):
    """A float that is not exactly a float."""


def _not_plain(value: Any) -> Any:
    if isinstance(value, bool | dict) or value is None:
        return value
    return {str: Text, int: Whole, float: Real}[type(value)](value)


def _outcome(compute: Any) -> Any:
    try:
        return compute()
    except ParseError as exc:
        return ("error", exc.code, exc.message)
    except Exception as exc:  # noqa: BLE001 - a crash must be the same crash on both paths
        return ("crash", type(exc).__name__, str(exc))


def test_plain_scalars_are_exact_json_types() -> None:
    assert are_scalars(["a", 1, 1.5, True, None]) and are_scalars([])
    assert not are_scalars(["a", {"__type": "Date"}]) and not are_scalars([["a"]])
    assert not are_scalars([Text("a")])
    assert are_int64_scalars([2**63 - 1, -(2**63), "a", False])
    assert not are_int64_scalars([2**63]) and not are_int64_scalars(["a", -(2**63) - 1])


@settings(max_examples=300, deadline=None)
@given(key=st.sampled_from(KEYS), op=st.sampled_from(["$in", "$nin"]),
       values=st.one_of(scalar_lists, object_lists, st.lists(st.one_of(pointers, flat_dicts), max_size=5)))
def test_where_compilers_answer_as_value_by_value(key: str, op: str, values: list[Any]) -> None:
    fast, slow = {key: {op: values}}, {key: {op: [*values, []]}}
    assert _outcome(lambda: SqliteCompiler(SCHEMA).compile(fast)) == _outcome(
        lambda: SqliteCompiler(SCHEMA).compile(slow))
    fast_tree = _outcome(lambda: parse_where(fast, FIELD_TYPES))
    assert fast_tree == _outcome(lambda: parse_where(slow, FIELD_TYPES))
    if isinstance(fast_tree, tree.Node):
        assert _outcome(lambda: PgCompiler(PG_COLUMNS, FIELDS).compile(fast_tree))
    # Mongo does not flatten: subclasses (equal to the values) take the value-by-value path there.
    subclassed = {key: {op: [_not_plain(v) for v in values]}}
    assert _outcome(lambda: compile_where(SCHEMA, fast, Dialect()).filter) == _outcome(
        lambda: compile_where(SCHEMA, subclassed, Dialect()).filter)


@pytest.mark.parametrize("key", ["objectId", "name", "score", "flag", "owner", "photo", "when"])
@settings(max_examples=100, deadline=None)
@given(values=st.one_of(scalar_lists, st.lists(pointer_values, min_size=1, max_size=60)))
def test_postgres_members_are_the_ones_value_by_value(key: str, values: list[Any]) -> None:
    compiler = PgCompiler(PG_COLUMNS, FIELDS)
    ref = tree.FieldRef((key,), FIELD_TYPES[key])
    present = [v for v in values if v is not None]
    kind = PG_COLUMNS[key]
    expected = [m for m in (compiler.member(ref, kind, v) for v in present) if m is not None]
    assert compiler.members(ref, kind, present) == expected


@settings(max_examples=200, deadline=None)
@given(values=scalar_lists, depth=st.integers(MAX_SCAN_DEPTH - 3, MAX_SCAN_DEPTH + 1),
       denied=st.booleans())
def test_keyword_scan_of_a_scalar_list_is_the_value_by_value_one(values: list[Any], depth: int,
                                                                  denied: bool) -> None:
    assume(values)  # (an empty list has nothing to scan either way)
    denylist = (DeniedKeyword(key="0", value="^abc$"),) if denied else ()
    assert _outcome(lambda: check_keywords(values, denylist, depth)) == _outcome(
        lambda: check_keywords([*values, []], denylist, depth))


def test_keyword_scan_still_finds_keys_beside_scalars() -> None:
    with pytest.raises(ParseError) as refused:
        check_keywords({"where": {"name": {"$in": ["a", "b"]}, "$or": [{"__proto__": 1}]}})
    assert refused.value.code == 105
    with pytest.raises(ParseError) as refused:
        check_keywords(["a", {"constructor": "x"}])
    assert refused.value.code == 105


def test_query_size_counts_each_value_of_a_scalar_list() -> None:
    # nodes: the where, the operator object, two lists and their values
    first = ["v"] * MAX_ARRAY_OPERAND
    fits = MAX_WHERE_NODES - 4 - MAX_ARRAY_OPERAND
    check_where(MASTER, {"name": {"$in": first, "$nin": [1] * fits}})
    with pytest.raises(ParseError) as refused:
        check_where(MASTER, {"name": {"$in": first, "$nin": [1] * (fits + 1)}})
    assert (refused.value.code, refused.value.message) == (102, "Query is too large")
    with pytest.raises(ParseError) as refused:
        check_where(MASTER, {"name": {"$in": [None] * (MAX_ARRAY_OPERAND + 1)}})
    assert "at most" in refused.value.message


def test_a_read_with_a_long_in_list_goes_straight_to_a_reader_thread() -> None:
    def slice_of(where: dict[str, Any]) -> float:
        compiled = SqliteCompiler(SCHEMA).compile(where)
        return read_slice(where, compiled.sql, 0, compiled.params)

    assert slice_of({"name": {"$in": [f"name-{i}" for i in range(20_000)]}}) == 0.0  # SQLite parses it ~10 ms
    assert slice_of({"name": {"$in": [f"name-{i}" for i in range(200)]}}) == LIST_SLICE
    assert slice_of({"objectId": {"$in": [f"id{i:07}" for i in range(POINT_READ_IDS)]}}) == INLINE_SLICE




@settings(max_examples=300, deadline=None)
@given(values=object_lists, depth=st.integers(MAX_SCAN_DEPTH - 3, MAX_SCAN_DEPTH + 1))
def test_keyword_scan_of_flat_objects_is_the_value_by_value_one(values: list[dict[str, Any]], depth: int) -> None:
    # {"x": []} is not flat: the list takes the value-by-value path (its [] sits as deep as the values)
    assert _outcome(lambda: check_keywords(values, (), depth)) == _outcome(
        lambda: check_keywords([*values, {"x": []}], (), depth))


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(pointers, flat_dicts), min_size=1, max_size=60))
def test_sqlite_binds_a_pointer_list_as_value_by_value(values: list[dict[str, Any]]) -> None:
    ref = SqliteCompiler(SCHEMA)._field("owner")
    ids = _pointer_ids(values)
    if ids is not None:
        assert ids == [SqliteCompiler(SCHEMA)._scalar(ref, v) for v in values]


def test_query_size_counts_each_value_of_flat_objects() -> None:
    pointer = {"__type": "Pointer", "className": "_User", "objectId": "u1"}
    fits = [pointer] * ((MAX_WHERE_NODES - 3) // 4)  # the where, $in's object, the list; 4 nodes a pointer
    check_where(MASTER, {"owner": {"$in": [*fits, {}]}})
    with pytest.raises(ParseError) as refused:
        check_where(MASTER, {"owner": {"$in": [*fits, {"a": 1}]}})
    assert (refused.value.code, refused.value.message) == (102, "Query is too large")


def test_operators_inside_a_list_of_objects_are_still_seen() -> None:
    services = SimpleNamespace(request_complexity={"allowRegex": False, "queryDepth": 1, "subqueryDepth": 1,
                                                   "subqueryLimit": -1})
    client = SimpleNamespace(auth=SimpleNamespace(has_master_power=False), state=SimpleNamespace(services=services))
    for where, message in (({"name": {"$in": [{"$regex": "a"}]}}, "$regex operator is not allowed"),
                           ({"$or": [{"name": {"$in": [{"$or": 1}]}}]}, "Query condition nesting depth"),
                           ({"name": {"$inQuery": {"x": {"$in": [{"$select": 1}]}}}}, "Subquery nesting depth")):
        with pytest.raises(ParseError) as refused:
            check_where(client, where)
        assert refused.value.message.startswith(message), refused.value.message
