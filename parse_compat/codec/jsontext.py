"""JSON text from clients, read the way a JavaScript server reads it: every number is a double, so
an integer too large for 64 bits becomes a float instead of a value no database can store.

Values no client can legitimately send are refused here, before anything reaches storage:
`NaN` / `Infinity` literals (not JSON at all), numbers that overflow a double (`1e999`), and
strings or keys holding a lone UTF-16 surrogate (`"\\ud800"`), which no UTF-8 encoder — and so
no response, database driver or Live Query frame — can carry.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

INT64_DIGITS = 18  # any integer literal with at most 18 digits fits in 64 bits
# A JSON escape of a UTF-16 surrogate (\uD800-\uDFFF); only texts holding one need the walk below.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


class UnsendableValue(ValueError):
    """A JSON text holding a value no client can send (a ValueError, so callers answer 107)."""


def _parse_int(text: str) -> int | float:
    if len(text.lstrip("-")) <= INT64_DIGITS:
        return int(text)
    value = int(text)
    if -(2**63) <= value < 2**63:
        return value
    return _parse_float(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise UnsendableValue(f"number out of range: {text[:40]}")
    return value


def _refuse_constant(name: str) -> Any:
    raise UnsendableValue(f"{name} is not a valid JSON number")


def has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_strings(value: Any) -> None:
    """Raise UnsendableValue if any key or string, at any depth, holds a lone surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                raise UnsendableValue("a string holds a lone UTF-16 surrogate")
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and has_lone_surrogate(key):
                    raise UnsendableValue("a key holds a lone UTF-16 surrogate")
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)


def parse_json(text: str | bytes) -> Any:
    """json.loads with JavaScript's number range; raises ValueError / RecursionError like it."""
    if isinstance(text, str) and not text.isascii() and has_lone_surrogate(text):
        raise UnsendableValue("the text holds a lone UTF-16 surrogate")
    value = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_refuse_constant)
    escaped = SURROGATE_ESCAPE_BYTES.search(text) if isinstance(text, bytes) else SURROGATE_ESCAPE.search(text)
    if escaped is not None:  # only then can a decoded string hold a surrogate: walk it
        check_strings(value)
    return value
