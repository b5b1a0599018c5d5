"""Parse's `PushController` time checks: `expiration_time`, `expiration_interval`, `push_time`.

Numbers are seconds since the epoch; strings are dates. Anything else, or a date that cannot be
read, is 115 `<value> is not valid time.`; both an expiration time and an interval is 115 too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..codec.dates import format_iso
from ..errors import ParseError

PUSH_MISCONFIGURED = 115


def _bad(value: Any) -> ParseError:
    return ParseError(PUSH_MISCONFIGURED, f"{str(value)[:64]} is not valid time.")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _read(value: Any) -> tuple[datetime, bool]:
    """(the moment, whether it was written without a time zone)."""
    if _number(value):
        try:
            return datetime.fromtimestamp(float(value), UTC), False
        except (OverflowError, OSError, ValueError) as exc:
            raise _bad(value) from exc
    if isinstance(value, str) and value and len(value) <= 64:
        text = value.strip()
        local = not (text.endswith("Z") or "+" in text[10:] or text[10:].count("-") > 0)
        try:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError as exc:
            raise _bad(value) from exc
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), local
    raise _bad(value)


def expiration_time(body: dict[str, Any]) -> int | None:
    """Milliseconds since the epoch, or None when the push has none."""
    if "expiration_time" not in body:
        return None
    moment, _ = _read(body["expiration_time"])
    return int(moment.timestamp() * 1000)


def expiration_interval(body: dict[str, Any]) -> float | None:
    if "expiration_interval" not in body:
        return None
    value = body["expiration_interval"]
    if not _number(value) or value <= 0:
        raise ParseError(PUSH_MISCONFIGURED, "expiration_interval must be a number greater than 0")
    return float(value)


def push_time(body: dict[str, Any]) -> str | None:
    """Parse's `formatPushTime`: ISO text; a time written without a zone keeps no `Z` (local time)."""
    if "push_time" not in body:
        return None
    moment, local = _read(body["push_time"])
    text = format_iso(moment)
    return text[:-1] if local else text
