"""Geometry for the in-memory matcher: GeoPoint distances, boxes and polygons.

Owns the pure math behind ``$nearSphere``, ``$within $box``, ``$geoWithin`` and
``$geoIntersects``, plus decoding of the JSON shapes a ``where`` uses for points and polygons.
Distances are great-circle (haversine) in radians on a sphere, as MongoDB's spherical
queries compute them. Box and polygon tests are planar in (longitude, latitude), as MongoDB's
legacy-coordinate ``$box`` / ``$polygon`` are; for ``$geoIntersects`` on a stored Polygon
MongoDB uses geodesic edges, which the planar test approximates (identical away from edges).
Imports nothing with I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

EARTH_RADIUS_KM = 6371.0
EARTH_RADIUS_MILES = 3959.0

# Tolerance for "on the boundary" tests, in degrees.
_EPS = 1e-12


@dataclass(frozen=True)
class Point:
    """A position in degrees."""

    latitude: float
    longitude: float


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def point_from_geopoint(value: Any) -> Point | None:
    """A Point from ``{"__type":"GeoPoint","latitude","longitude"}``, else None."""
    if not isinstance(value, dict) or value.get("__type") != "GeoPoint":
        return None
    lat, lng = value.get("latitude"), value.get("longitude")
    if not (_is_number(lat) and _is_number(lng)):
        return None
    return Point(float(lat), float(lng))


def point_from_lng_lat(value: Any) -> Point | None:
    """A Point from a MongoDB-order ``[longitude, latitude]`` pair, else None."""
    if isinstance(value, list | tuple) and len(value) == 2 and all(_is_number(v) for v in value):
        return Point(float(value[1]), float(value[0]))
    return None


def polygon_from_json(value: Any) -> list[Point] | None:
    """Vertices of a stored Parse Polygon ``{"__type":"Polygon","coordinates":[[lat,lng],…]}``."""
    if not isinstance(value, dict) or value.get("__type") != "Polygon":
        return None
    coords = value.get("coordinates")
    if not isinstance(coords, list):
        return None
    points: list[Point] = []
    for pair in coords:
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(_is_number(v) for v in pair)):
            return None
        points.append(Point(float(pair[0]), float(pair[1])))
    return points if len(points) >= 3 else None


def distance_radians(a: Point, b: Point) -> float:
    """Great-circle distance between two points, in radians (haversine formula)."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlng = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 2 * math.asin(min(1.0, math.sqrt(h)))


def in_box(p: Point, southwest: Point, northeast: Point) -> bool:
    """Whether ``p`` lies in the box (boundary included), planar in lng/lat."""
    return (southwest.latitude <= p.latitude <= northeast.latitude
            and southwest.longitude <= p.longitude <= northeast.longitude)


def _on_segment(p: Point, a: Point, b: Point) -> bool:
    x, y = p.longitude, p.latitude
    x1, y1, x2, y2 = a.longitude, a.latitude, b.longitude, b.latitude
    cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
    if abs(cross) > _EPS * max(1.0, abs(x2 - x1) + abs(y2 - y1)):
        return False
    return min(x1, x2) - _EPS <= x <= max(x1, x2) + _EPS and min(y1, y2) - _EPS <= y <= max(y1, y2) + _EPS


def in_polygon(p: Point, vertices: Sequence[Point]) -> bool:
    """Whether ``p`` lies inside the polygon or on its boundary (ray casting, planar lng/lat).

    The ring may be open or closed (first vertex repeated).
    """
    ring = list(vertices)
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    if len(ring) < 3:
        return False
    inside = False
    x, y = p.longitude, p.latitude
    for i, a in enumerate(ring):
        b = ring[i - 1]
        if _on_segment(p, a, b):
            return True
        if (a.latitude > y) != (b.latitude > y):
            x_cross = a.longitude + (y - a.latitude) * (b.longitude - a.longitude) / (b.latitude - a.latitude)
            if x < x_cross:
                inside = not inside
    return inside
