"""Session tokens on Live Query: resolving them, and ending the subscriptions of dead ones.

A subscription rests on one token (its own ``sessionToken`` or the connect-level one). When that
session is gone (logout, ``DELETE /sessions``, password change, user deleted) or expired, the
subscription is removed and the client receives ``{"op":"error","code":209,"error":"Invalid
session token","reconnect":false,"requestId":N}``; a dead connect-level token is remembered so
later subscriptions relying on it fail with 209 too. Public subscriptions are unaffected.

Detection: ``check`` looks every token in use up in ``_Session`` with one batched query per 500
tokens, bypassing the REST session cache. It runs every ``session_check_interval`` seconds and
at once when woken: by the session store forgetting a token or user in this process, by a
``_Session`` delete through the writer, or by the same news from another process on the bus.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from ..codec.dates import parse_iso
from ..errors import INVALID_SESSION_TOKEN, ParseError
from ..state import AppState
from ..storage.base import FindOptions
from . import protocol
from .hub import Hub

log = logging.getLogger("parse_compat.livequery")

CHUNK = 500
INVALID_TOKEN_MESSAGE = "Invalid session token"


def invalid_token() -> ParseError:
    return ParseError(INVALID_SESSION_TOKEN, INVALID_TOKEN_MESSAGE)


class SessionWatch:
    def __init__(self, state: AppState, hub: Hub, interval: float) -> None:
        self.state = state
        self.hub = hub
        self.interval = interval
        self._wake = asyncio.Event()
        self.forgetting = False  # True while this watch itself makes the session store forget a token

    async def user_for(self, token: str) -> dict[str, Any]:
        """The user a token belongs to, or ParseError 209."""
        store = self.state.services.sessions
        if store is None:
            raise invalid_token()
        try:
            user, _ = await store.user_for_token(token, touch=False)  # an open socket is not activity
        except ParseError as exc:
            raise invalid_token() from exc
        return dict(user)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.check()
            except Exception:  # noqa: BLE001 - the watch must survive a storage hiccup
                log.exception("live query: session re-validation failed")

    def tokens_in_use(self) -> set[str]:
        tokens: set[str] = set()
        for client in list(self.hub.clients.values()):
            if client.session_token and not client.token_is_dead(client.session_token):
                tokens.add(client.session_token)
            for info in client.subscriptions.values():
                if info.session_token:
                    tokens.add(info.session_token)
        return tokens

    async def check(self) -> set[str]:
        """End everything that rests on a token whose session is gone or expired; return those tokens."""
        tokens = self.tokens_in_use()
        schema = self.state.schemas.get("_Session")
        if not tokens or schema is None:
            return set()
        alive: set[str] = set()
        now = datetime.now(UTC)
        ordered = sorted(tokens)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start:start + CHUNK]
            docs = await self.state.storage.find(schema, {"sessionToken": {"$in": chunk}},
                                                 FindOptions(keys={"sessionToken", "expiresAt"}))
            for doc in docs:
                expires = doc.get("expiresAt")
                if isinstance(expires, dict) and isinstance(expires.get("iso"), str) and \
                        parse_iso(expires["iso"]) <= now:
                    continue
                if isinstance(doc.get("sessionToken"), str):
                    alive.add(doc["sessionToken"])
        dead = tokens - alive
        for token in dead:
            self.end_token(token)
        return dead

    def end_token(self, token: str) -> int:
        """Remove every subscription resting on ``token``; returns how many were ended."""
        ended = 0
        for client in list(self.hub.clients.values()):
            if client.session_token == token:
                client.mark_token_dead(token)
            for info in list(client.subscriptions.values()):
                if info.session_token != token:
                    continue
                self.hub.unsubscribe(client, info.request_id)
                client.send(protocol.error(INVALID_SESSION_TOKEN, INVALID_TOKEN_MESSAGE, False, info.request_id))
                ended += 1
        store = self.state.services.sessions
        if store is not None:
            self.forgetting = True
            try:
                store.forget_token(token)  # the REST cache must not revive it for a new subscribe
            finally:
                self.forgetting = False
        return ended
