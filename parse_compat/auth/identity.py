"""Who is calling: master, read-only master, a user (through a session), or anonymous.

The read-only master key (`readOnlyMasterKey`) reads with master power and never writes:
`is_master` is False for it (every write path tests `is_master`), `has_master_power` True.

The maintenance key (`maintenanceKey`, Parse 9) has master power over objects (`is_master` and
`is_maintenance` both true) but not the master key's own routes and flags: `is_master_key` is
false for it, and master-only routes, `/loginAs`, masterKeyOnly config parameters and cloud
code's `request.master` ask that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import OPERATION_FORBIDDEN, ParseError


@dataclass
class Auth:
    """The caller of one request. `roles` is filled lazily by the role resolver."""

    is_master: bool = False
    is_read_only: bool = False
    is_maintenance: bool = False
    user: dict[str, Any] | None = None
    session_token: str | None = None
    installation_id: str | None = None
    roles: list[str] | None = field(default=None, repr=False)
    # The caller whose cloud code assumed this master identity (`elevated()`): who the audit trail names.
    on_behalf_of: Auth | None = field(default=None, repr=False, compare=False)

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

    @property
    def is_master_key(self) -> bool:
        """The master key or the read-only master key itself (not the maintenance key)."""
        return self.has_master_power and not self.is_maintenance

    def elevated(self) -> Auth:
        """The master identity this caller may assume in cloud code (`sdk.as_master()`): full
        master, except for a read-only-master caller, who stays read-only (reads only)."""
        caller = self.on_behalf_of or self
        if self.is_read_only:
            return Auth(is_read_only=True, installation_id="cloud", on_behalf_of=caller)
        return Auth(is_master=True, installation_id="cloud", on_behalf_of=caller)


def refuse_read_only(auth: Auth, operation: str) -> None:
    """119 with Parse's message when a read-only-master caller tries to write (`operation`:
    create, update, delete...)."""
    if auth.is_read_only:
        raise ParseError(OPERATION_FORBIDDEN,
                         f"read-only masterKey isn't allowed to perform the {operation} operation.")


MASTER = Auth(is_master=True)
