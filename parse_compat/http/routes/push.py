"""`POST /push` (writable master key): records a `_PushStatus` and answers `{"result": true}`
with `X-Parse-Push-Status-Id` while the push is sent in the background (`parse_compat/push`)."""

from __future__ import annotations

from ...errors import OPERATION_FORBIDDEN, ParseError
from ..api import ApiRequest, ApiResponse, Router, require_master

PUSH_MISCONFIGURED = 115


async def send_push(request: ApiRequest) -> ApiResponse:
    require_master(request)
    if request.ctx.auth.is_read_only:
        raise ParseError(OPERATION_FORBIDDEN, "read-only masterKey isn't allowed to send push notifications.")
    service = request.ctx.state.services.push
    if service is None:
        raise ParseError(PUSH_MISCONFIGURED, "Push controller is not set")
    status_id = await service.send(request.ctx, request.body if request.body is not None else {})
    return ApiResponse({"result": True}, 200, {"X-Parse-Push-Status-Id": status_id})


def register(router: Router) -> None:
    router.add("POST", "/push", send_push)
