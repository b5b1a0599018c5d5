"""The access audit trail's writer: entries are buffered in memory and appended to `_Audit` in
batches (group commit), each batch in one storage transaction after the chain's head.

Durability: `record()` only appends to a list (a few microseconds on the request path). Before
a request's response leaves, the HTTP edge calls `barrier()`, which returns once everything
recorded so far is stored (group commit, no fixed window): the first waiter schedules a flush
that starts once a loop turn records nothing new (a quiet server flushes after one turn; a busy
one gathers the requests in progress, for at most `GATHER_SECONDS`), and those that record while
it runs share the next one, which starts as soon as it ends. A flush hashes its batch and
stores it with one multi-row insert in one transaction (at most `MAX_BATCH` entries, about a
millisecond on the loop), so the commit's cost is shared by every request of the batch. So an
entry whose request got its answer is on disk; a crash before the flush loses only entries of
requests that never got an answer. A failed flush keeps the entries and fails
the request (500). Entries recorded outside a request (Live Query deliveries, jobs) are flushed
by a background task every `FLUSH_SECONDS` and at shutdown.

Several processes on one database: `seq` is unique (the objectId is the zero-padded seq), and
a batch is appended in one write transaction (SQLite: BEGIN IMMEDIATE) after the head this
process last stored (read from the database at start and after any conflict), so two appends
can never both follow the same entry: the later one collides on the objectId, rolls back,
re-reads the head and retries. (A MongoDB without transactions keeps the rows inserted before a
collision, so a retried batch can store a few entries twice — the chain still verifies.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..codec.dates import format_iso
from ..errors import DuplicateValue, ParseError
from ..storage.base import ClassSchema, Document, FindOptions
from ..supervisor import supervisor_of
from .chain import seal

log = logging.getLogger("parse_compat.audit")
CLASS = "_Audit"
SUPERVISED_NAME = "audit.writer"
# What patientAccessLog looks entries up by: the object a get or write names, and every object a
# find returned (MongoDB: a multikey index; SQLite cannot index array members, see README).
INDEXES = {"targetId_1": {"targetId": 1}, "ids_1": {"ids": 1}}
FLUSH_SECONDS = 1.0
MAX_BATCH = 64  # entries per transaction: bounds how long one flush holds the loop (about a millisecond)
GATHER_SECONDS = 0.001  # at most this long a flush waits for requests in progress to join it
PURGE_SECONDS = 3600.0
APPEND_ATTEMPTS = 8
SESSION_CACHE_MAX = 10_000


def object_id_of(seq: int) -> str:
    """An entry's objectId: its seq, zero-padded, so that ids sort as the chain does."""
    return f"{seq:010d}"


@dataclass(slots=True)
class Pending:
    """One entry not yet stored. `token` is only used to find the session's objectId at flush
    time; it is never stored."""

    action: str
    target_class: str
    target_id: str | None
    ids: list[str] | None  # a query's entry: every id it returned (target_id is set when there is one)
    user_id: str | None
    roles: list[str] | None
    token: str | None
    ip: str | None
    master: bool
    read_only: bool
    fields: list[str]
    created_at: str


