"""The geo part of the SQLite `where` compiler: `$nearSphere` (+ max distances, ordering by
distance), `$within` `$box`, `$geoWithin` (`$polygon`, `$centerSphere`). GeoPoints are read from
the JSON column; distances and polygons use the registered `pc_*` functions."""

from __future__ import annotations

import json
import math
from typing import Any

from ...errors import INVALID_JSON, ParseError

EARTH_RADIUS_KM = 6371.0
EARTH_RADIUS_MILES = 3959.0


class GeoClauses:
    """Mixed into WhereCompiler; `ref` is its field reference (`ref.raw` is the JSON value)."""

    distance_order: tuple[str, list[Any]] | None

    def _latlng(self, ref: Any) -> tuple[str, str]:
        return (f"json_extract({ref.raw}, '$.latitude')", f"json_extract({ref.raw}, '$.longitude')")

    def _near(self, ref: Any, point: Any, ops: dict[str, Any], params: list[Any]) -> str:
        lat, lng = geopoint(point)
        lat_expr, lng_expr = self._latlng(ref)
        distance = f"pc_distance({lat_expr}, {lng_expr}, ?, ?)"
        self.distance_order = (distance, [lat, lng])
        limit = max_distance(ops)
        if limit is None:
            return f"{ref.raw} IS NOT NULL"
        params.extend([lat, lng, limit])
        return f"{distance} <= ?"

    def _within(self, ref: Any, value: Any, params: list[Any]) -> str:
        box = value.get("$box") if isinstance(value, dict) else None
        if not isinstance(box, list) or len(box) != 2:
            raise ParseError(INVALID_JSON, "malformatted $within arg")
        (south, west), (north, east) = geopoint(box[0]), geopoint(box[1])
        if south > north:
            raise ParseError(INVALID_JSON, "GeoBox: lower latitude must be below upper latitude")
        lat_expr, lng_expr = self._latlng(ref)
        params.extend([south, north, west, east])
        return f"{lat_expr} BETWEEN ? AND ? AND {lng_expr} BETWEEN ? AND ?"

    def _geo_within(self, ref: Any, value: Any, params: list[Any]) -> str:
        if not isinstance(value, dict):
            raise ParseError(INVALID_JSON, "bad $geoWithin value")
        lat_expr, lng_expr = self._latlng(ref)
        if "$polygon" in value:
            polygon = value["$polygon"]
            raw = polygon.get("coordinates") if isinstance(polygon, dict) and polygon.get("__type") == "Polygon" \
                else polygon
            if not isinstance(raw, list):
                raise ParseError(INVALID_JSON, "bad $geoWithin value; $polygon should be Polygon "
                                               "object or Array of Parse.GeoPoint's")
            ring = []
            for point in raw:
                if isinstance(point, dict):
                    ring.append(list(geopoint(point)))
                elif isinstance(point, list) and len(point) == 2 and all(
                        isinstance(v, (int, float)) and not isinstance(v, bool) for v in point):
                    # parse-compat: bare pairs are MongoDB [longitude, latitude], as Parse passes them on
                    ring.append([float(point[1]), float(point[0])])
                else:
                    raise ParseError(INVALID_JSON, "bad $geoWithin value")
            if len(ring) < 3:
                raise ParseError(INVALID_JSON, "bad $geoWithin value; Polygon must have at least 3 values")
            params.append(json.dumps(ring))
            return f"pc_in_polygon({lat_expr}, {lng_expr}, ?)"
        if "$centerSphere" in value:
            spec = value["$centerSphere"]
            if not isinstance(spec, list) or len(spec) != 2:
                raise ParseError(INVALID_JSON, "bad $geoWithin value; $centerSphere should be an array")
            center, radius = spec
            if isinstance(center, list) and len(center) == 2:
                lng, lat = float(center[0]), float(center[1])
            else:
                lat, lng = geopoint(center)
            if not isinstance(radius, (int, float)) or radius < 0:
                raise ParseError(INVALID_JSON, "bad $geoWithin value; $centerSphere distance invalid")
            params.extend([lat, lng, radius])
            return f"pc_distance({lat_expr}, {lng_expr}, ?, ?) <= ?"
        raise ParseError(INVALID_JSON, "bad $geoWithin value")


def geopoint(value: Any) -> tuple[float, float]:
    if not (isinstance(value, dict) and value.get("__type") == "GeoPoint"):
        raise ParseError(INVALID_JSON, "bad GeoPoint in query")
    lat, lng = value.get("latitude"), value.get("longitude")
    if not isinstance(lat, (int, float)) or not isinstance(lng, (int, float)) or not (
        -90 <= lat <= 90 and -180 <= lng <= 180
    ):
        raise ParseError(INVALID_JSON, "GeoPoint latitude or longitude out of range")
    return float(lat), float(lng)


def max_distance(ops: dict[str, Any]) -> float | None:
    for key, divisor in (("$maxDistance", 1.0), ("$maxDistanceInRadians", 1.0),
                         ("$maxDistanceInMiles", EARTH_RADIUS_MILES),
                         ("$maxDistanceInKilometers", EARTH_RADIUS_KM)):
        if key in ops:
            value = ops[key]
            if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value):
                raise ParseError(INVALID_JSON, f"bad {key}")
            return float(value) / divisor
    return None
