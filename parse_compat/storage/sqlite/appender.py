"""Appends to the append-only classes (`storage.base.APPEND_ONLY_CLASSES`: the audit trail) on a
connection and a thread of their own, so a batch's insert runs beside the event loop instead of on
it.

The whole batch is one statement (`INSERT … SELECT … FROM json_each(?)`: the documents go in as one
JSON array, and SQLite splits each into the table's columns), so the thread holds the interpreter
lock only to start it and SQLite builds every row and index entry with the lock released — an
`executemany` would take the lock back for every row and hand it to and fro with the loop. One
transaction per batch; SQLite's write lock is shared with the main connection as between two
processes (`busy_timeout`).
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from .rows import quote

BUSY_TIMEOUT_MS = 5000


class Appender:
    """One connection to `path`, used by one thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._executor: ThreadPoolExecutor | None = None
        self._db: sqlite3.Connection | None = None

    def open(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-append")
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._db is not None:
            self._db.close()
            self._db = None

    async def insert(self, class_name: str, docs: list[dict[str, Any]]) -> None:
        """Insert `docs` in one transaction, all or none: each one's objectId and createdAt (in
        Parse's fixed form already: `rows.appends_plainly`) in their columns, the rest in `data`;
        raises sqlite3.IntegrityError when an objectId is taken, TypeError or
        orjson.JSONEncodeError when a value has no JSON form."""
        db, executor = self._db, self._executor
        assert db is not None and executor is not None, "Appender used before open()"
        sql = (f"INSERT INTO {quote(class_name)} SELECT json_extract(value, '$.objectId'), "
               "json_extract(value, '$.createdAt'), NULL, NULL, NULL, json_remove(value, '$.objectId', '$.createdAt') "
               "FROM json_each(?) ORDER BY key")
        payload = orjson.dumps(docs).decode()

        def run() -> None:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(sql, (payload,))
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        await asyncio.get_running_loop().run_in_executor(executor, run)
