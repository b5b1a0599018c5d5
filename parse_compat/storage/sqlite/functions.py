"""Python functions registered in SQLite for what SQL cannot say: PCRE regexes, geo, arrays.

Each takes and returns SQLite values (JSON text for arrays and objects). They run inside the
database engine row by row; filters still happen in the query, never after loading a table.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from typing import Any

from ...query import geo
from ...query.regex import regex_search


def _canonical(value: Any) -> Any:
    """A comparable form of a JSON value: pointers by class+id, Dates by iso."""
    if isinstance(value, dict):
        kind = value.get("__type")
        if kind == "Pointer" or (kind == "Object" and "objectId" in value):
            return ("ptr", value.get("className"), value.get("objectId"))
        if kind == "Date":
            return ("date", value.get("iso"))
        return json.dumps(value, sort_keys=True)
    if isinstance(value, list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, bool):
        return ("bool", value)
    return value


def _load_array(text: str | None) -> list[Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, list) else None


def array_contains(array_text: str | None, value_text: str) -> int:
    items = _load_array(array_text)
    if items is None:
        return 0
    wanted = _canonical(json.loads(value_text))
    return int(any(_canonical(item) == wanted for item in items))


def array_contains_any(array_text: str | None, values_text: str) -> int:
    items = _load_array(array_text)
    if items is None:
        return 0
    wanted = {_hashable(_canonical(v)) for v in json.loads(values_text)}
    return int(any(_hashable(_canonical(item)) in wanted for item in items))


def array_contained_by(array_text: str | None, values_text: str) -> int:
    items = _load_array(array_text)
    if items is None:
        return 1  # a missing array has no element outside the list (MongoDB's $nor/$elemMatch)
    allowed = {_hashable(_canonical(v)) for v in json.loads(values_text)}
    return int(all(_hashable(_canonical(item)) in allowed for item in items))


def array_any_regex(array_text: str | None, pattern: str, options: str) -> int:
    items = _load_array(array_text)
    if items is None:
        return 0
    return int(any(isinstance(item, str) and regex_search(pattern, options, item) for item in items))


def _hashable(value: Any) -> Any:
    return value if not isinstance(value, list) else tuple(value)


def regex_match(pattern: str, options: str, value: Any) -> int:
    if not isinstance(value, str):
        return 0
    return int(regex_search(pattern, options, value))


def geo_distance(lat1: float | None, lng1: float | None, lat2: float, lng2: float) -> float | None:
    """Great-circle distance in radians (the matcher's own formula)."""
    if lat1 is None or lng1 is None:
        return None
    return geo.distance_radians(geo.Point(lat1, lng1), geo.Point(lat2, lng2))


def _ring(coords: Any) -> list[geo.Point]:
    return [geo.Point(float(lat), float(lng)) for lat, lng in coords]


def point_in_polygon(lat: float | None, lng: float | None, ring_text: str) -> int:
    if lat is None or lng is None:
        return 0
    return int(geo.in_polygon(geo.Point(lat, lng), _ring(json.loads(ring_text))))


def polygon_contains(coords_text: str | None, lat: float, lng: float) -> int:
    if coords_text is None:
        return 0
    ring = json.loads(coords_text)
    return int(isinstance(ring, list) and len(ring) >= 3 and geo.in_polygon(geo.Point(lat, lng), _ring(ring)))


_WORD = re.compile(r"\w+", re.UNICODE)
_TERM = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')


def _fold(text: str, case_sensitive: bool, diacritic_sensitive: bool) -> str:
    if not diacritic_sensitive:
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text if case_sensitive else text.casefold()


def text_match(value: Any, term: str, case_sensitive: int, diacritic_sensitive: int) -> int:
    """MongoDB-style $text on one string: any word, every "phrase", no -negated word (no stemming)."""
    if not isinstance(value, str) or not isinstance(term, str):
        return 0
    text = _fold(value, bool(case_sensitive), bool(diacritic_sensitive))
    words = set(_WORD.findall(text))
    wanted: list[str] = []
    for negated_phrase, phrase, negated, word in _TERM.findall(_fold(term, bool(case_sensitive),
                                                                       bool(diacritic_sensitive))):
        if phrase:
            if (phrase in text) == bool(negated_phrase):
                return 0
            if not negated_phrase:
                wanted.append(phrase)
            continue
        tokens = _WORD.findall(word)
        if negated:
            if any(token in words for token in tokens):
                return 0
            continue
        wanted.extend(tokens)
    return int(bool(wanted) and any(w in words or (" " in w and w in text) for w in wanted))


def register(connection: sqlite3.Connection) -> None:
    deterministic = {"deterministic": True}
    connection.create_function("pc_regex", 3, regex_match, **deterministic)
    connection.create_function("pc_contains", 2, array_contains, **deterministic)
    connection.create_function("pc_contains_any", 2, array_contains_any, **deterministic)
    connection.create_function("pc_contained_by", 2, array_contained_by, **deterministic)
    connection.create_function("pc_any_regex", 3, array_any_regex, **deterministic)
    connection.create_function("pc_distance", 4, geo_distance, **deterministic)
    connection.create_function("pc_in_polygon", 3, point_in_polygon, **deterministic)
    connection.create_function("pc_polygon_contains", 3, polygon_contains, **deterministic)
    connection.create_function("pc_text", 4, text_match, **deterministic)
