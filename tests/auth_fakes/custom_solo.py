"""A "solo" custom adapter (a passkey-like provider): enough on its own, even on an account that
has an additional factor."""

from __future__ import annotations

from typing import Any

from parse_compat.auth.adapters import AuthFailure

policy = "solo"


def validate_auth_data(auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> None:
    if auth_data.get("assertion") != f"signed:{auth_data.get('id')}":
        raise AuthFailure("Invalid passkey assertion")
