"""`GET /scriptlog` (master key): the server's recent log lines from the app's ring (`logring.py`).

Parse's query parameters: `level` (`error` → error lines only; default `info`), `size` (or `n`;
default 10, at most the ring's capacity), `order` (`asc` | `desc`, default `desc`), `from` and
`until` (dates; default the last seven days up to now).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ...codec.dates import parse_iso
from ...errors import ParseError
from ...logring import DEFAULT_SIZE, MAX_ENTRIES
from ..api import ApiRequest, ApiResponse, Router, require_master


def _date(value: Any) -> datetime | None:
    """Parse's `validDateTime`: a date it can read, else none (then the default applies)."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        return parse_iso(str(value)[:64])
    except ParseError:
        return None


def _size(value: Any) -> int:
    """`Number(size) || 10`, bounded by what the ring can hold."""
    try:
        number = int(float(value)) if not isinstance(value, bool) and value not in (None, "") else 0
    except (TypeError, ValueError, OverflowError):
        number = 0
    return min(number, MAX_ENTRIES) if number > 0 else DEFAULT_SIZE


async def script_log(request: ApiRequest) -> ApiResponse:
    require_master(request)
    ring = request.ctx.state.services.log_ring
    if ring is None:
        return ApiResponse([])
    query = request.query
    level = query.get("level")
    order = query.get("order")
    size = _size(query.get("n", query.get("size")))
    lines = ring.query(level=level if isinstance(level, str) and level else "info", size=size,
                       order="asc" if order == "asc" else "desc", since=_date(query.get("from")),
                       until=_date(query.get("until")))
    return ApiResponse(lines)


def register(router: Router) -> None:
    router.add("GET", "/scriptlog", script_log)
