"""The access audit trail's writer: an entry is written to this process's journal before the
request that caused it is answered, and stored in `_Audit` shortly after, in large batches.

Durability: `record()` appends the entry to a list and writes it to the journal (`journal.py`,
one `write` per call, a few microseconds, no waiting): once a request has its answer, its
entries survive a crash of the process. The writer (`sync`, run every `FLUSH_SECONDS`, sooner
when `WAKE_AT` entries wait, and before any read of `_Audit` in this process) chains and stores
what waits with multi-row inserts of up to `MAX_BATCH` entries, one transaction each, so the cost
of a commit and of the pages it rewrites is shared by hundreds of requests; then it removes the
journal segment. At boot (and every `RECOVER_SECONDS`) a process stores the entries of journal
segments whose process is gone. A journal that cannot be written fails the request (500): no
audited read is answered without its entry. A failed store keeps the entries (in memory and in
the journal) for the next attempt. Limits: a crash between a batch's commit and the removal of
its segment stores that batch twice (the chain still verifies); entries recorded by another
process show in `_Audit` within `FLUSH_SECONDS`.

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
import hashlib
import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from ..codec.dates import format_iso
from ..errors import DuplicateValue, ParseError
from ..storage.base import ClassSchema, Document, FindOptions
from ..supervisor import supervisor_of
from .chain import seal
from .journal import FIELDS, Journal, encode

log = logging.getLogger("parse_compat.audit")
CLASS = "_Audit"
SUPERVISED_NAME = "audit.writer"
# What patientAccessLog looks entries up by: the object a get or write names, and every object a
# find returned (MongoDB: a multikey index; SQLite cannot index array members, see README).
INDEXES = {"targetId_1": {"targetId": 1}, "ids_1": {"ids": 1}}
FLUSH_SECONDS = 0.5  # how often waiting entries are stored
WAKE_AT = 4096  # ... or sooner, when this many wait
MAX_BATCH = 1024  # entries per transaction: bounds how long one insert holds the loop (~10 ms)
RECOVER_SECONDS = 30.0  # how often segments of processes that died are looked for (and at boot)
MAX_WAITING = 200_000  # entries kept while the store fails; past it requests fail rather than go unrecorded
PURGE_SECONDS = 3600.0
APPEND_ATTEMPTS = 8
SESSION_CACHE_MAX = 10_000


def object_id_of(seq: int) -> str:
    """An entry's objectId: its seq, zero-padded, so that ids sort as the chain does."""
    return f"{seq:010d}"


