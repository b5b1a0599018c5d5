"""Idempotent retries (`idempotencyOptions`): a repeated `X-Parse-Request-Id` on a configured
path is refused with 159 instead of being written twice. Request ids live in `_Idempotency`
(unique `reqId`, expiring after `ttl` seconds).

A request id is claimed only once the caller is authenticated (the HTTP edge calls `claim`
after the credentials were checked), and it is claimed in the caller's own namespace — the
user, else the installation, else the client address; the master key has its own (the
read-only master key claims nothing: it cannot write) — so no
caller can use up, or learn about, another caller's request ids. The stored `reqId` is the JSON
pair `[namespace, request id]`; a Parse Server sharing the database keeps bare ids, which never
collide with these.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from ..auth.identity import Auth
from ..codec.dates import date_value, now_iso
from ..errors import DUPLICATE_REQUEST, DuplicateValue, ParseError
from ..state import AppState

IDEMPOTENT_ROUTES = (
    ("POST", re.compile(r"^classes/[^/]+$")), ("PUT", re.compile(r"^classes/[^/]+/[^/]+$")),
    ("POST", re.compile(r"^users$")), ("PUT", re.compile(r"^users/[^/]+$")),
    ("POST", re.compile(r"^installations$")), ("PUT", re.compile(r"^installations/[^/]+$")),
    ("POST", re.compile(r"^functions/[^/]+$")), ("POST", re.compile(r"^jobs/[^/]+$")),
)


def caller_namespace(auth: Auth, ip: str) -> str:
    """Whose request ids these are: master, a user, an installation, or a client address."""
    if auth.is_master:
        return "master"
    if auth.user_id:
        return f"user:{auth.user_id}"
    if auth.installation_id:
        return f"installation:{auth.installation_id}"
    return f"ip:{ip}"


def namespaced_id(auth: Auth, ip: str, request_id: str) -> str:
    return json.dumps([caller_namespace(auth, ip), request_id], separators=(",", ":"))


class IdempotencyGuard:
    def __init__(self, state: AppState, options: dict[str, Any]) -> None:
        self.state = state
        self.paths = [re.compile(p) for p in options.get("paths") or []]
        self.ttl = int(options.get("ttl") or 300)

    def applies(self, method: str, path: str) -> bool:
        relative = path.strip("/")
        if not any(m == method and rx.match(relative) for m, rx in IDEMPOTENT_ROUTES):
            return False
        return any(rx.fullmatch(relative) or rx.fullmatch(path) for rx in self.paths)

    async def claim(self, request_id: str, auth: Auth, ip: str = "") -> None:
        """Record `request_id` for this (authenticated) caller; 159 when it already did. The
        read-only master key records nothing: it writes nowhere, so it has nothing to replay."""
        if auth.is_read_only:
            return

        schema = await self.state.schemas.ensure_class("_Idempotency")
        writes = self.state.services.server_writes
        now = datetime.now(UTC)
        await writes.delete_many(schema, {"expire": {"$lt": date_value(now)}})
        stamp = now_iso()
        doc = {"objectId": writes.new_object_id(10), "createdAt": stamp, "updatedAt": stamp,
               "reqId": namespaced_id(auth, ip, request_id), "expire": date_value(now + timedelta(seconds=self.ttl))}
        try:
            await writes.insert(schema, doc)
        except DuplicateValue as exc:
            raise ParseError(DUPLICATE_REQUEST, "Duplicate request") from exc
