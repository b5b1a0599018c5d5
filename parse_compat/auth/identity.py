"""Who is calling: master, read-only master, a user (through a session), or anonymous."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Auth:
    """The caller of one request. `roles` is filled lazily by the role resolver."""

    is_master: bool = False
    is_read_only: bool = False
    user: dict[str, Any] | None = None
    session_token: str | None = None
    installation_id: str | None = None
    roles: list[str] | None = field(default=None, repr=False)

    @property
    def user_id(self) -> str | None:
        return self.user["objectId"] if self.user else None

    @property
    def user_pointer(self) -> dict[str, str] | None:
        if not self.user:
            return None
        return {"__type": "Pointer", "className": "_User", "objectId": self.user["objectId"]}

    @property
    def has_master_power(self) -> bool:
        return self.is_master or self.is_read_only


MASTER = Auth(is_master=True)
