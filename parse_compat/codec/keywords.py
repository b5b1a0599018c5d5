"""Prohibited keywords in request data: Parse's `requestKeywordDenylist`.

Always refused (Parse's defaults): `__proto__` and `constructor` keys anywhere, and
`_bsontype: "Code"` → 105. The option adds entries with Parse's shape — `{"key": …}`,
`{"value": …}` or both — where a string pattern is a regex searched in a string key or value
and a boolean or number must equal the value; the scan is deep (nested objects and arrays).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import INVALID_KEY_NAME, ParseError
from .jsontext import parse_json
from .scalars import are_scalars, flat_objects

DENIED_KEYS = frozenset({"__proto__", "constructor"})
CHECKED_KEYS = DENIED_KEYS | {"_bsontype"}  # the keys that may refuse a request without a denylist
MAX_SCAN_DEPTH = 100
ABSENT = object()


@dataclass(frozen=True)
class DeniedKeyword:
    """One `requestKeywordDenylist` entry; `key` / `value` are ABSENT when not given."""

    key: Any
    value: Any

    def matches(self, key: str, value: Any) -> bool:
        if self.key is not ABSENT and not _matches(key, self.key):
            return False
        return self.value is ABSENT or _matches(value, self.value)

    def describe(self) -> str:
        """The entry as Parse's error message shows it (compact JSON)."""
        shown = {name: part for name, part in (("key", self.key), ("value", self.value)) if part is not ABSENT}
        return json.dumps(shown, separators=(",", ":"))


def _js_text(pattern: Any) -> str:
    if isinstance(pattern, bool):
        return "true" if pattern else "false"
    return str(pattern)


def _matches(candidate: Any, pattern: Any) -> bool:
    """Parse's rule: a string candidate is searched with the pattern as a regex; otherwise equality
    of the same JSON type (true is not 1)."""
    if isinstance(candidate, str):
        if re.search(_js_text(pattern), candidate):
            return True
        return isinstance(pattern, str) and candidate == pattern
    if isinstance(candidate, bool) or isinstance(pattern, bool):
        return isinstance(candidate, bool) and isinstance(pattern, bool) and candidate == pattern
    return isinstance(candidate, int | float) and isinstance(pattern, int | float) and candidate == pattern


def denylist_from_option(entries: Any) -> tuple[DeniedKeyword, ...]:
    """Validate the `requestKeywordDenylist` option (a JSON array) into entries; ValueError otherwise."""
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise ValueError("option requestKeywordDenylist must be an array of {\"key\", \"value\"} objects")
    out = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry or set(entry) - {"key", "value"}:
            raise ValueError("option requestKeywordDenylist: each entry is {\"key\": …}, {\"value\": …} or both")
        parts = {name: entry.get(name, ABSENT) for name in ("key", "value")}
        for part in parts.values():
            if part is ABSENT:
                continue
            if not isinstance(part, str | int | float | bool):
                raise ValueError("option requestKeywordDenylist: keys and values are strings (regexes), "
                                 "numbers or booleans")
            try:
                re.compile(_js_text(part))
            except re.error:
                raise ValueError(f"option requestKeywordDenylist: {str(part)[:60]!r} is not a valid regex") from None
        out.append(DeniedKeyword(parts["key"], parts["value"]))
    return tuple(out)


def check_keywords(value: Any, denylist: Sequence[DeniedKeyword] = (), depth: int = 0) -> None:
    """Refuse (105) the default keywords and the configured `denylist` anywhere in `value`."""
    # parse-compat: Parse replaces its defaults when the option is set; here they always apply, and
    # the whole request is scanned (Parse: object data and query keys).
    if depth > MAX_SCAN_DEPTH:
        raise ParseError(107, "request body nested too deeply")
    if isinstance(value, dict):
        for key, item in value.items():
            if key in DENIED_KEYS:
                raise ParseError(INVALID_KEY_NAME, "Prohibited keyword in request data: "
                                                   + json.dumps({"key": key}) + ".")
            if key == "_bsontype" and item == "Code":
                raise ParseError(INVALID_KEY_NAME, "Prohibited keyword in request data: "
                                                   + json.dumps({"key": "_bsontype", "value": "Code"}) + ".")
            if denylist:
                _check_entry(key, item, denylist)
            check_keywords(item, denylist, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value) if denylist else ():  # Parse scans items as entries "0", "1", …
            _check_entry(str(index), item, denylist)
        if value and are_scalars(value):  # (a long `$in`) no key inside: only the depth applies
            if depth >= MAX_SCAN_DEPTH:
                raise ParseError(107, "request body nested too deeply")
            return
        flat = None if denylist or not value else flat_objects(value, without=CHECKED_KEYS)
        if flat is not None:  # (a long `$in` of pointers) no key to refuse: only the depth applies
            if depth + 1 > MAX_SCAN_DEPTH or (flat and depth + 2 > MAX_SCAN_DEPTH):
                raise ParseError(107, "request body nested too deeply")
            return
        for item in value:
            check_keywords(item, denylist, depth + 1)


def _check_entry(key: str, item: Any, denylist: Sequence[DeniedKeyword]) -> None:
    for keyword in denylist:
        if keyword.matches(key, item):
            raise ParseError(INVALID_KEY_NAME, f"Prohibited keyword in request data: {keyword.describe()}.")


def check_query_keywords(query: Mapping[str, str], denylist: Sequence[DeniedKeyword] = ()) -> None:
    """URL parameters: their names and texts, and with configured entries the JSON `where` inside
    (a `where` that is not JSON is left for the query parser to refuse)."""
    check_keywords(dict(query), denylist)
    if denylist and query.get("where"):
        try:
            where = parse_json(query["where"])
        except (ValueError, RecursionError):
            return
        check_keywords(where, denylist)
