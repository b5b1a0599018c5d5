"""Parse's ``$relativeTime`` phrases ("3 days ago", "in 2 hours", "now") resolved to instants.

Used by query normalization before a ``where`` reaches storage or the matcher (both only see
absolute Dates). Grammar, as Parse Server accepts it (case-insensitive, space separated):

- ``now``;
- ``in <n> <unit> [<n> <unit> …]`` (future) or ``<n> <unit> [<n> <unit> …] ago`` (past);
- units: ``yr yrs year years`` (365 days), ``wk wks week weeks``, ``d day days``,
  ``hr hrs hour hours``, ``min mins minute minutes``, ``sec secs second seconds``.

Amounts may be fractional ("1.5 hours"), a superset of Parse Server. Errors are
``ParseError(INVALID_JSON)`` with Parse's ``bad $relativeTime (<op>) value. <reason>`` message.
Imports nothing with I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

from parse_compat.errors import INVALID_JSON, ParseError

_UNIT_SECONDS: Mapping[str, int] = MappingProxyType({
    **dict.fromkeys(("yr", "yrs", "year", "years"), 365 * 24 * 3600),
    **dict.fromkeys(("wk", "wks", "week", "weeks"), 7 * 24 * 3600),
    **dict.fromkeys(("d", "day", "days"), 24 * 3600),
    **dict.fromkeys(("hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("sec", "secs", "second", "seconds"), 1),
})


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _fail(reason: str, operator: str | None) -> ParseError:
    where = f" ({operator})" if operator else ""
    return ParseError(INVALID_JSON, f"bad $relativeTime{where} value. {reason}")


def _amount(text: str, operator: str | None) -> float:
    # parse-compat: Parse Server rejects non-integer amounts ("'1.5' is not an integer.");
    # we accept any finite decimal number, which keeps every phrase Parse accepts valid.
    if not _NUMBER.fullmatch(text):
        raise _fail(f"'{text}' is not a number.", operator)
    return float(text)


def resolve_relative_time(text: str, now: datetime, operator: str | None = None) -> datetime:
    """The instant ``text`` designates relative to ``now`` (returned with ``now``'s tzinfo).

    ``operator`` (``"$lt"`` …) only decorates the error message. Raises
    ``ParseError(INVALID_JSON)`` for anything that is not a valid phrase.
    """
    if not isinstance(text, str):
        raise _fail(f"{text!r} is not a string.", operator)
    parts = text.lower().split()
    if parts == ["now"]:
        return now
    if not parts:
        raise _fail("Time should either start with 'in' or end with 'ago'", operator)
    future = parts[0] == "in"
    past = parts[-1] == "ago"
    if not future and not past:
        raise _fail("Time should either start with 'in' or end with 'ago'", operator)
    if future and past:
        raise _fail("Time cannot have both 'in' and 'ago'", operator)
    body = parts[1:] if future else parts[:-1]
    if len(body) % 2:
        raise _fail("Invalid time string. Dangling unit or number.", operator)
    seconds = 0.0
    for amount_text, unit in zip(body[::2], body[1::2], strict=True):
        amount = _amount(amount_text, operator)
        unit_seconds = _UNIT_SECONDS.get(unit)
        if unit_seconds is None:
            raise _fail(f"Invalid interval: '{unit}'", operator)
        seconds += amount * unit_seconds
    try:
        delta = timedelta(seconds=seconds)
        return now + delta if future else now - delta
    except OverflowError:
        raise _fail("The resulting date is out of range.", operator) from None
