"""Prohibited keywords in request bodies (Parse's `requestKeywordDenylist` defaults):
`__proto__` and `constructor` keys anywhere, and `_bsontype: "Code"` → 105."""

from __future__ import annotations

import json
from typing import Any

from ..errors import INVALID_KEY_NAME, ParseError

DENIED_KEYS = frozenset({"__proto__", "constructor"})
MAX_SCAN_DEPTH = 100


def check_keywords(value: Any, depth: int = 0) -> None:
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
            check_keywords(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_keywords(item, depth + 1)
