"""Relay pagination over Parse's skip/limit, as Parse Server computes it: `skip`, `after`,
`first`, `before`, `last` → the skip and limit of the REST find, and whether a count must be
read first (`last` without `first`). Errors are Parse's (102). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import INVALID_QUERY, ParseError
from .names import cursor_to_offset, offset_to_cursor


@dataclass
class Window:
    skip: int | None
    limit: int | None
    needs_pre_count: bool


def window(skip: int | None, first: int | None, after: str | None, last: int | None, before: str | None,
           max_limit: int | None) -> Window:
    if skip is not None and skip < 0:
        raise ParseError(INVALID_QUERY, "Skip should be a positive number")
    limit: int | None = None
    pre_count = False
    if after:
        offset = cursor_to_offset(after)
        if offset is None or offset < 0:
            raise ParseError(INVALID_QUERY, "After is not a valid cursor")
        skip = (skip or 0) + offset + 1
    if first is not None:
        if first < 0:
            raise ParseError(INVALID_QUERY, "First should be a positive number")
        limit = first
    if before is not None:
        end = cursor_to_offset(before)
        if end is None or end < 0:
            raise ParseError(INVALID_QUERY, "Before is not a valid cursor")
        if (skip or 0) >= end:
            limit = 0
        elif limit is None or (skip or 0) + limit > end:
            limit = end - (skip or 0)
    if last is not None:
        if last < 0:
            raise ParseError(INVALID_QUERY, "Last should be a positive number")
        if max_limit is not None and last > max_limit:
            last = max_limit
        if limit is not None:
            if last < limit:
                skip = (skip or 0) + (limit - last)
                limit = last
        elif last == 0:
            limit = 0
        else:
            limit = last
            pre_count = True
    return Window(skip, limit, pre_count)


def connection(results: list[dict[str, Any]] | None, skip: int | None, count: int | None,
               pre_count: int | None) -> dict[str, Any]:
    """`{edges, pageInfo, count}` of one page (Parse's cursors: offsets in the full result)."""
    start = skip or 0
    total = pre_count if pre_count is not None else count
    if results is None:
        return {"edges": None, "pageInfo": None, "count": total}
    edges = [{"cursor": offset_to_cursor(start + index), "node": node} for index, node in enumerate(results)]
    page_info = {
        "hasPreviousPage": bool(total) and start > 0,
        "startCursor": offset_to_cursor(start),
        "endCursor": offset_to_cursor(start + (len(results) or 1) - 1),
        "hasNextPage": (total or 0) > start + len(results),
    }
    return {"edges": edges, "pageInfo": page_info, "count": total}
