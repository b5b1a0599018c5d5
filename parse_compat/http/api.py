"""The HTTP-free API surface: a request, a response and a router of (method, path) → operation.

The aiohttp edge and `/batch` both dispatch through `Router.dispatch`, so a batched request
runs exactly the code a direct request runs.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import ParseError, Unauthorized
from ..rest.context import RequestContext


@dataclass
class ApiRequest:
    ctx: RequestContext
    method: str
    path: str  # below the mount path, e.g. /classes/Patient/abc
    body: Any = None
    query: dict[str, Any] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    raw_body: bytes | None = None
    content_type: str = ""
    in_batch: bool = False


@dataclass
class ApiResponse:
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[ApiRequest], Awaitable[ApiResponse]]


class NotFound(Exception):
    """No route: answered with Express's HTML 404 (`safety.not_found`), which never shows the path."""

    def __init__(self, method: str, path: str) -> None:
        super().__init__(f"Cannot {method} {path}")
        self.method = method


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "/?$"
        self._routes.append((method, re.compile(regex), handler))

    def find(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        for route_method, regex, handler in self._routes:
            if route_method != method:
                continue
            match = regex.match(path)
            if match:
                return handler, match.groupdict()
        raise NotFound(method, path)

    async def dispatch(self, request: ApiRequest) -> ApiResponse:
        handler, params = self.find(request.method, request.path)
        request.params = params
        return await handler(request)


def require_master(request: ApiRequest) -> None:
    """Parse's `promiseEnforceMasterKeyAccess`: a bare 403 `{"error": …}` with no `code`; the
    message is `Permission denied` unless `enableSanitizedErrorResponse` is false."""
    if not request.ctx.auth.is_master_key:  # the maintenance key is no master key here (Parse 9)
        settings = request.ctx.state.settings
        sanitized = getattr(settings, "enableSanitizedErrorResponse", True) is not False
        raise Unauthorized("Permission denied" if sanitized else "unauthorized: master key is required")


def require_writable_master(request: ApiRequest) -> None:
    require_master(request)
    if request.ctx.auth.is_read_only:
        raise ParseError(119, "read-only masterKey isn't allowed to perform this operation.")
