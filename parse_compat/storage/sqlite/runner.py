"""Where each SQLite statement runs, and under which budget (the plumbing of the adapter).

- ``_call``: writes and other short statements, on the writer connection on the event loop,
  under the query budget (``databaseOptions.maxTimeMS``), serialised with transactions.
- ``_schema_call``: schema work (tables, indexes), same place, no budget.
- ``_read``: reads; inline on the loop for a short slice (point reads 10 ms, short lists 2 ms),
  then, or at once for reads that are costly by construction, on a reader thread (budget.py).
  Inside a transaction a read stays on the writer connection (it must see the transaction's
  writes) and outgrows its slice in a thread while the transaction's other statements wait.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..base import Where
from . import functions
from .budget import INLINE_SLICE, LIST_SLICE, ReaderPool, SliceExpired, StatementGuard, is_point_read
from .where import is_costly

T = TypeVar("T")


class StatementRunner:
    """The writer connection, the reader pool, the transaction lock and the time budget."""

    def __init__(self, path: str, max_time_ms: int | None, readers: int) -> None:
        self.path = path
        self.max_time = (max_time_ms or 0) / 1000 or math.inf
        self._db: sqlite3.Connection | None = None
        self._guard = StatementGuard()
        self._readers = ReaderPool(path, readers, functions.register) if path != ":memory:" else None
        self._tx_lock = asyncio.Lock()
        self._writer_busy = asyncio.Lock()  # held while a thread uses the writer connection
        self._in_tx: contextvars.ContextVar[bool] = contextvars.ContextVar(
            f"sqlite_tx_{id(self)}", default=False)

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._writer_busy.locked():  # a read of this transaction is on the connection in a thread
            async with self._writer_busy:
                pass
        if self._in_tx.get() or not self._tx_lock.locked():
            with self._guard.limit(self.max_time):
                return fn(*args)
        async with self._tx_lock:
            with self._guard.limit(self.max_time):
                return fn(*args)

    async def _schema_call(self, fn: Callable[..., T], *args: Any) -> T:
        """Schema work (tables, indexes, field removal) has no query budget: building an index
        on a big class may rightly take longer, and interrupting it would only undo it."""
        if self._writer_busy.locked():
            async with self._writer_busy:
                pass
        if self._in_tx.get() or not self._tx_lock.locked():
            return fn(*args)
        async with self._tx_lock:
            return fn(*args)

    async def _read(self, fn: Callable[[sqlite3.Connection], T], *, inline: float) -> T:
        """Run a read: inline on the loop for at most ``inline`` seconds (point reads, short
        lists), then (or at once, when ``inline`` is 0) on a reader thread under the budget."""
        in_tx = self._in_tx.get()
        if in_tx and self._writer_busy.locked():
            async with self._writer_busy:
                pass
        if inline and (in_tx or not self._tx_lock.locked()):
            try:
                return self._guard.run_slice(fn, self.db, inline)
            except SliceExpired:
                pass
        if in_tx:  # the transaction's own writes must be visible: its connection, in a thread
            return await self._writer_thread(fn)
        if self._readers is None:  # ":memory:" has no second connection
            async with self._tx_lock:
                return await self._writer_thread(fn)
        return await self._readers.run(fn, self.max_time)

    async def _writer_thread(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn`` on the writer connection in a thread; the caller holds the transaction lock."""
        def call() -> T:
            with self._guard.limit(self.max_time):
                return fn(self.db)
        async with self._writer_busy:
            return await asyncio.get_running_loop().run_in_executor(None, call)

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None, "SQLite storage used before connect()"
        return self._db


LONG_SQL = 4000  # characters: a statement this long (a big $or) goes straight to a reader
# characters of text parameters: a long $in's JSON list (~5,000 values) that SQLite parses in
# one step of ~2 ms, longer than the list slice, and then needs as long again to index
LONG_PARAMS = 64_000
BIG_SKIP = 5000


def read_slice(where: Where, sql: str, skip: int = 0, params: Sequence[Any] = ()) -> float:
    """How long a read may try the event loop first: point reads 10 ms, short lists 2 ms; reads
    that are costly by construction (regex/text/geo, a big skip, a huge statement or parameter
    list) go to a reader thread at once instead of wasting a slice."""
    if is_point_read(where):
        return INLINE_SLICE
    if is_costly(sql) or skip > BIG_SKIP or len(sql) > LONG_SQL:
        return 0.0
    return 0.0 if sum(len(p) for p in params if isinstance(p, str)) > LONG_PARAMS else LIST_SLICE
