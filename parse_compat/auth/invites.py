"""Invitations: a one-time link with which a person sets the password of an account an
administrator made for them.

`issue(user_id)` gives a random token (32 bytes, url-safe) and keeps only its SHA-256 on the
user (`_invite_token_hash`, `_invite_expires_at`); the link is
`<publicServerURL>/apps/<appId>/accept_invite?token=…` (page: `http/invite_page.py`).
`accept(token, password)` checks the expiry and the password policy, then sets the password
and removes the token in one conditional update, so a link works once. Expiry:
`inviteTokenValidityDuration` seconds (default three days).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from ..codec.dates import date_value, parse_iso
from ..errors import OTHER_CAUSE, ParseError
from ..storage.base import FindOptions
from .passwords import hash_password
from .policy import check_password

DEFAULT_VALIDITY = 3 * 24 * 3600
INVALID = "This invitation link is invalid, has already been used or has expired."


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Invites:
    def __init__(self, state: Any) -> None:
        self.state = state

    def _schema(self) -> Any:
        schema = self.state.schemas.get("_User")
        assert schema is not None
        return schema

    @property
    def validity(self) -> int:
        return int(self.state.settings.inviteTokenValidityDuration or DEFAULT_VALIDITY)

    def link(self, token: str) -> str:
        settings = self.state.settings
        base = (settings.publicServerURL or "").rstrip("/")
        return f"{base}/apps/{settings.appId}/accept_invite?" + urlencode({"token": token})

    async def issue(self, user_id: str) -> tuple[str, datetime]:
        """A new token for the user (any earlier one stops working) and when it expires."""
        token = secrets.token_urlsafe(32)
        expires = datetime.now(UTC) + timedelta(seconds=self.validity)
        done = await self.state.services.server_writes.update(self._schema(), {"objectId": user_id},
                                               {"_invite_token_hash": token_hash(token),
                                                "_invite_expires_at": date_value(expires)})
        if done is None:
            raise ParseError(OTHER_CAUSE, "The invited user does not exist.")
        return token, expires

    async def revoke(self, user_id: str) -> None:
        """Any invitation of the user stops working."""
        await self.state.services.server_writes.update(self._schema(), {"objectId": user_id},
                                        {"_invite_token_hash": {"__op": "Delete"},
                                         "_invite_expires_at": {"__op": "Delete"}})

    async def pending(self, token: str) -> dict[str, Any] | None:
        """The invited user for a valid, unexpired token, else None."""
        if not isinstance(token, str) or not token or len(token) > 200:
            return None
        docs = await self.state.storage.find(self._schema(), {"_invite_token_hash": token_hash(token)},
                                             FindOptions(limit=1))
        if not docs:
            return None
        expires = docs[0].get("_invite_expires_at")
        if not isinstance(expires, dict) or parse_iso(str(expires.get("iso"))) < datetime.now(UTC):
            return None
        return docs[0]

    async def accept(self, token: str, password: str) -> dict[str, Any]:
        """Set the password; ParseError 600 (OTHER_CAUSE) for a bad link, 142 for a weak password."""
        user = await self.pending(token)
        if user is None:
            raise ParseError(OTHER_CAUSE, INVALID)
        if not isinstance(password, str) or not password:
            raise ParseError(OTHER_CAUSE, "A password is required.")
        check_password(self.state.settings.passwordPolicy, password, user.get("username"))
        update = {"_hashed_password": await hash_password(password),
                  "_password_changed_at": date_value(datetime.now(UTC)),
                  "_invite_token_hash": {"__op": "Delete"}, "_invite_expires_at": {"__op": "Delete"},
                  "_failed_login_count": {"__op": "Delete"}, "_account_lockout_expires_at": {"__op": "Delete"}}
        done = await self.state.services.server_writes.update(self._schema(), {"objectId": user["objectId"],
                                                                "_invite_token_hash": token_hash(token)}, update)
        if done is None:  # used by a concurrent request in the meantime
            raise ParseError(OTHER_CAUSE, INVALID)
        await self.state.services.sessions.revoke_user(user["objectId"])
        return done


def invites_of(state: Any) -> Invites:
    invites = state.services.invites
    if invites is None:
        invites = Invites(state)
        state.services.invites = invites
    return invites
