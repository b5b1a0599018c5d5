"""Query parameters of find and get: parsed from the URL or the JSON body, checked like Parse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..codec.jsontext import parse_json
from ..codec.keywords import check_keywords
from ..errors import INVALID_JSON, INVALID_QUERY, ParseError

FIND_KEYS = frozenset({"where", "order", "limit", "skip", "keys", "excludeKeys", "include", "count",
                       "includeAll", "readPreference", "includeReadPreference", "subqueryReadPreference",
                       "hint", "explain", "comment", "redirectClassNameForKey"})
GET_KEYS = frozenset({"keys", "include", "excludeKeys", "readPreference", "includeReadPreference",
                      "subqueryReadPreference"})
READ_PREFERENCES = {"PRIMARY", "PRIMARY_PREFERRED", "SECONDARY", "SECONDARY_PREFERRED", "NEAREST"}


@dataclass
class QueryParams:
    where: dict[str, Any] = field(default_factory=dict)
    order: list[tuple[str, bool]] = field(default_factory=list)
    limit: int | None = None
    skip: int = 0
    keys: list[str] | None = None
    exclude_keys: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    include_all: bool = False
    count: bool = False
    redirect_key: str | None = None


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ParseError(INVALID_QUERY, f"Invalid parameter for query: {name}")
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ParseError(INVALID_QUERY, f"Invalid parameter for query: {name}") from exc
    if number < 0 and name == "skip":
        raise ParseError(INVALID_QUERY, "Invalid skip value")
    return number


def _list(name: str, value: Any) -> list[str]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    raise ParseError(INVALID_QUERY, f"Invalid parameter for query: {name}")


def parse_params(raw: dict[str, Any], allowed: frozenset[str] = FIND_KEYS) -> QueryParams:
    params = QueryParams()
    for key, value in raw.items():
        if key not in allowed:
            if allowed is GET_KEYS:
                raise ParseError(INVALID_QUERY, "Improper encode of parameter")
            raise ParseError(INVALID_QUERY, f"Invalid parameter for query: {key}")
        if key == "where":
            if isinstance(value, str):
                try:
                    value = parse_json(value) if value else {}
                except (ValueError, RecursionError) as exc:
                    raise ParseError(INVALID_JSON, "where parameter is not valid JSON") from exc
            check_keywords(value)
            if not isinstance(value, dict):
                raise ParseError(INVALID_JSON, "where parameter is not valid JSON")
            params.where = value
        elif key == "order":
            for part in _list(key, value):
                descending = part.startswith("-")
                name = part[1:] if descending else part
                if name == "_created_at":
                    name = "createdAt"
                elif name == "_updated_at":
                    name = "updatedAt"
                params.order.append((name, not descending))
        elif key == "limit":
            params.limit = _int(key, value)
        elif key == "skip":
            params.skip = _int(key, value)
        elif key == "keys":
            params.keys = _list(key, value)
        elif key == "excludeKeys":
            params.exclude_keys = _list(key, value)
        elif key == "include":
            names = _list(key, value)
            params.include_all = params.include_all or "*" in names
            params.include = [n for n in names if n != "*"]
        elif key == "includeAll":
            params.include_all = value in (True, "true", 1, "1")
        elif key == "count":
            params.count = value not in (False, 0, "0", "false", None, "")
        elif key in ("readPreference", "includeReadPreference", "subqueryReadPreference"):
            if not isinstance(value, str) or value.upper() not in READ_PREFERENCES:
                raise ParseError(INVALID_QUERY, "Not supported read preference.")
        elif key == "explain":
            raise ParseError(INVALID_QUERY, "Using the explain query parameter requires the master key")
        elif key == "redirectClassNameForKey":
            if not isinstance(value, str):
                raise ParseError(INVALID_QUERY, "Invalid parameter for query: redirectClassNameForKey")
            params.redirect_key = value
    return params


def from_query_string(items: dict[str, str]) -> dict[str, Any]:
    """URL parameters: each value is JSON-parsed when it can be (Parse does the same)."""
    out: dict[str, Any] = {}
    for key, value in items.items():
        if key in ("where", "order", "keys", "include", "excludeKeys"):
            out[key] = value
            continue
        try:
            out[key] = parse_json(value)
        except (ValueError, RecursionError):
            out[key] = value
    return out
