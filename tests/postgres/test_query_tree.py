"""The one query parser (parse_compat/query/parse.py): on generated `where`s, good and bad, it
refuses what the SQLite compiler has always refused, with the same Parse error (and where that
compiler crashed or let a malformed operand through that the matcher refuses, it refuses too),
and its tree is a pure function of the query (equal trees for equal queries, hashable).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parse_compat.errors import ParseError
from parse_compat.query import tree
from parse_compat.query.matcher import matches
from parse_compat.query.parse import parse_where
from parse_compat.storage.base import ClassSchema
from parse_compat.storage.sqlite.where import WhereCompiler

FIELDS = {
    "objectId": {"type": "String"}, "createdAt": {"type": "Date"}, "updatedAt": {"type": "Date"},
    "ACL": {"type": "ACL"}, "name": {"type": "String"}, "score": {"type": "Number"},
    "flag": {"type": "Boolean"}, "when": {"type": "Date"}, "tags": {"type": "Array"},
    "meta": {"type": "Object"}, "owner": {"type": "Pointer", "targetClass": "_User"},
    "loc": {"type": "GeoPoint"}, "area": {"type": "Polygon"}, "photo": {"type": "File"},
}
SCHEMA = ClassSchema("Thing", FIELDS)
FIELD_TYPES = {name: spec["type"] for name, spec in FIELDS.items()}
KEYS = [*FIELDS.keys() - {"ACL"}, "meta.level", "meta.a.b", "ghost", "bad-name", "tags.0"]

geopoints = st.builds(lambda lat, lng: {"__type": "GeoPoint", "latitude": lat, "longitude": lng},
                      st.floats(-100, 100, allow_nan=False), st.floats(-200, 200, allow_nan=False))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=5))
typed = st.one_of(
    st.builds(lambda iso: {"__type": "Date", "iso": iso},
              st.sampled_from(["2024-01-01T00:00:00.000Z", "2024-01-01", "not a date", ""])),
    st.builds(lambda cid, oid: {"__type": "Pointer", "className": cid, "objectId": oid},
              st.sampled_from(["_User", "Other"]), st.one_of(st.text(max_size=3), st.integers())),
    st.builds(lambda name: {"__type": "File", "name": name}, st.text(max_size=3)),
    geopoints,
    st.just({"__type": "Bytes", "base64": "AA=="}),
)
values = st.recursive(st.one_of(scalars, typed),
                      lambda inner: st.one_of(st.lists(inner, max_size=3),
                                              st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2)),
                      max_leaves=4)
regex_patterns = st.sampled_from(["^a", "a.b$", "\\Qa.b\\E", "(a", "(?=x)", "[[:alpha:]]", "x{2,}"])


def operator_constraints() -> st.SearchStrategy[dict[str, Any]]:
    plain = st.sampled_from(["$lt", "$lte", "$gt", "$gte", "$eq", "$ne", "$in", "$nin", "$exists", "$all",
                             "$containedBy", "$bogus"])
    simple = st.builds(lambda op, v: {op: v}, plain, values)
    regex = st.builds(lambda p, o: {"$regex": p, **({} if o is None else {"$options": o})},
                      st.one_of(regex_patterns, st.integers()),
                      st.one_of(st.none(), st.sampled_from(["i", "mx", "q", 1])))
    near = st.builds(lambda p, extra: {"$nearSphere": p, **extra}, st.one_of(geopoints, values),
                     st.one_of(st.just({}), st.dictionaries(
                         st.sampled_from(["$maxDistance", "$maxDistanceInMiles", "$maxDistanceInKilometers"]),
                         st.one_of(st.floats(0, 10, allow_nan=False), st.text(max_size=2)), max_size=2)))
    within = st.builds(lambda box: {"$within": {"$box": box}}, st.one_of(st.lists(geopoints, max_size=3), values))
    geo_within = st.one_of(
        st.builds(lambda ring: {"$geoWithin": {"$polygon": ring}}, st.lists(st.one_of(geopoints, values), max_size=4)),
        st.builds(lambda c, r: {"$geoWithin": {"$centerSphere": [c, r]}}, st.one_of(geopoints, values), values),
    )
    intersects = st.builds(lambda p: {"$geoIntersects": {"$point": p}}, st.one_of(geopoints, values))
    text = st.builds(lambda term, case: {"$text": {"$search": {"$term": term, "$caseSensitive": case}}},
                     st.one_of(st.text(max_size=4), st.integers()), st.one_of(st.booleans(), st.integers()))
    return st.one_of(simple, regex, near, within, geo_within, intersects, text,
                     st.builds(lambda a, b: {**a, **b}, simple, simple))


constraints = st.one_of(values, operator_constraints())
acl = st.builds(lambda key, value: {key: value}, st.sampled_from(["_rperm", "_wperm"]),
                st.one_of(st.builds(lambda names: {"$in": names},
                                    st.lists(st.sampled_from(["*", "u1", 3]), max_size=3)),
                          values))
wheres = st.recursive(
    st.one_of(st.dictionaries(st.sampled_from(KEYS), constraints, max_size=3), acl),
    lambda inner: st.one_of(
        st.builds(lambda key, parts: {key: parts}, st.sampled_from(["$or", "$and", "$nor"]),
                  st.one_of(st.lists(inner, max_size=3), values)),
        st.builds(lambda a, b: {**a, **b}, inner, inner),
        st.builds(lambda key: {key: {}}, st.sampled_from(["$relatedTo", "$bogus"])),
    ),
    max_leaves=6,
)


def outcome(compile_where: Any, where: dict[str, Any]) -> tuple[str, int | None, str]:
    try:
        compile_where(where)
    except ParseError as error:
        return ("error", error.code, error.message)
    except (TypeError, ValueError):
        return ("crash", None, "")
    return ("ok", None, "")


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(wheres)
def test_parser_refuses_what_the_sqlite_compiler_refuses(where: dict[str, Any]) -> None:
    ours = outcome(lambda w: parse_where(w, FIELD_TYPES), copy.deepcopy(where))
    old = outcome(lambda w: WhereCompiler(SCHEMA).compile(w), copy.deepcopy(where))
    if old[0] == "crash":  # where the SQLite compiler crashed (a 500), the parser answers a Parse error
        assert ours[0] == "error", json.dumps(where, default=str)
        return
    if ours != old and ours[0] == "error":
        # Stricter than the SQLite compiler only where the matcher refuses too (a bool radius...).
        matcher = outcome(lambda w: matches({}, w), copy.deepcopy(where))
        assert ours[:2] == matcher[:2], json.dumps(where, default=str)
        return
    assert ours == old, json.dumps(where, default=str)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(wheres)
def test_tree_is_a_pure_function_of_the_query(where: dict[str, Any]) -> None:
    before = json.dumps(where, sort_keys=True, default=str)
    try:
        first = parse_where(where, FIELD_TYPES)
    except ParseError:
        return
    second = parse_where(copy.deepcopy(where), FIELD_TYPES)
    assert first == second and hash(first) == hash(second)
    assert json.dumps(where, sort_keys=True, default=str) == before


def test_values_are_decoded() -> None:
    node = parse_where({"when": {"$gte": {"__type": "Date", "iso": "2024-01-01T00:00:00Z"}},
                        "owner": {"__type": "Pointer", "className": "_User", "objectId": "u1"},
                        "meta.level": {"$in": [1, [2, None]]}}, FIELD_TYPES)
    assert isinstance(node, tree.And)
    compare, pointer, members = node.children
    assert isinstance(compare, tree.Compare) and compare.op == ">="
    assert isinstance(compare.value, tree.DateValue) and compare.value.iso == "2024-01-01T00:00:00.000Z"
    assert pointer == tree.Equals(tree.FieldRef(("owner",), "Pointer"), tree.PointerValue("_User", "u1"))
    assert members == tree.In(tree.FieldRef(("meta", "level"), "Object"), (1, 2, None))
