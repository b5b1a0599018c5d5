"""`GET /security` (master key): Parse's security check report (`parse_compat/security_check.py`);
409 `{"error": …}` unless the `security.enableCheck` option is on."""

from __future__ import annotations

from ...security_check import DISABLED_MESSAGE, security_report
from ..api import ApiRequest, ApiResponse, Router, require_master


async def security(request: ApiRequest) -> ApiResponse:
    require_master(request)  # as in Parse: the key first, then whether the check is enabled
    settings = request.ctx.state.settings
    if not (settings.security or {}).get("enableCheck"):
        return ApiResponse({"error": DISABLED_MESSAGE}, status=409)
    return ApiResponse(security_report(settings))


def register(router: Router) -> None:
    router.add("GET", "/security", security)
