"""Routes of features this server does not provide, answered as Parse Server answers them when
they are not configured, instead of an HTML 404 that SDKs cannot parse:

- `POST /push` (master key): 115 `Missing push configuration` (no push adapter);
- `/hooks/functions`, `/hooks/triggers` (master key): empty lists; creating a webhook is refused
  with 143 (cloud code in Python replaces webhooks);
- `GET /scriptlog` (master key): no lines (logs are not exposed over the API).
"""

from __future__ import annotations

from ...errors import OPERATION_FORBIDDEN, ParseError
from ..api import ApiRequest, ApiResponse, Router, require_master

PUSH_MISCONFIGURED = 115
WEBHOOK_ERROR = 143


async def push(request: ApiRequest) -> ApiResponse:
    require_master(request)
    if request.ctx.auth.is_read_only:
        raise ParseError(OPERATION_FORBIDDEN, "read-only masterKey isn't allowed to send push notifications.")
    raise ParseError(PUSH_MISCONFIGURED, "Missing push configuration")


async def list_hooks(request: ApiRequest) -> ApiResponse:
    require_master(request)
    return ApiResponse([])


async def refuse_hook(request: ApiRequest) -> ApiResponse:
    require_master(request)
    if request.ctx.auth.is_read_only and request.method != "GET":
        raise ParseError(OPERATION_FORBIDDEN, "read-only masterKey isn't allowed to modify hooks.")
    raise ParseError(WEBHOOK_ERROR, "Webhooks are not supported; register Python cloud code instead.")


async def script_log(request: ApiRequest) -> ApiResponse:
    require_master(request)
    return ApiResponse([])


def register(router: Router) -> None:
    router.add("POST", "/push", push)
    for kind in ("functions", "triggers"):
        router.add("GET", f"/hooks/{kind}", list_hooks)
        router.add("POST", f"/hooks/{kind}", refuse_hook)
    router.add("GET", "/hooks/functions/{name}", refuse_hook)
    router.add("PUT", "/hooks/functions/{name}", refuse_hook)
    router.add("GET", "/hooks/triggers/{className}/{triggerName}", refuse_hook)
    router.add("PUT", "/hooks/triggers/{className}/{triggerName}", refuse_hook)
    router.add("GET", "/scriptlog", script_log)
