"""Geo operators of the in-memory matcher: `$nearSphere` (+ max distances), `$within` `$box`,
`$geoWithin` (`$polygon`, `$centerSphere`) and `$geoIntersects`, with MongoDB's semantics."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from parse_compat.errors import INVALID_JSON, ParseError
from parse_compat.query import geo

# $nearSphere limits, as divisors turning the given unit into radians.
MAX_DISTANCE_DIVISORS: Mapping[str, float] = MappingProxyType({
    # parse-compat: when several are given, Parse's Mongo adapter lets the last one it
    # processes (reverse-sorted key order) win: $maxDistance, then km, then miles, then radians.
    "$maxDistance": 1.0,
    "$maxDistanceInKilometers": geo.EARTH_RADIUS_KM,
    "$maxDistanceInMiles": geo.EARTH_RADIUS_MILES,
    "$maxDistanceInRadians": 1.0,
})



def _geopoints(values: list[Any]) -> list[geo.Point]:
    return [p for p in (geo.point_from_geopoint(v) for v in values) if p is not None]


def near_sphere(values: list[Any], arg: Any, cond: Mapping[str, Any]) -> bool:
    center = geo.point_from_geopoint(arg)
    if center is None:
        raise ParseError(INVALID_JSON, "bad $nearSphere value; should be a GeoPoint")
    limit: float | None = None
    for name in ("$maxDistanceInRadians", "$maxDistanceInMiles", "$maxDistanceInKilometers", "$maxDistance"):
        if name in cond:
            raw = cond[name]
            if not isinstance(raw, int | float) or isinstance(raw, bool):
                raise ParseError(INVALID_JSON, f"bad {name} value")
            limit = raw / MAX_DISTANCE_DIVISORS[name]
    return any(limit is None or geo.distance_radians(center, p) <= limit for p in _geopoints(values))


def within_box(values: list[Any], arg: Any) -> bool:
    box = arg.get("$box") if isinstance(arg, Mapping) else None
    if not isinstance(box, list) or len(box) != 2:
        raise ParseError(INVALID_JSON, "malformatted $within arg")
    southwest, northeast = geo.point_from_geopoint(box[0]), geo.point_from_geopoint(box[1])
    if southwest is None or northeast is None:
        raise ParseError(INVALID_JSON, "malformatted $within arg")
    return any(geo.in_box(p, southwest, northeast) for p in _geopoints(values))


def _polygon_arg(polygon: Any) -> list[geo.Point]:
    if isinstance(polygon, Mapping) and polygon.get("__type") == "Polygon":
        raw = polygon.get("coordinates")
    elif isinstance(polygon, list):
        raw = polygon
    else:
        raise ParseError(INVALID_JSON,
                         "bad $geoWithin value; $polygon should be Polygon object or Array of Parse.GeoPoint's")
    if not isinstance(raw, list) or len(raw) < 3:
        raise ParseError(INVALID_JSON, "bad $geoWithin value; $polygon should contain at least 3 GeoPoints")
    points: list[geo.Point] = []
    for item in raw:
        # parse-compat: bare pairs (including a Polygon object's coordinates) are taken as
        # MongoDB [longitude, latitude] pairs, as Parse's Mongo adapter passes them through.
        point = geo.point_from_geopoint(item) or geo.point_from_lng_lat(item)
        if point is None:
            raise ParseError(INVALID_JSON, "bad $geoWithin value")
        points.append(point)
    return points


def geo_within(values: list[Any], arg: Any) -> bool:
    if not isinstance(arg, Mapping):
        raise ParseError(INVALID_JSON, "bad $geoWithin value")
    if "$polygon" in arg:
        vertices = _polygon_arg(arg["$polygon"])
        return any(geo.in_polygon(p, vertices) for p in _geopoints(values))
    if "$centerSphere" in arg:
        sphere = arg["$centerSphere"]
        if not isinstance(sphere, list) or len(sphere) < 2:
            raise ParseError(INVALID_JSON,
                             "bad $geoWithin value; $centerSphere should be an array of Parse.GeoPoint and distance")
        center = geo.point_from_geopoint(sphere[0]) or geo.point_from_lng_lat(sphere[0])
        if center is None:
            raise ParseError(INVALID_JSON, "bad $geoWithin value; $centerSphere geo point invalid")
        radius = sphere[1]
        if not isinstance(radius, int | float) or isinstance(radius, bool) or radius < 0:
            raise ParseError(INVALID_JSON, "bad $geoWithin value; $centerSphere distance invalid")
        return any(geo.distance_radians(center, p) <= radius for p in _geopoints(values))
    raise ParseError(INVALID_JSON, "bad $geoWithin value")


def geo_intersects(values: list[Any], arg: Any) -> bool:
    point = geo.point_from_geopoint(arg.get("$point")) if isinstance(arg, Mapping) else None
    if point is None:
        raise ParseError(INVALID_JSON, "bad $geoIntersect value; $point should be GeoPoint")
    for value in values:
        vertices = geo.polygon_from_json(value)
        if vertices is not None and geo.in_polygon(point, vertices):
            return True
    return False
