"""JSON out to clients that never fails on a value already stored badly.

A row written before values were checked (or imported straight into the database) may hold a
lone UTF-16 surrogate or a non-finite number. JSON cannot carry either: `json.dumps` writes
`NaN` (which no client parses) and UTF-8 cannot encode a surrogate, so one such row used to turn
every list of its class into a 500 and stop Live Query. Here the fast path is orjson (compiled;
a page of 20 objects encodes about 20 times faster than with `json.dumps`); only when it fails
is the value repaired — a surrogate becomes U+FFFD, a non-finite number becomes null — and
`on_bad` is told which kind was found, so the caller can log it (once, not per row or per request).

orjson writes what `json.dumps(separators=(",", ":"), ensure_ascii=False)` writes — keys in
insertion order, non-ASCII as UTF-8, control characters escaped as `\\u001f`, floats as their shortest
round-trip form — with one difference, where it writes what JSON.stringify (Parse) writes: an
exponent below -4 is not zero-padded (`1e-7`, where `json.dumps` writes `1e-07`). What orjson
refuses (a lone surrogate, an integer beyond 64 bits, a non-string key, nesting deeper than 254)
goes through `json.dumps` as before; it writes NaN as null, so a null in its output is checked
for a non-finite number to report. Dates and dataclasses are not serialized (as with `json.dumps`).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from typing import Any

import orjson

SURROGATES = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"

Reporter = Callable[[str], None]
ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS  # refused, as json.dumps does


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _has_non_finite(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def _compiled(value: Any, on_bad: Reporter | None) -> bytes | None:
    """orjson's UTF-8 text, or None when it refuses the value (then json.dumps decides)."""
    try:
        data = orjson.dumps(value, option=ORJSON_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        return None
    if b"null" in data and on_bad is not None and _has_non_finite(value):
        on_bad("a non-finite number")  # orjson already wrote it as null, as the repair does
    return data


def _text(value: Any, on_bad: Reporter | None) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        if on_bad is not None:
            on_bad("a non-finite number")
        return json.dumps(_finite(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _repair(text: str, on_bad: Reporter | None) -> str:
    if on_bad is not None:
        on_bad("a lone UTF-16 surrogate")
    return SURROGATES.sub(REPLACEMENT, text)


def encode(value: Any, on_bad: Reporter | None = None) -> bytes:
    """Compact UTF-8 JSON (as JSON.stringify writes it), for HTTP responses."""
    data = _compiled(value, on_bad)
    if data is not None:
        return data
    text = _text(value, on_bad)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _repair(text, on_bad).encode("utf-8")


def dumps(value: Any, on_bad: Reporter | None = None) -> str:
    """The same as a str that UTF-8 can always encode (Live Query frames)."""
    data = _compiled(value, on_bad)
    if data is not None:
        return data.decode("utf-8")
    text = _text(value, on_bad)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return _repair(text, on_bad)
    return text


class BadValueLog:
    """Logs each kind of bad stored value the first time it is served, then only counts it."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger
        self.counts: dict[str, int] = {}

    def __call__(self, kind: str) -> None:
        seen = self.counts.get(kind, 0)
        self.counts[kind] = seen + 1
        if seen == 0:
            self.logger.warning("stored data holds %s; served with it replaced (U+FFFD or null). "
                                "Further occurrences are only counted.", kind)
