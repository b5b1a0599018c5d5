"""The in-memory matcher: the shared case table, then behaviours the table cannot express."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest

from parse_compat.errors import INVALID_JSON, INVALID_QUERY, ParseError
from parse_compat.query import geo
from parse_compat.query.matcher import matches

CASES_FILE = Path(__file__).resolve().parents[1] / "cases" / "query_cases.json"
TABLE: dict[str, Any] = json.loads(CASES_FILE.read_text(encoding="utf-8"))
DOCS: list[dict[str, Any]] = TABLE["documents"]


def D(iso: str) -> dict[str, str]:
    return {"__type": "Date", "iso": iso}


def P(class_name: str, object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


def G(lat: float, lng: float) -> dict[str, Any]:
    return {"__type": "GeoPoint", "latitude": lat, "longitude": lng}


def matching_ids(where: dict[str, Any], docs: list[dict[str, Any]] = DOCS) -> list[str]:
    return sorted(d["objectId"] for d in docs if matches(d, where))


# --- the shared table -------------------------------------------------------------------


def test_table_shape() -> None:
    assert TABLE["schema"]["className"] == "Thing"
    fields = TABLE["schema"]["fields"]
    for default in ("objectId", "createdAt", "updatedAt", "ACL"):
        assert default in fields
    assert len(TABLE["cases"]) >= 60
    names = [c["name"] for c in TABLE["cases"]]
    assert len(names) == len(set(names))
    ids = {d["objectId"] for d in DOCS}
    for case in TABLE["cases"]:
        assert case["expected"] == sorted(case["expected"]), case["name"]
        assert set(case["expected"]) <= ids, case["name"]


@pytest.mark.parametrize("case", TABLE["cases"], ids=lambda c: c["name"])
def test_table_case(case: dict[str, Any]) -> None:
    expected = case.get("matcher_expected", case["expected"])
    assert matching_ids(case["where"]) == expected


def test_matching_does_not_mutate_inputs() -> None:
    docs = copy.deepcopy(DOCS)
    for case in TABLE["cases"]:
        where = copy.deepcopy(case["where"])
        matching_ids(where, docs)
        assert where == case["where"]
    assert docs == DOCS


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("where", [
    {"name": {"$foo": 1}},
    {"name": {"$size": 2}},
    {"name": {"$elemMatch": {"$gt": 1}}},
    {"missing": {"$eq": 1, "$bogus": 2}},
    {"$or": [{"name": "alpha"}, {"name": {"$foo": 1}}]},
    {"$foo": 1},
])
def test_unknown_operator_raises_bad_constraint(where: dict[str, Any]) -> None:
    with pytest.raises(ParseError) as info:
        matches(DOCS[0], where)
    assert info.value.code == INVALID_JSON
    assert info.value.message.startswith("bad constraint: $")


def test_unknown_operator_raises_even_when_field_is_missing() -> None:
    with pytest.raises(ParseError, match=r"bad constraint: \$foo"):
        matches({}, {"x": {"$foo": 1}})


def test_operator_mixed_with_plain_key_raises() -> None:
    with pytest.raises(ParseError) as info:
        matches({"a": 1}, {"a": {"$gt": 0, "b": 1}})
    assert info.value.code == INVALID_JSON


@pytest.mark.parametrize("op", ["$or", "$and", "$nor"])
def test_logical_operator_needs_array(op: str) -> None:
    with pytest.raises(ParseError) as info:
        matches({"a": 1}, {op: {"a": 1}})
    assert info.value.code == INVALID_QUERY
    assert info.value.message == f"Bad {op} format - use an array value."


def test_empty_nor_is_rejected() -> None:
    with pytest.raises(ParseError) as info:
        matches({"a": 1}, {"$nor": []})
    assert info.value.code == INVALID_QUERY


@pytest.mark.parametrize("op", ["$in", "$nin", "$all", "$containedBy"])
def test_list_operators_need_arrays(op: str) -> None:
    with pytest.raises(ParseError) as info:
        matches({"a": 1}, {"a": {op: 1}})
    assert info.value.code == INVALID_JSON


def test_all_mixing_regex_and_values_is_rejected() -> None:
    with pytest.raises(ParseError) as info:
        matches({"t": ["ab"]}, {"t": {"$all": [{"$regex": "^a"}, "ab"]}})
    assert info.value.code == INVALID_JSON


def test_bad_regex_options_and_patterns() -> None:
    with pytest.raises(ParseError) as info:
        matches({"n": "a"}, {"n": {"$regex": "a", "$options": "g"}})
    assert info.value.code == INVALID_QUERY
    with pytest.raises(ParseError) as info:
        matches({"n": "a"}, {"n": {"$regex": "(unclosed"}})
    assert info.value.code == INVALID_QUERY
    with pytest.raises(ParseError) as info:
        matches({"n": "a"}, {"n": {"$regex": 5}})
    assert info.value.code == INVALID_JSON


def test_unresolved_relative_time_is_an_error() -> None:
    with pytest.raises(ParseError):
        matches({"when": D("2024-01-01T00:00:00.000Z")}, {"when": {"$lt": {"$relativeTime": "1 day ago"}}})


@pytest.mark.parametrize("where", [
    {"loc": {"$nearSphere": [1, 2]}},
    {"loc": {"$within": {"$box": [G(0, 0)]}}},
    {"loc": {"$within": {"$box": [G(0, 0), "x"]}}},
    {"loc": {"$geoWithin": {"$polygon": [G(0, 0), G(1, 1)]}}},
    {"loc": {"$geoWithin": {"$polygon": "nope"}}},
    {"loc": {"$geoWithin": {"$centerSphere": [G(0, 0)]}}},
    {"loc": {"$geoWithin": {"$centerSphere": [G(0, 0), -1]}}},
    {"loc": {"$geoWithin": {}}},
    {"area": {"$geoIntersects": {"$point": [0, 0]}}},
])
def test_malformed_geo_values_raise(where: dict[str, Any]) -> None:
    with pytest.raises(ParseError) as info:
        matches({"loc": G(0, 0)}, where)
    assert info.value.code == INVALID_JSON


def test_where_must_be_an_object() -> None:
    with pytest.raises(ParseError):
        matches({}, ["a"])  # type: ignore[arg-type]


# --- operators resolved above storage never match ---------------------------------------


@pytest.mark.parametrize("where", [
    {"name": {"$text": {"$search": {"$term": "alpha"}}}},
    {"owner": {"$inQuery": {"className": "_User", "where": {}}}},
    {"owner": {"$notInQuery": {"className": "_User", "where": {}}}},
    {"name": {"$select": {"query": {"className": "X", "where": {}}, "key": "k"}}},
    {"name": {"$dontSelect": {"query": {"className": "X", "where": {}}, "key": "k"}}},
    {"$relatedTo": {"object": P("Post", "p1"), "key": "likes"}},
    {"name": "alpha", "$relatedTo": {"object": P("Post", "p1"), "key": "likes"}},
])
def test_unresolved_subquery_operators_never_match(where: dict[str, Any]) -> None:
    assert matches(DOCS[0], where) is False


# --- targeted semantics -----------------------------------------------------------------


def test_empty_where_matches_everything() -> None:
    assert matches({}, {}) and matches(DOCS[0], {})


def test_created_at_string_equality_is_a_date() -> None:
    doc = {"objectId": "a", "createdAt": "2020-01-01T00:00:00.000Z"}
    assert matches(doc, {"createdAt": "2020-01-01T00:00:00Z"})
    assert matches(doc, {"createdAt": D("2020-01-01T00:00:00.000+00:00")})
    assert matches(doc, {"createdAt": {"$lt": D("2020-01-01T00:00:00.001Z")}})
    # Inside an operator a string stays a string (Parse's Mongo adapter): dates never compare with it.
    assert not matches(doc, {"createdAt": {"$lt": "2021-01-01T00:00:00.000Z"}})


def test_dates_compare_by_instant_across_offsets() -> None:
    doc = {"when": D("2020-01-01T01:00:00.000+01:00")}
    assert matches(doc, {"when": D("2020-01-01T00:00:00.000Z")})
    assert matches(doc, {"when": {"$gte": D("2020-01-01T00:00:00.000Z"), "$lte": D("2020-01-01T00:00:00Z")}})


def test_booleans_are_not_numbers() -> None:
    assert not matches({"f": True}, {"f": {"$in": [1]}})
    assert not matches({"n": 1}, {"n": True})
    assert not matches({"n": 0}, {"n": {"$lt": True}})
    assert matches({"n": 1}, {"n": {"$ne": True}})


def test_lte_and_gte_null_match_null_and_missing() -> None:
    assert matches({}, {"a": {"$lte": None}})
    assert matches({"a": None}, {"a": {"$gte": None}})
    assert not matches({"a": 1}, {"a": {"$gte": None}})
    assert not matches({}, {"a": {"$lt": None}})


def test_pointer_equality_ignores_extra_keys() -> None:
    stored = {"owner": P("_User", "u1") | {"extra": 1}}
    assert matches(stored, {"owner": P("_User", "u1")})
    assert not matches(stored, {"owner": P("_User", "u2")})
    assert not matches({"owner": P("_User", "u1")}, {"owner": "u1"})


def test_file_equality_by_name() -> None:
    doc = {"f": {"__type": "File", "name": "a.txt"}}
    assert matches(doc, {"f": {"__type": "File", "name": "a.txt", "url": "http://x/a.txt"}})
    assert not matches(doc, {"f": {"__type": "File", "name": "b.txt"}})


def test_object_literal_equality() -> None:
    doc = {"meta": {"a": 1, "b": [1, 2]}}
    assert matches(doc, {"meta": {"b": [1, 2], "a": 1.0}})
    assert not matches(doc, {"meta": {"a": 1}})


def test_whole_array_equality_and_array_of_arrays() -> None:
    assert matches({"t": ["a", "b"]}, {"t": ["a", "b"]})
    assert not matches({"t": ["a", "b"]}, {"t": ["b", "a"]})
    assert matches({"t": [["a"], ["b"]]}, {"t": ["b"]})


def test_dotted_keys_fan_out_over_arrays_of_objects() -> None:
    doc = {"items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 5}]}
    assert matches(doc, {"items.sku": "b"})
    assert matches(doc, {"items.qty": {"$gt": 4}})
    assert not matches(doc, {"items.sku": "c"})
    assert matches(doc, {"items.1.sku": "b"})
    assert not matches(doc, {"items.0.sku": "b"})
    assert matches(doc, {"items.sku": {"$exists": True}})
    assert matches(doc, {"items.color": {"$exists": False}})


def test_dotted_key_through_scalar_is_missing() -> None:
    assert matches({"a": 5}, {"a.b": {"$exists": False}})
    assert matches({"a": 5}, {"a.b": None})


def test_in_flattens_nested_arrays() -> None:
    assert matches({"n": 2}, {"n": {"$in": [[1, 2], 3]}})
    assert not matches({"n": 2}, {"n": {"$nin": [[1, 2]]}})


def test_acl_in_matches_missing_null_or_intersecting_lists() -> None:
    where = {"_rperm": {"$in": ["*", "u1"]}}
    assert matches({}, where)
    assert matches({"_rperm": None}, where)
    assert matches({"_rperm": ["u2", "u1"]}, where)
    assert not matches({"_rperm": []}, where)
    assert not matches({"_rperm": ["u2"]}, where)
    assert matches({"_wperm": ["u1"]}, {"_wperm": {"$in": ["u1"]}})
    # Only $in on the ACL lists has the "missing means public" meaning.
    assert not matches({}, {"other": {"$in": ["u1"]}})


def test_all_matches_scalar_field_and_regex_options() -> None:
    assert matches({"t": "ab"}, {"t": {"$all": ["ab"]}})
    assert matches({"t": ["Apple", "bob"]}, {"t": {"$all": [{"$regex": "^a", "$options": "i"}, {"$regex": "b$"}]}})
    assert not matches({}, {"t": {"$all": [{"$regex": "."}]}})


def test_regex_ignores_non_strings_in_arrays() -> None:
    assert matches({"t": [1, None, {"a": "x"}, "xyz"]}, {"t": {"$regex": "^x"}})
    assert not matches({"t": [1, None, {"a": "x"}]}, {"t": {"$regex": "x"}})


def test_sdk_quoting_of_backslash_e() -> None:
    # The JS SDK quotes "a\Eb" as \Qa\E\\E\Qb\E.
    assert matches({"n": "xa\\Eby"}, {"n": {"$regex": "\\Qa\\E\\\\E\\Qb\\E"}})


def test_max_distance_units() -> None:
    near = {"loc": G(0, 1)}  # 1 degree of longitude on the equator from (0, 0)
    one_degree = math.radians(1)
    base = {"$nearSphere": G(0, 0)}
    assert matches(near, {"loc": base | {"$maxDistanceInRadians": one_degree * 1.01}})
    assert not matches(near, {"loc": base | {"$maxDistanceInRadians": one_degree * 0.99}})
    km = one_degree * geo.EARTH_RADIUS_KM
    assert matches(near, {"loc": base | {"$maxDistanceInKilometers": km + 1}})
    assert not matches(near, {"loc": base | {"$maxDistanceInKilometers": km - 1}})
    miles = one_degree * geo.EARTH_RADIUS_MILES
    assert matches(near, {"loc": base | {"$maxDistanceInMiles": miles + 1}})
    assert not matches(near, {"loc": base | {"$maxDistanceInMiles": miles - 1}})
    # $maxDistance takes precedence over the unit variants.
    assert not matches(near, {"loc": base | {"$maxDistance": 0.001, "$maxDistanceInKilometers": km + 1}})


def test_geo_operators_ignore_non_geopoints() -> None:
    assert not matches({"loc": None}, {"loc": {"$nearSphere": G(0, 0)}})
    assert not matches({}, {"loc": {"$within": {"$box": [G(-1, -1), G(1, 1)]}}})
    assert not matches({"area": G(0, 0)}, {"area": {"$geoIntersects": {"$point": G(0, 0)}}})


def test_geo_within_polygon_object_uses_lng_lat_pairs() -> None:
    # parse-compat: Parse's Mongo adapter passes a Polygon object's pairs through as [lng, lat].
    polygon = {"__type": "Polygon", "coordinates": [[0, 0], [10, 0], [10, 5], [0, 5]]}
    assert matches({"loc": G(4, 9)}, {"loc": {"$geoWithin": {"$polygon": polygon}}})
    assert not matches({"loc": G(9, 4)}, {"loc": {"$geoWithin": {"$polygon": polygon}}})


def test_box_and_polygon_boundaries_are_inclusive() -> None:
    assert matches({"loc": G(1, 1)}, {"loc": {"$within": {"$box": [G(0, 0), G(1, 1)]}}})
    square = [G(0, 0), G(0, 2), G(2, 2), G(2, 0)]
    assert matches({"loc": G(0, 1)}, {"loc": {"$geoWithin": {"$polygon": square}}})
    assert matches({"loc": G(2, 2)}, {"loc": {"$geoWithin": {"$polygon": square}}})
    assert not matches({"loc": G(2.0001, 1)}, {"loc": {"$geoWithin": {"$polygon": square}}})


# --- geo helpers ------------------------------------------------------------------------


def test_distance_radians() -> None:
    a, b = geo.Point(0, 0), geo.Point(0, 90)
    assert geo.distance_radians(a, b) == pytest.approx(math.pi / 2)
    assert geo.distance_radians(geo.Point(90, 0), geo.Point(-90, 0)) == pytest.approx(math.pi)
    assert geo.distance_radians(a, a) == 0
    london, paris = geo.Point(51.5074, -0.1278), geo.Point(48.8566, 2.3522)
    assert geo.distance_radians(london, paris) * geo.EARTH_RADIUS_KM == pytest.approx(343.5, abs=1)


def test_in_polygon_concave_and_closed_rings() -> None:
    # A "C" shape open to the east; (1, 1.5) lies in the notch.
    ring = [geo.Point(lat, lng) for lat, lng in [(0, 0), (0, 2), (1, 2), (1, 1), (2, 1), (2, 2), (3, 2), (3, 0)]]
    assert geo.in_polygon(geo.Point(0.5, 1.5), ring)
    assert not geo.in_polygon(geo.Point(1.5, 1.5), ring)
    assert geo.in_polygon(geo.Point(1.5, 0.5), ring + [ring[0]])
    assert not geo.in_polygon(geo.Point(0, 0), ring[:2])


def test_polygon_from_json_reads_lat_lng() -> None:
    points = geo.polygon_from_json({"__type": "Polygon", "coordinates": [[1, 2], [3, 4], [5, 6]]})
    assert points == [geo.Point(1, 2), geo.Point(3, 4), geo.Point(5, 6)]
    assert geo.polygon_from_json({"__type": "Polygon", "coordinates": [[1, 2]]}) is None
    assert geo.point_from_lng_lat([10, 20]) == geo.Point(20, 10)
    assert geo.point_from_geopoint({"__type": "GeoPoint", "latitude": True, "longitude": 1}) is None
