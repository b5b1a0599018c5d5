"""A durable outbox for account mail: requests store a row, a background task sends it.

Rows live in the master-only system class `_MailOutbox` through the storage adapter (SQLite or
MongoDB), so a queued mail survives a restart and several server processes share one queue:
`{key, kind, user, status: pending|sent|failed, attempts, nextAttemptAt, expire}`.

- `enqueue(key, kind, user)` is the only work on the request path. `key` is unique: while a row
  holds it (pending, or sent less than `interval` seconds ago) a second request with the same key
  is absorbed, which is the per-account rate limit; requests for unknown addresses queue a row
  too (user None), so both cost the same and answer the same;
- the drain task claims due rows with a conditional update (so two processes never send one
  row), calls the kind's handler, and on failure retries with exponential back-off up to
  `MAX_ATTEMPTS`, logging the kind and the error type, never an address or a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from .codec.dates import date_value, now_iso
from .errors import DuplicateValue
from .storage.base import Document, FindOptions
from .supervisor import supervisor_of

log = logging.getLogger("parse_compat.outbox")
CLASS = "_MailOutbox"
MAX_ATTEMPTS = 8
SUPERVISED_NAME = "mail.outbox"
STOP_TIMEOUT = 5.0
Handler = Callable[[Document], Awaitable[None]]


class Outbox:
    def __init__(self, state: Any, interval: float = 60.0, base_delay: float = 5.0, poll: float = 5.0) -> None:
        self.state = state
        self.interval = interval
        self.base_delay = base_delay
        self.poll = poll
        self.handlers: dict[str, Handler] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._schema: Any = None

    async def schema(self) -> Any:
        if self._schema is None:
            schema = await self.state.schemas.ensure_class(CLASS)
            await self.state.schemas.ensure_unique(schema, ["key"])
            self._schema = schema
        return self._schema

    async def enqueue(self, key: str, kind: str, user: str | None) -> bool:
        """Queue one mail unless `key` is taken; True when a row was added."""
        schema = await self.schema()
        writes = self.state.services.server_writes
        now = datetime.now(UTC)
        stamp = now_iso()
        row = {"objectId": writes.new_object_id(10), "createdAt": stamp, "updatedAt": stamp, "key": key, "kind": kind,
               "user": user, "status": "pending", "attempts": 0, "nextAttemptAt": date_value(now),
               "expire": date_value(now + timedelta(seconds=self.interval))}
        for _ in range(2):
            try:
                await writes.insert(schema, row)
            except DuplicateValue:
                # Free the key only when its row is done and its interval has passed (one winner).
                gone = await writes.delete(schema, {"key": key, "status": {"$ne": "pending"},
                                                    "expire": {"$lt": date_value(now)}})
                if gone is None:
                    return False
                continue
            self._wake.set()
            return True
        return False

    def delay(self, attempts: int) -> float:
        return min(self.base_delay * 2 ** max(attempts - 1, 0), 3600.0)

    async def drain_once(self) -> int:
        """Send what is due; how many rows were handled (sent or given up)."""
        if self._schema is None and self.state.schemas.get(CLASS) is None:
            return 0  # nothing was ever queued: the class is created by the first enqueue
        schema = await self.schema()
        storage = self.state.storage
        writes = self.state.services.server_writes
        now = datetime.now(UTC)
        due = await storage.find(schema, {"status": "pending", "nextAttemptAt": {"$lte": date_value(now)}},
                                 FindOptions(limit=50, sort=[("nextAttemptAt", True)]))
        handled = 0
        for row in due:
            attempts = int(row.get("attempts") or 0) + 1
            # The claim: only the process whose conditional update matches sends this row now.
            claimed = await writes.update(schema, {"objectId": row["objectId"], "status": "pending",
                                                   "attempts": row.get("attempts") or 0},
                                          {"attempts": attempts,
                                           "nextAttemptAt": date_value(now + timedelta(seconds=self.delay(attempts)))})
            if claimed is None:
                continue
            handler = self.handlers.get(str(row.get("kind")))
            try:
                if handler is None:
                    raise LookupError("no handler for this kind of mail")
                await handler(row)
            except Exception as exc:  # noqa: BLE001 - a failed send is retried, never shown to a caller
                final = attempts >= MAX_ATTEMPTS
                log.warning("%s mail: attempt %d failed (%s)%s", row.get("kind"), attempts, type(exc).__name__,
                            "; giving up" if final else "; will retry")
                if final:
                    await writes.update(schema, {"objectId": row["objectId"]}, {"status": "failed"})
                    handled += 1
                continue
            await writes.update(schema, {"objectId": row["objectId"]}, {"status": "sent"})
            handled += 1
        await writes.delete_many(schema, {"status": {"$ne": "pending"}, "expire": {"$lt": date_value(now)}})
        return handled

    async def _run(self) -> None:
        while True:
            try:
                await self.drain_once()
            except Exception:  # noqa: BLE001 - the loop must survive a storage hiccup
                log.warning("mail outbox: draining failed; will try again", exc_info=False)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll)
            self._wake.clear()

    def start(self) -> None:
        """Drain under the app's supervisor: restarted should the loop die, and /health says so meanwhile."""
        if self._task is None:
            self._task = supervisor_of(self.state).start(SUPERVISED_NAME, self._run)

    async def stop(self) -> None:
        if self._task is not None:
            self._task = None
            # Bounded: a send stuck in a library that swallows the cancellation cannot hold up shutdown.
            await supervisor_of(self.state).stop(SUPERVISED_NAME, timeout=STOP_TIMEOUT)
