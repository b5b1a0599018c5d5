"""A custom adapter on Parse's newer interface: a one-time code requested with POST /challenge,
then used as an "additional" factor; nothing of the code is stored."""

from __future__ import annotations

from typing import Any

from parse_compat.auth.adapters import AuthFailure


class OtpAdapter:
    policy = "additional"

    def __init__(self) -> None:
        self.sent: dict[str, str] = {}

    def validate_options(self, options: dict[str, Any]) -> None:
        if "code" not in options:
            raise ValueError("code is required")

    async def challenge(self, challenge_data: dict[str, Any], auth_data: Any, options: dict[str, Any],
                        request: Any) -> dict[str, Any]:
        return {"sentTo": (request.original or {}).get("username"), "hint": "check your phone"}

    def validate_set_up(self, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> dict[str, Any]:
        return {"save": {"enabled": True}, "response": {"enabled": True}}

    def validate_login(self, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> dict[str, Any]:
        if auth_data.get("code") != options["code"]:
            raise AuthFailure("Invalid code")
        return {"doNotSave": True}

    def validate_update(self, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> dict[str, Any]:
        return {"save": {"enabled": True}}


adapter = OtpAdapter()
