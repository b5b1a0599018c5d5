"""Where and for how long a SQLite statement may run: the time budget and the reader threads.

- The writer connection carries a ``StatementGuard`` installed as its progress handler: SQLite
  calls it every ``GUARD_STEPS`` virtual-machine steps and aborts the statement once the
  guard's deadline has passed (``sqlite3.OperationalError: interrupted``). The deadline is the
  query's time budget (``databaseOptions.maxTimeMS``) or the inline slice. Reader connections
  are interrupted by a timer at the budget instead. Either way a runaway statement ends with
  Parse's timeout error and releases its connection.
- Reads that may be long run on ``ReaderPool`` connections in worker threads (WAL lets them
  read the last committed state while the writer works), so the event loop keeps serving
  other requests. Point reads stay on the loop (a thread hop costs more than the statement)
  under a short slice deadline (10 ms), list reads without regex/text/geo under a shorter one
  (2 ms: an indexed page of results takes a fraction of it); one that outgrows its slice is
  interrupted and re-run on a reader.
  Reader threads run at a lower CPU priority (nice +10, Linux), so on a small machine the
  event loop's short requests get a core before a long scan does.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from ...errors import ParseError

T = TypeVar("T")
TIMEOUT = 124  # Parse.Error.TIMEOUT
GUARD_STEPS = 250  # the writer checks its deadline this often (few point reads reach it)
POINT_READ_IDS = 1000  # an objectId $in up to this size is still a point read
INLINE_SLICE = 0.01  # seconds a point read may run on the event loop before moving to a thread
LIST_SLICE = 0.002  # the same for a list read without costly functions (most are indexed and short)
READER_NICENESS = 10  # added to the reader threads' nice value


class SliceExpired(Exception):
    """A statement run on the event loop outgrew its slice; run it again on a reader thread."""


class StatementGuard:
    """A connection's progress handler: non-zero (abort) once ``deadline`` has passed."""

    __slots__ = ("deadline", "slice")

    def __init__(self) -> None:
        self.deadline = math.inf
        self.slice = False  # the deadline is an inline slice, not the query's budget

    def __call__(self) -> int:
        return 1 if time.perf_counter() > self.deadline else 0

    def install(self, connection: sqlite3.Connection) -> None:
        connection.set_progress_handler(self, GUARD_STEPS)

    def run_slice(self, fn: Callable[[sqlite3.Connection], T], connection: sqlite3.Connection,
                  seconds: float) -> T:
        """``fn(connection)`` within a slice of ``seconds`` (the fast path: no context manager)."""
        previous = (self.deadline, self.slice)
        slice_end = time.perf_counter() + seconds
        self.slice = self.slice or slice_end < self.deadline
        self.deadline = min(self.deadline, slice_end)
        try:
            return fn(connection)
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise (SliceExpired() if self.slice else timeout_error()) from exc
            raise
        finally:
            self.deadline, self.slice = previous

    @contextlib.contextmanager
    def limit(self, seconds: float) -> Iterator[None]:
        """Run the block under a budget of ``seconds``; an interruption becomes Parse's timeout
        error (or ``SliceExpired`` when an enclosing inline slice ran out first)."""
        previous = (self.deadline, self.slice)
        budget_end = time.perf_counter() + seconds
        self.slice = self.slice and self.deadline <= budget_end
        self.deadline = min(self.deadline, budget_end)
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "interrupted" not in str(exc):
                raise
            raise (SliceExpired() if self.slice else timeout_error()) from exc
        finally:
            self.deadline, self.slice = previous


def timeout_error() -> ParseError:
    # parse-compat: Parse Server has no SQLite; a query past `databaseOptions.maxTimeMS` answers
    # Parse's TIMEOUT code.
    return ParseError(TIMEOUT, "Query timed out: it ran longer than databaseOptions.maxTimeMS.")


class ReaderPool:
    """Read-only connections to the same file, each used by one worker thread at a time.

    Their budget is a timer on the event loop that interrupts the connection: no Python
    progress handler runs in the reader threads, so a long scan does not keep taking the GIL
    from the event loop."""

    def __init__(self, path: str, size: int, prepare: Callable[[sqlite3.Connection], None]) -> None:
        self.path = path
        self.size = size
        self._prepare = prepare
        self._idle: asyncio.Queue[sqlite3.Connection] | None = None
        self._all: list[sqlite3.Connection] = []
        self._executor: ThreadPoolExecutor | None = None

    def open(self) -> None:
        self._idle = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="sqlite-reader",
                                            initializer=_lower_priority)
        for _ in range(self.size):
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA query_only=1")
            connection.execute("PRAGMA cache_size=-16384")  # 16 MiB page cache per reader
            self._prepare(connection)
            self._all.append(connection)
            self._idle.put_nowait(connection)

    def close(self) -> None:
        if self._executor is not None:
            for connection in self._all:
                connection.interrupt()
            self._executor.shutdown(wait=True)
            self._executor = None
        for connection in self._all:
            connection.close()
        self._all.clear()

    async def run(self, fn: Callable[[sqlite3.Connection], T], seconds: float) -> T:
        """Run ``fn(connection)`` on a reader thread under a budget of ``seconds``."""
        assert self._idle is not None and self._executor is not None, "ReaderPool used before open()"
        idle = self._idle
        connection = await idle.get()
        loop = asyncio.get_running_loop()
        expired = False

        def expire() -> None:
            nonlocal expired
            expired = True
            connection.interrupt()  # thread-safe; a no-op once the statement has finished

        timer = loop.call_later(seconds, expire) if math.isfinite(seconds) else None
        future = loop.run_in_executor(self._executor, fn, connection)
        deferred = False
        try:
            return await asyncio.shield(future)
        except sqlite3.OperationalError as exc:
            if expired and "interrupted" in str(exc):
                raise timeout_error() from exc
            raise
        except asyncio.CancelledError:
            if not future.done():
                # The caller is gone: stop the statement, and give the connection back only
                # once its thread has let go of it.
                connection.interrupt()
                future.add_done_callback(lambda done: _release_later(done, idle, connection))
                deferred = True
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if not deferred:
                idle.put_nowait(connection)


def _lower_priority() -> None:
    """Give this worker thread a lower CPU priority than the event loop (Linux: per-thread nice)."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), READER_NICENESS)


def _release_later(done: asyncio.Future[Any], idle: asyncio.Queue[sqlite3.Connection],
                   connection: sqlite3.Connection) -> None:
    if not done.cancelled():
        done.exception()  # retrieved: nobody awaits it any more
    idle.put_nowait(connection)


def is_point_read(where: Any) -> bool:
    """True when a top-level objectId constraint names at most ``POINT_READ_IDS`` objects, so
    the primary key bounds the rows the statement touches."""
    if not isinstance(where, dict):
        return False
    for key, value in where.items():
        if key == "$and" and isinstance(value, list) and any(is_point_read(part) for part in value):
            return True
        if key != "objectId":
            continue
        if isinstance(value, str):
            return True
        if isinstance(value, dict):
            if isinstance(value.get("$eq"), str):
                return True
            ids = value.get("$in")
            if isinstance(ids, list) and len(ids) <= POINT_READ_IDS:
                return True
    return False