class AuditLog:
    def __init__(self, state: Any, classes: Iterable[str], retention_days: float | None,
                 journal_dir: Path | None = None) -> None:
        self.state = state
        self.classes = frozenset(classes)
        self.retention_days = retention_days
        # Entries recorded and not stored yet, as their journal lines (bytes: the collector never
        # walks them, as it walked one object graph per entry when they were kept as objects),
        # and beside each the caller's token, in memory only, to look up a session not yet known.
        self._lines: list[bytes] = []
        self._tokens: list[str | None] = []
        self._lock = asyncio.Lock()
        self._schema: ClassSchema | None = None
        self._sessions: dict[str, str | None] = {}
        self._head: tuple[int, str] | None = None  # (seq, hash) of the last entry this process stored
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._journal = Journal(journal_dir or journal_directory(state.settings))
        self._stamp_second, self._stamp_prefix = -1, ""

    # --- the request path ------------------------------------------------------------------
    def audited(self, class_name: str) -> bool:
        return class_name in self.classes

    def record(self, ctx: Any, action: str, class_name: str, ids: Iterable[str | None],
               fields: Iterable[str] = (), query: bool = False) -> None:
        """Journal one entry per id of an audited class, or with `query` one entry naming every id
        (synchronous: one `write`, no waiting)."""
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
        """Raises OSError when the journal cannot be written (or too many entries wait): the
        caller must not answer without its entry."""
        if class_name not in self.classes:
            return
        stamp = self._stamp()
        names = sorted(fields) if fields else []
        roles = list(roles) if roles is not None else None
        session = self.state.services.sessions.known_session_id(token) if token else None
        if query:
            found = [object_id for object_id in ids if object_id]
            if not found:
                return
            lines = [encode((action, class_name, found[0] if len(found) == 1 else None, found, user_id, roles,
                             session, ip, master, read_only, names, stamp))]
        else:
            lines = [encode((action, class_name, object_id, None, user_id, roles, session, ip, master, read_only,
                             names, stamp)) for object_id in ids]
        if not lines:
            return
        if len(self._lines) >= MAX_WAITING:
            raise OSError(f"audit: {len(self._lines)} entries wait to be stored; refusing to record more")
        self._journal.append(lines[0] if len(lines) == 1 else b"".join(lines))
        self._lines.extend(lines)
        self._tokens.extend([token] * len(lines))
        if len(self._lines) >= WAKE_AT:
            self._wake.set()

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

    async def sync(self) -> None:
        """Store every entry recorded so far by this process (reads of `_Audit` call it first).
        A store that has started runs to its end even when the caller is cancelled: its insert
        may be committing in another thread, and storing the batch again would store it twice."""
        await asyncio.shield(self._sync())

    async def _sync(self) -> None:
        async with self._lock:
            if not self._lines:
                return
            self._journal.rotate()  # what follows is written to a new segment
            lines, tokens = self._lines, self._tokens
            self._lines, self._tokens = [], []
            done = 0
            try:
                while done < len(lines):
                    end = done + MAX_BATCH
                    await self._store([orjson.loads(line) for line in lines[done:end]], tokens[done:end])
                    done = min(end, len(lines))
            except BaseException:  # kept, in order, for the next attempt
                self._lines, self._tokens = lines[done:] + self._lines, tokens[done:] + self._tokens
                raise
            self._journal.release()  # every sealed segment's entries are stored

    async def recover(self) -> int:
        """Store the entries of journal segments whose process is gone; how many (shielded as
        `sync` is)."""
        return await asyncio.shield(self._recover())

    async def _recover(self) -> int:
        stored = 0
        async with self._lock:
            for segment, found in self._journal.orphans():
                try:
                    for start in range(0, len(found), MAX_BATCH):
                        chunk = [[entry[name] for name in FIELDS] for entry in found[start:start + MAX_BATCH]]
                        await self._store(chunk, [None] * len(chunk))
                except BaseException:
                    Journal.close_segment(segment)  # stays on disk, unlocked: tried again later
                    raise
                Journal.drop(segment)
                stored += len(found)
        if stored:
            log.info("audit: stored %d entries left in the journal by a process that stopped", stored)
        return stored

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

    async def _store(self, entries: list[list[Any]], tokens: list[str | None]) -> None:
        """Chain and store `entries` (each the values of journal.FIELDS; `tokens` beside them) in
        one transaction."""
        docs = []
        user_roles: dict[str, list[str] | None] = {}  # looked up once per user and batch
        for values, token in zip(entries, tokens, strict=True):
            action, klass, target, ids, user_id, roles, session, ip, master, read_only, fields, created = values
            if roles is None and user_id is not None:
                if user_id not in user_roles:
                    user_roles[user_id] = await self.state.roles.roles_for(user_id)
                roles = user_roles[user_id]
            if session is None and token:
                session = self._sessions[token] if token in self._sessions else await self._session_id(token)
            docs.append({"action": action, "targetClass": klass, "targetId": target, "ids": ids,
                         "user": {"__type": "Pointer", "className": "_User", "objectId": user_id} if user_id else None,
                         "roles": sorted(role.removeprefix("role:") for role in roles) if roles else [],
                         "session": session, "ip": ip, "master": master is True, "readOnly": read_only is True,
                         "fields": fields or [], "anchor": None, "createdAt": created})
        await self.append(docs)

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
        loop = asyncio.get_running_loop()
        next_purge = next_recover = loop.time()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
            self._wake.clear()
            try:
                await self.sync()
                if loop.time() >= next_recover:
                    next_recover = loop.time() + RECOVER_SECONDS
                    await self.recover()
                if self.retention_days and loop.time() >= next_purge:
                    next_purge = loop.time() + PURGE_SECONDS
                    await self.purge()
            except Exception:  # noqa: BLE001 - the loop must survive a storage hiccup; entries stay journaled
                log.warning("audit: storing entries failed; will try again", exc_info=False)

    async def open(self) -> None:
        """Open this process's journal and store what processes that stopped left in theirs."""
        self._journal.open()
        await self.recover()

    def start(self) -> None:
        """Run the background writer under the app's supervisor (restarted should it die; /health says so)."""
        if self._task is None:
            self._task = supervisor_of(self.state).start(SUPERVISED_NAME, self._run)

    async def pause(self) -> None:
        """Stop the background writer: entries are then stored only by `sync` (reads of `_Audit`)."""
        if self._task is not None:
            self._task = None
            await supervisor_of(self.state).stop(SUPERVISED_NAME)

    async def stop(self) -> None:
        await self.pause()
        stored = False
        with contextlib.suppress(Exception):
            await self.sync()
            stored = not self._lines
        self._journal.close(keep=not stored)  # what could not be stored stays for the next process


def journal_directory(settings: Any) -> Path:
    """Where this app's journal lives: `<dataDir>/audit-journal/<digest of databaseURI>` (one
    directory per database, shared by the processes that serve it from this machine)."""
    digest = hashlib.sha256(str(settings.databaseURI).encode()).hexdigest()[:16]
    return Path(settings.dataDir) / "audit-journal" / digest
