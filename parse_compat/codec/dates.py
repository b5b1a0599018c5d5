"""Parse's date text: ISO-8601, UTC, millisecond precision, `Z` (`2020-01-01T00:00:00.000Z`)."""

from __future__ import annotations

from datetime import UTC, datetime

from ..errors import INVALID_JSON, ParseError


def format_iso(moment: datetime) -> str:
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ParseError(INVALID_JSON, f"invalid date {value[:40]!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def canonical_iso(value: str) -> str:
    """An ISO date string in Parse's fixed form, so dates compare as text."""
    return format_iso(parse_iso(value))


def now_iso() -> str:
    return format_iso(datetime.now(UTC))


def date_value(moment: datetime) -> dict[str, str]:
    return {"__type": "Date", "iso": format_iso(moment)}
