"""`GET /serverInfo` (master key)."""

from __future__ import annotations

from ... import PARSE_SERVER_VERSION
from ..api import ApiRequest, ApiResponse, Router, require_master


async def server_info(request: ApiRequest) -> ApiResponse:
    require_master(request)
    return ApiResponse({
        "features": {
            "globalConfig": {"create": True, "read": True, "update": True, "delete": True},
            "hooks": {"create": False, "read": False, "update": False, "delete": False},
            "cloudCode": {"jobs": True},
            "logs": {"level": False, "size": False, "order": False, "until": False, "from": False},
            "push": {"immediatePush": False, "scheduledPush": False, "storedPushData": False,
                     "pushAudiences": False, "localization": False},
            "schemas": {"addField": True, "removeField": True, "addClass": True, "removeClass": True,
                        "clearAllDataFromClass": True, "exportClass": False, "editClassLevelPermissions": True,
                        "editPointerPermissions": True},
            "settings": {"securityCheck": False},
        },
        "parseServerVersion": PARSE_SERVER_VERSION,
    })


def register(router: Router) -> None:
    router.add("GET", "/serverInfo", server_info)