class AuditLog:
    def __init__(self, state: Any, classes: Iterable[str], retention_days: float | None) -> None:
        self.state = state
        self.classes = frozenset(classes)
        self.retention_days = retention_days
        self._pending: list[Pending] = []
        self._recorded = 0  # entries ever recorded by this process
        self._stored = 0  # of those, how many are stored (a prefix: the buffer is FIFO)
        self._lock = asyncio.Lock()
        self._schema: ClassSchema | None = None
        self._sessions: dict[str, str | None] = {}
        self._head: tuple[int, str] | None = None  # (seq, hash) of the last entry this process stored
        self._task: asyncio.Task[None] | None = None
        self._next: asyncio.Future[None] | None = None  # the pending group flush
        self._next_done: asyncio.Future[None] | None = None  # settled when `_next` ends (barrier's waiters)
        self._stamp_second, self._stamp_prefix = -1, ""

    # --- the request path ------------------------------------------------------------------
    def audited(self, class_name: str) -> bool:
        return class_name in self.classes

    def record(self, ctx: Any, action: str, class_name: str, ids: Iterable[str | None],
               fields: Iterable[str] = (), query: bool = False) -> None:
        """Buffer one entry per id of an audited class, or with `query` one entry naming every id
        (synchronous, no I/O)."""
        if class_name not in self.classes:
            return
        auth = ctx.auth
        caller = auth.on_behalf_of or auth  # cloud code's as_master(): the user who called it, with master power
        self.record_as(action, class_name, ids, user_id=caller.user_id, roles=caller.roles,
                       token=caller.session_token, ip=ctx.ip, master=auth.has_master_power,
                       read_only=auth.is_read_only, fields=fields, query=query)

    def record_as(self, action: str, class_name: str, ids: Iterable[str | None], *, user_id: str | None,
                  roles: list[str] | None, token: str | None, ip: str | None, master: bool, read_only: bool,
                  fields: Iterable[str] = (), query: bool = False) -> None:
        if class_name not in self.classes:
            return
        stamp = self._stamp()
        names = sorted(fields) if fields else []
        roles = list(roles) if roles is not None else None
        if query:
            found = [object_id for object_id in ids if object_id]
            if found:
                self._pending.append(Pending(action, class_name, found[0] if len(found) == 1 else None, found,
                                             user_id, roles, token, ip, master, read_only, names, stamp))
                self._recorded += 1
            return
        for object_id in ids:
            self._pending.append(Pending(action, class_name, object_id, None, user_id, roles, token, ip, master,
                                         read_only, names, stamp))
            self._recorded += 1

    def _stamp(self) -> str:
        """Now as Parse's ISO string: the date and time up to the second are formatted once per
        second, the milliseconds appended (a busy server records in a new millisecond nearly
        every time, so a per-millisecond cache rarely hit)."""
        millis = int(time.time() * 1000)
        seconds, rest = divmod(millis, 1000)
        if seconds != self._stamp_second:
            self._stamp_second = seconds
            self._stamp_prefix = format_iso(datetime.fromtimestamp(seconds, UTC))[:-4]  # "…T14:52:11."
        return f"{self._stamp_prefix}{rest:03d}Z"

    async def barrier(self) -> None:
        """Return once every entry recorded so far is stored (group commit: every request that
        reaches here while a flush is pending waits for that one flush)."""
        target = self._recorded
        while self._stored < target:
            flush, done = self._next, self._next_done
            if flush is None or done is None or flush.done():
                done = asyncio.get_running_loop().create_future()
                flush = asyncio.ensure_future(self._flush_soon(done))
                self._next, self._next_done = flush, done
            try:
                # the waiters await one plain future that the flush settles as it ends: one wake-up
                # each (a shield per waiter cost a future and two callbacks more, and a done
                # callback on the task one loop turn more)
                await done
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is None or task.cancelling():
                    raise  # this request itself was cancelled
                # another waiter's cancellation cancelled the shared future: wait for the flush itself
                await asyncio.shield(flush)

    async def _flush_soon(self, done: asyncio.Future[None]) -> None:
        """One group flush; its outcome goes to `done` (what the barrier's waiters await), so
        the task itself ends without an error that no one would retrieve."""
        try:
            # The requests being handled join the flush: yield to the loop while the last turn
            # recorded more entries (a quiet server flushes after one turn; a busy one batches the
            # requests in progress, never longer than GATHER_SECONDS).
            loop = asyncio.get_running_loop()
            deadline, seen = loop.time() + GATHER_SECONDS, -1
            while seen < len(self._pending) < MAX_BATCH and loop.time() < deadline:
                seen = len(self._pending)
                await asyncio.sleep(0)
            async with self._lock:
                await self._flush()
        except asyncio.CancelledError:
            done.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - handed to every waiter (each request answers 500)
            if done.done():  # every waiter was cancelled: the entries stay buffered for the next flush
                log.warning("audit: storing entries failed; will try again", exc_info=False)
            else:
                done.set_exception(exc)
        else:
            if not done.done():
                done.set_result(None)

    # --- storing ---------------------------------------------------------------------------
    async def schema(self) -> ClassSchema:
        if self._schema is None:
            # objectId is the zero-padded seq: its primary key makes seq unique and orders the chain
            schema = await self.state.schemas.ensure_class(CLASS)
            missing = {name: spec for name, spec in INDEXES.items() if name not in schema.indexes}
            if missing:  # a class made before these indexes existed gets them now
                try:
                    schema = await self.state.schemas.update_class(CLASS, {}, None, missing)
                except ParseError:  # another process added them meanwhile
                    await self.state.schemas.reload()
                    schema = self.state.schemas.get(CLASS) or schema
            self._schema = schema
        return self._schema

    async def _flush(self) -> None:
        """Store the oldest entries (up to `MAX_BATCH`) in one transaction."""
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        if not batch:
            return
        try:
            docs = []
            user_roles: dict[str, list[str] | None] = {}  # looked up once per user and batch
            for entry in batch:
                roles = entry.roles
                if roles is None and entry.user_id is not None:
                    if entry.user_id not in user_roles:
                        user_roles[entry.user_id] = await self.state.roles.roles_for(entry.user_id)
                    roles = user_roles[entry.user_id]
                token = entry.token
                session = None if not token else self._sessions[token] if token in self._sessions \
                    else await self._session_id(token)
                docs.append(self._document(entry, roles, session))
            await self.append(docs)
        except BaseException:
            self._pending = batch + self._pending
            raise
        self._stored += len(batch)

    @staticmethod
    def _document(entry: Pending, roles: list[str] | None, session: str | None) -> Document:
        """The stored fields of an entry; `roles` and `session` are its caller's (looked up)."""
        user = {"__type": "Pointer", "className": "_User", "objectId": entry.user_id} if entry.user_id else None
        names = sorted(role.removeprefix("role:") for role in roles) if roles else []
        return {"action": entry.action, "targetClass": entry.target_class, "targetId": entry.target_id,
                "ids": entry.ids, "user": user, "roles": names, "session": session,
                "ip": entry.ip, "master": entry.master, "readOnly": entry.read_only, "fields": entry.fields,
                "anchor": None, "createdAt": entry.created_at}

    async def _session_id(self, token: str | None) -> str | None:
        if not token:
            return None
        if token not in self._sessions:
            schema = self.state.schemas.get("_Session")
            found = await self.state.storage.find(schema, {"sessionToken": token},
                                                  FindOptions(limit=1, keys={"objectId"})) if schema else []
            if len(self._sessions) >= SESSION_CACHE_MAX:
                self._sessions.clear()
            self._sessions[token] = found[0]["objectId"] if found else None
        return self._sessions[token]

    async def append(self, docs: list[Document]) -> None:
        """Chain and insert `docs` after the stored head, with one multi-row insert (one transaction).

        The head this process wrote last is kept in memory; `seq` is unique, so when another
        process appended meanwhile the first row collides, the insert rolls back and the head is
        read again (also the first time, and after any failure)."""
        schema = await self.schema()
        storage = self.state.storage
        for _attempt in range(APPEND_ATTEMPTS):
            try:
                if self._head is None:
                    head = await storage.find(schema, {}, FindOptions(limit=1, sort=[("objectId", False)]))
                    self._head = (int(head[0]["seq"]), str(head[0]["hash"])) if head else (0, "")
                seq, prev = self._head
                for doc in docs:
                    seq += 1
                    # no ACL lists (the class is closed to clients), no updatedAt (entries never change)
                    prev = seal(doc, seq, prev)["hash"]
                    doc["objectId"] = object_id_of(seq)
                # one transaction (all or none); a head another process moved meanwhile makes the
                # first objectId collide, and the whole batch is chained again after the new head
                await self.state.services.server_writes.insert_many(schema, docs)
                new_head = (seq, prev)
            except DuplicateValue:
                self._head = None  # another process appended after our head: read it again
                continue
            except BaseException:
                self._head = None
                raise
            self._head = new_head
            return
        raise RuntimeError("audit: could not append after repeated conflicts")

    # --- retention -------------------------------------------------------------------------
    async def purge(self, now: datetime | None = None) -> int:
        """Delete entries older than `auditRetentionDays`, after appending a `purge` entry that
        anchors the chain on the last deleted one. How many were deleted."""
        if not self.retention_days:
            return 0
        now = now or datetime.now(UTC)
        cutoff = format_iso(now - timedelta(days=self.retention_days))
        schema = await self.schema()
        async with self._lock:
            try:
                return await self._purge_before(schema, cutoff, now)
            except BaseException:
                self._head = None  # the purge entry may have been rolled back with the rest
                raise

    async def _purge_before(self, schema: ClassSchema, cutoff: str, now: datetime) -> int:
        storage = self.state.storage
        async with storage.transaction():
            last = await storage.find(schema, {"createdAt": {"$lt": {"__type": "Date", "iso": cutoff}}},
                                      FindOptions(limit=1, sort=[("objectId", False)]))
            if not last:
                return 0
            anchor = {"seq": int(last[0]["seq"]), "hash": last[0]["hash"]}
            await self.append([{"action": "purge", "targetClass": CLASS, "targetId": None, "ids": None, "user": None,
                                "roles": [], "session": None, "ip": None, "master": True, "readOnly": False,
                                "fields": [], "anchor": anchor, "createdAt": format_iso(now)}])
            return await self.state.services.server_writes.delete_many(
                schema, {"objectId": {"$lte": object_id_of(anchor["seq"])}})

    # --- background ------------------------------------------------------------------------
    async def _run(self) -> None:
        since_purge = PURGE_SECONDS
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            since_purge += FLUSH_SECONDS
            try:
                await self.barrier()
                if self.retention_days and since_purge >= PURGE_SECONDS:
                    since_purge = 0.0
                    await self.purge()
            except Exception:  # noqa: BLE001 - the loop must survive a storage hiccup; entries stay buffered
                log.warning("audit: storing entries failed; will try again", exc_info=False)

    def start(self) -> None:
        """Run the background flush under the app's supervisor (restarted should it die; /health says so)."""
        if self._task is None:
            self._task = supervisor_of(self.state).start(SUPERVISED_NAME, self._run)

    async def stop(self) -> None:
        if self._task is not None:
            self._task = None
            await supervisor_of(self.state).stop(SUPERVISED_NAME)
        with contextlib.suppress(Exception):
            await self.barrier()
