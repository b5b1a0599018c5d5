"""JSON text from clients, read the way a JavaScript server reads it: every number is a double, so
an integer too large for 64 bits becomes a float instead of a value no database can store."""

from __future__ import annotations

import json
from typing import Any

INT64_DIGITS = 18  # any integer literal with at most 18 digits fits in 64 bits


def _parse_int(text: str) -> int | float:
    if len(text.lstrip("-")) <= INT64_DIGITS:
        return int(text)
    value = int(text)
    return value if -(2**63) <= value < 2**63 else float(value)


def parse_json(text: str | bytes) -> Any:
    """json.loads with JavaScript's number range; raises ValueError / RecursionError like it."""
    return json.loads(text, parse_int=_parse_int)
