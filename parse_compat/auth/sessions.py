"""Revocable sessions (`r:<32 hex>`): creation, lookup with a per-app cache, revocation.

A bad, expired or revoked token → 209. The cache maps token → (user, expiry) and is dropped
for a token on logout/revocation and for a user when their sessions are revoked or they change.

`sessionLength` (seconds, Parse's default one year) sets `expiresAt` at creation: the absolute
length. `sessionIdleTimeout` (seconds, parse-compat; off unless set) ends a session that saw no
request for that long: each lookup that reaches the database (at least every `CACHE_SECONDS` of
activity) checks the session's `_last_used_at` and refreshes it at most once per `TOUCH_SECONDS`
(or a tenth of the timeout), so an idle session ends within the timeout plus a few seconds.
`extendSessionOnUse` (Parse's) moves `expiresAt` a full `sessionLength` ahead when a session is
used after half of that length since it was last written (checked on each database lookup).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ..codec.dates import date_value, now_iso, parse_iso
from ..errors import INVALID_SESSION_TOKEN, ParseError
from ..schema.registry import SchemaRegistry
from ..settings import Settings
from ..storage.base import Document, FindOptions, RecordWrites, StorageAdapter

# Short, like Parse Server's cacheTTL: a logout in another server process is seen within this time.
CACHE_SECONDS = 5.0
CACHE_MAX = 10000
DEFAULT_SESSION_LENGTH = 31536000  # Parse's sessionLength default: one year
TOUCH_SECONDS = 60.0


def new_token() -> str:
    return "r:" + secrets.token_hex(16)


class SessionStore:
    def __init__(self, storage: StorageAdapter, writes: RecordWrites, schemas: SchemaRegistry,
                 settings: Settings) -> None:
        self._storage = storage  # reads
        self._writes = writes  # server-owned writes (rest/write/server_owned.py)
        self._schemas = schemas
        self._settings = settings
        self._cache: dict[str, tuple[float, Document]] = {}
        # token → its session's objectId, for the audit trail (which names sessions, never tokens)
        self._ids: dict[str, str] = {}
        # Told (token, None) / (None, userId) whenever a token or a user's sessions are forgotten
        # (logout, revocation, user change); Live Query re-validates the sockets resting on them.
        self.listeners: list[Callable[[str | None, str | None], None]] = []

    def clear(self) -> None:
        self._cache.clear()
        self._ids.clear()

    def known_session_id(self, token: str) -> str | None:
        """The objectId of the session of `token` when this process looked it up (no I/O)."""
        return self._ids.get(token)

    def forget_user(self, user_id: str) -> None:
        for token, (_, user) in list(self._cache.items()):
            if user.get("objectId") == user_id:
                self._cache.pop(token, None)
        for listener in self.listeners:
            listener(None, user_id)

    def forget_token(self, token: str) -> None:
        self._cache.pop(token, None)
        self._ids.pop(token, None)
        for listener in self.listeners:
            listener(token, None)

    async def create(self, user_id: str, installation_id: str | None, created_with: dict[str, Any] | None,
                     replace_installation: bool = True, expires_at: Any = None) -> Document:
        schema = self._schemas.get("_Session")
        assert schema is not None
        if installation_id and replace_installation:
            await self._writes.delete_many(schema, {
                "user": {"__type": "Pointer", "className": "_User", "objectId": user_id},
                "installationId": installation_id})
        now = now_iso()
        doc: Document = {"objectId": self._writes.new_object_id(), "createdAt": now, "updatedAt": now,
                         **self.new_session_fields(user_id, installation_id, created_with)}
        if expires_at is not None:  # a session made from another one ends when that one does
            doc["expiresAt"] = expires_at
        await self._writes.insert(schema, doc)
        return doc

    def new_session_fields(self, user_id: str, installation_id: str | None,
                           created_with: dict[str, Any] | None) -> Document:
        """The server-owned fields of a new session (the write pipeline stores them for
        `POST /sessions`; logins and signups through `create`)."""
        doc: Document = {"sessionToken": new_token(),
                         "user": {"__type": "Pointer", "className": "_User", "objectId": user_id}}
        if created_with is not None:
            doc["createdWith"] = created_with
        if installation_id:
            doc["installationId"] = installation_id
        if self._settings.expireInactiveSessions:
            length = self._settings.sessionLength or DEFAULT_SESSION_LENGTH
            doc["expiresAt"] = date_value(datetime.now(UTC) + timedelta(seconds=length))
        if self._settings.sessionIdleTimeout:
            doc["_last_used_at"] = date_value(datetime.now(UTC))
        return doc

    async def find_session(self, token: str) -> Document | None:
        schema = self._schemas.get("_Session")
        assert schema is not None
        docs = await self._storage.find(schema, {"sessionToken": token}, FindOptions(limit=1))
        return docs[0] if docs else None

    async def user_for_token(self, token: str, *, touch: bool = True) -> tuple[Document, str]:
        """The user of a valid session; 209 otherwise. `touch=False` (the server re-checking a
        Live Query socket) does not count as activity for `sessionIdleTimeout`."""
        cached = self._cache.get(token)
        if cached and cached[0] > time.monotonic():
            return cached[1], token
        if not token.startswith("r:"):
            raise ParseError(INVALID_SESSION_TOKEN, "Invalid session token")
        session = await self.find_session(token)
        if session is None:
            raise ParseError(INVALID_SESSION_TOKEN, "Invalid session token")
        expires = session.get("expiresAt")
        expires_at = parse_iso(expires["iso"]) if isinstance(expires, dict) and expires.get("iso") else None
        if expires_at is not None and expires_at < datetime.now(UTC):
            raise ParseError(INVALID_SESSION_TOKEN, "Session token is expired.")
        await self._check_idle(session, token, touch)
        if touch:
            expires_at = await self._extend_on_use(session, token, expires_at)
        user_ptr = session.get("user")
        user_schema = self._schemas.get("_User")
        assert user_schema is not None
        users = []
        if isinstance(user_ptr, dict) and isinstance(user_ptr.get("objectId"), str):
            users = await self._storage.find(user_schema, {"objectId": user_ptr["objectId"]}, FindOptions(limit=1))
        if not users:
            raise ParseError(INVALID_SESSION_TOKEN, "Invalid session token")
        lifetime = CACHE_SECONDS
        if expires_at is not None:
            lifetime = min(lifetime, (expires_at - datetime.now(UTC)).total_seconds())
        if len(self._cache) >= CACHE_MAX:
            self._cache.clear()
        if len(self._ids) >= CACHE_MAX:
            self._ids.clear()
        self._cache[token] = (time.monotonic() + lifetime, users[0])
        if isinstance(session.get("objectId"), str):
            self._ids[token] = session["objectId"]
        return users[0], token

    async def _extend_on_use(self, session: Document, token: str, expires_at: datetime | None) -> datetime | None:
        """Parse's `extendSessionOnUse`: a session used after half its `sessionLength` since it was
        last written gets a new `expiresAt`, a full length from now; its new expiry is returned."""
        if not (self._settings.extendSessionOnUse and expires_at is not None):
            return expires_at
        length = self._settings.sessionLength or DEFAULT_SESSION_LENGTH
        updated = session.get("updatedAt")
        last_written = parse_iso(updated["iso"] if isinstance(updated, dict) else updated) if updated else None
        now = datetime.now(UTC)
        if last_written is not None and (now - last_written).total_seconds() < length / 2:
            return expires_at
        schema = self._schemas.get("_Session")
        assert schema is not None
        renewed = now + timedelta(seconds=length)
        await self._writes.update(schema, {"sessionToken": token}, {"expiresAt": date_value(renewed),
                                                                     "updatedAt": now_iso()})
        return renewed

    async def _check_idle(self, session: Document, token: str, touch: bool) -> None:
        """`sessionIdleTimeout`: end a session unused for that long, else note that it is in use."""
        idle = self._settings.sessionIdleTimeout
        if not idle:
            return
        last = session.get("_last_used_at") or session.get("createdAt")
        last_used = parse_iso(last["iso"] if isinstance(last, dict) else last) if last else None
        now = datetime.now(UTC)
        if last_used is not None and (now - last_used).total_seconds() > idle:
            await self.revoke_token(token)
            raise ParseError(INVALID_SESSION_TOKEN, "Session token is expired.")
        if touch and (last_used is None or (now - last_used).total_seconds() > min(TOUCH_SECONDS, idle / 10)):
            schema = self._schemas.get("_Session")
            assert schema is not None
            await self._writes.update(schema, {"sessionToken": token}, {"_last_used_at": date_value(now)})

    async def revoke_token(self, token: str) -> None:
        schema = self._schemas.get("_Session")
        assert schema is not None
        await self._writes.delete_many(schema, {"sessionToken": token})
        self.forget_token(token)

    async def revoke_user(self, user_id: str, keep_token: str | None = None) -> None:
        schema = self._schemas.get("_Session")
        assert schema is not None
        where: dict[str, Any] = {"user": {"__type": "Pointer", "className": "_User", "objectId": user_id}}
        if keep_token:
            where["sessionToken"] = {"$ne": keep_token}
        await self._writes.delete_many(schema, where)
        self.forget_user(user_id)
