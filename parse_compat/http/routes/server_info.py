"""`GET /serverInfo` (master key): the features this server has (`features.server_features`)."""

from __future__ import annotations

from ... import PARSE_SERVER_VERSION
from ...features import server_features
from ..api import ApiRequest, ApiResponse, Router, require_master


async def server_info(request: ApiRequest) -> ApiResponse:
    require_master(request)
    return ApiResponse({"features": server_features(request.ctx.state), "parseServerVersion": PARSE_SERVER_VERSION})


def register(router: Router) -> None:
    router.add("GET", "/serverInfo", server_info)
