"""``$relativeTime`` phrases resolved against a fixed "now"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from parse_compat.errors import INVALID_JSON, ParseError
from parse_compat.query.relative_time import resolve_relative_time

NOW = datetime(2024, 6, 15, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "delta"), [
    ("now", timedelta(0)),
    ("NOW", timedelta(0)),
    ("  now ", timedelta(0)),
    ("3 days ago", -timedelta(days=3)),
    ("in 2 hours", timedelta(hours=2)),
    ("In 2 Hours", timedelta(hours=2)),
    ("in 1 day 2 hours", timedelta(days=1, hours=2)),
    ("1 yr 2 wks 3 d 4 hrs 5 mins 6 secs ago",
     -timedelta(days=365 + 14 + 3, hours=4, minutes=5, seconds=6)),
    ("in 1.5 hours", timedelta(minutes=90)),
    ("0.5 min ago", -timedelta(seconds=30)),
    ("in  10   seconds", timedelta(seconds=10)),
    ("in 0 days", timedelta(0)),
])
def test_resolves(text: str, delta: timedelta) -> None:
    assert resolve_relative_time(text, NOW) == NOW + delta


@pytest.mark.parametrize(("unit", "seconds"), [
    *[(u, 365 * 86400) for u in ("yr", "yrs", "year", "years")],
    *[(u, 7 * 86400) for u in ("wk", "wks", "week", "weeks")],
    *[(u, 86400) for u in ("d", "day", "days")],
    *[(u, 3600) for u in ("hr", "hrs", "hour", "hours")],
    *[(u, 60) for u in ("min", "mins", "minute", "minutes")],
    *[(u, 1) for u in ("sec", "secs", "second", "seconds")],
])
def test_every_unit(unit: str, seconds: int) -> None:
    assert resolve_relative_time(f"in 2 {unit}", NOW) == NOW + timedelta(seconds=2 * seconds)
    assert resolve_relative_time(f"2 {unit} ago", NOW) == NOW - timedelta(seconds=2 * seconds)


def test_keeps_the_timezone_of_now() -> None:
    tz = timezone(timedelta(hours=2))
    now = datetime(2024, 1, 1, 0, 0, tzinfo=tz)
    result = resolve_relative_time("1 hour ago", now)
    assert result.tzinfo is tz
    assert result == datetime(2023, 12, 31, 21, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "reason"), [
    ("", "Time should either start with 'in' or end with 'ago'"),
    ("3 days", "Time should either start with 'in' or end with 'ago'"),
    ("yesterday", "Time should either start with 'in' or end with 'ago'"),
    ("in 3 days ago", "Time cannot have both 'in' and 'ago'"),
    ("in 3", "Invalid time string. Dangling unit or number."),
    ("3 days 2 ago", "Invalid time string. Dangling unit or number."),
    ("in x days", "'x' is not a number."),
    ("in 1e3 days", "'1e3' is not a number."),
    ("in nan days", "'nan' is not a number."),
    ("in 3 fortnights", "Invalid interval: 'fortnights'"),
    ("in 3 months", "Invalid interval: 'months'"),
    ("in 99999999999 years", "The resulting date is out of range."),
])
def test_bad_input(text: str, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        resolve_relative_time(text, NOW)
    assert info.value.code == INVALID_JSON
    assert info.value.message == f"bad $relativeTime value. {reason}"


def test_operator_appears_in_the_message() -> None:
    with pytest.raises(ParseError) as info:
        resolve_relative_time("soon", NOW, operator="$lt")
    assert info.value.message == "bad $relativeTime ($lt) value. Time should either start with 'in' or end with 'ago'"


def test_non_string_is_rejected() -> None:
    with pytest.raises(ParseError) as info:
        resolve_relative_time(3, NOW)  # type: ignore[arg-type]
    assert info.value.code == INVALID_JSON
