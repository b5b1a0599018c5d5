"""Custom auth adapters written in Python, as an app would ship them (`"module": "tests.auth_fakes.
custom_adapters"` or `...custom_adapters.otp`)."""

from __future__ import annotations

import hmac
from typing import Any

from parse_compat.auth.adapters import AuthFailure


# --- the legacy interface: validate_auth_data / validate_app_id --------------------------------
async def validate_auth_data(auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> None:
    """A company SSO whose tokens are `<secret>:<user id>`."""
    expected = f"{options['secret']}:{auth_data.get('id')}"
    if not hmac.compare_digest(str(auth_data.get("token", "")), expected):
        raise AuthFailure("SSO token is not valid for this user")


def validate_app_id(app_ids: list[str], auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> None:
    if auth_data.get("app") not in app_ids:
        raise AuthFailure("SSO token was issued to another app")
