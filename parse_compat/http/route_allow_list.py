"""Parse's `routeAllowList`: which REST routes callers without the master key may use.

Unset: every route. Set: a request whose route (the path below the mount, without its leading or
trailing slash and query string, e.g. `classes/Patient/abc`) fully matches none of the patterns
is refused with 119 before it runs — also each item of a `/batch`, and `/health`. The master key
(and the read-only one, master to Parse) passes; file routes and GraphQL are not covered (as in
Parse); cloud code's own calls never pass through here.
"""

from __future__ import annotations

import functools
import logging
import re

from ..auth.identity import Auth
from ..errors import OPERATION_FORBIDDEN, ParseError
from ..settings import Settings

log = logging.getLogger("parse_compat.http")


@functools.lru_cache(maxsize=16)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


def route_of(path: str) -> str:
    """The route identifier Parse matches: `/classes/A/b/?x=1` → `classes/A/b`."""
    route = path.partition("?")[0]
    if route.startswith("/"):
        route = route[1:]
    if route.endswith("/"):
        route = route[:-1]
    return route


def enforce_route_allow_list(settings: Settings, method: str, path: str, auth: Auth | None) -> None:
    """Raise 119 when `routeAllowList` is set, the caller lacks the master key and the route is not listed."""
    patterns = settings.routeAllowList
    if patterns is None or (auth is not None and auth.has_master_power):
        return
    route = route_of(path)
    if any(regex.fullmatch(route) for regex in _compiled(tuple(patterns))):
        return
    detail = f"Route not allowed by routeAllowList: {method} {route}"
    log.info(detail)
    # parse-compat: Parse's sanitized error — the detail reaches the client only when
    # enableSanitizedErrorResponse is false.
    raise ParseError(OPERATION_FORBIDDEN, "Permission denied" if settings.enableSanitizedErrorResponse else detail)
