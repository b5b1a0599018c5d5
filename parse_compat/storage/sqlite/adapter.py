"""SQLite storage adapter: the embedded default (`sqlite:///path/file.db`).

One table per class (`objectId`, `createdAt`, `updatedAt`, `_rperm`, `_wperm`, JSON `data`),
expression indexes on pointer fields and declared indexes, `_SCHEMA` for class schemas and
`_Join` for relation rows, `_ACL` for the ACL index (see acl_index.py). WAL journal; every write
is committed before it is acknowledged, so it survives `kill -9`.

Point reads (by objectId) and single-row writes run on the event-loop thread: they take tens of
microseconds, and handing each one to a worker thread cost more than the statement itself
(get-by-id 2,600/s through a thread vs 6,500/s inline, bench/RESULTS.md). Short list reads try
the loop for 2 ms; reads with regex/text/geo, big skips, and any read that outgrows its slice run
on a reader connection in a worker thread, so no query holds the loop (runner.py, budget.py).
Every query has a time budget (`databaseOptions.maxTimeMS`); past it the request answers Parse's
timeout error. Filters always run in SQL, so no statement scans a table in Python.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import orjson

from ...errors import DuplicateValue
from ..apply_update import apply_update
from ..base import (
    APPEND_ONLY_CLASSES,
    DEFAULT_MAX_TIME_MS,
    Capabilities,
    ClassSchema,
    Document,
    FindOptions,
    Where,
)
from . import acl_index, acl_plan, functions
from .appender import Appender
from .budget import INLINE_SLICE, LIST_SLICE, POINT_READ_IDS
from .rows import (
    COLUMN_FIELDS,
    append_only_row,
    appends_plainly,
    from_row,
    index_name,
    quote,
    to_row,
    too_complex_as_parse_error,
)
from .runner import StatementRunner, read_slice
from .where import WhereCompiler, field_expr, json_path

T = TypeVar("T")
ROW_COLUMNS = ("objectId", "createdAt", "updatedAt", "_rperm", "_wperm", "data")
CASE_INSENSITIVE_UNIQUE = {("_User", "username"), ("_User", "email")}


class SQLiteAdapter(StatementRunner):
    """StorageAdapter on one SQLite file."""

    capabilities = Capabilities(transactions=True, text_search=True, geo=True)

    def __init__(self, path: str, max_time_ms: int | None = DEFAULT_MAX_TIME_MS, readers: int = 4) -> None:
        super().__init__(path, max_time_ms, readers)
        self._known_tables: set[str] = set()
        # the audit trail's batches, inserted beside the loop (":memory:" has no second connection)
        self._appender = Appender(path) if path != ":memory:" else None

    def _open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=OFF")
        db.execute("PRAGMA busy_timeout=5000")
        db.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache
        db.execute("PRAGMA wal_autocheckpoint=4000")  # fewer, larger checkpoints under write load
        functions.register(db)
        self._guard.install(db)
        db.execute('CREATE TABLE IF NOT EXISTS "_SCHEMA" (className TEXT PRIMARY KEY, schema TEXT NOT NULL)')
        db.execute('CREATE TABLE IF NOT EXISTS "_Join" (owningClass TEXT NOT NULL, field TEXT NOT NULL, '
                   'owningId TEXT NOT NULL, relatedId TEXT NOT NULL, '
                   'PRIMARY KEY (owningClass, field, owningId, relatedId))')
        db.execute('CREATE INDEX IF NOT EXISTS "idx_join_related" ON "_Join" (owningClass, field, relatedId)')
        rebuild = acl_index.ensure(db)
        for (class_name,) in db.execute('SELECT className FROM "_SCHEMA"').fetchall():
            if db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (class_name,)).fetchone():
                if rebuild:
                    acl_index.backfill(db, class_name, quote(class_name))
                if class_name not in APPEND_ONLY_CLASSES:
                    acl_index.ensure_class(db, quote(class_name), class_name)
        self._db = db

    async def connect(self) -> None:
        await self._schema_call(self._open)
        if self._readers is not None:
            self._readers.open()
        if self._appender is not None:
            self._appender.open()

    async def close(self) -> None:
        if self._appender is not None:
            self._appender.close()
        if self._readers is not None:
            self._readers.close()
        if self._db is not None:
            await self._call(self.db.close)
            self._db = None

    def _write(self, fn: Callable[[], T]) -> T:
        """Run `fn` in its own transaction unless a transaction() is already open."""
        if self.db.in_transaction:
            return fn()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            result = fn()
        except BaseException:
            if self.db.in_transaction:  # an interrupted statement may have rolled back already
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return result

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self._in_tx.get():
            yield
            return
        async with self._tx_lock:
            token = self._in_tx.set(True)
            try:
                await self._call(self.db.execute, "BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    if self.db.in_transaction:
                        await self._call(self.db.execute, "ROLLBACK")
                    raise
                await self._call(self.db.execute, "COMMIT")
            finally:
                self._in_tx.reset(token)

    # --- schema ------------------------------------------------------------------------
    def _ensure_table(self, schema: ClassSchema) -> None:
        table = quote(schema.class_name)
        name = schema.class_name
        self.db.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (objectId TEXT PRIMARY KEY, createdAt TEXT, "
            "updatedAt TEXT, _rperm TEXT, _wperm TEXT, data TEXT NOT NULL DEFAULT '{}')")
        self.db.execute(f"CREATE INDEX IF NOT EXISTS {index_name(name, 'createdAt')} ON {table} (createdAt)")
        if name in APPEND_ONLY_CLASSES:  # never updated, no ACL: two indexes less to write on every insert
            self.db.execute(f"DROP INDEX IF EXISTS {index_name(name, 'updatedAt')}")
            for unused in ("_rperm_createdAt", "_rperm"):
                self.db.execute(f"DROP INDEX IF EXISTS {index_name(name, unused)}")
        else:
            self.db.execute(f"CREATE INDEX IF NOT EXISTS {index_name(name, 'updatedAt')} ON {table} (updatedAt)")
            # With the _ACL side table this lets SQLite answer a read constraint by a union of two
            # index lookups ("no ACL" rows + rows the caller may read) instead of a scan.
            acl_index.ensure_class(self.db, table, name)
        for field_name, spec in schema.fields.items():
            if spec["type"] == "Pointer":
                expr = field_expr([field_name], ".objectId")
                self.db.execute(f"CREATE INDEX IF NOT EXISTS {index_name(name, field_name)} "
                                f"ON {table} ({expr})")
        for declared, keys in schema.indexes.items():
            if declared == "_id_" or not all(isinstance(v, int) for v in keys.values()):
                continue
            if any(schema.field_type(key) == "Array" for key in keys):
                continue  # an index of the whole JSON array cannot answer a membership query: not built
            exprs = []
            for key, direction in keys.items():
                column = key if key in COLUMN_FIELDS else self._index_expr(schema, key)
                exprs.append(f"{column} {'DESC' if direction == -1 else 'ASC'}")
            self.db.execute(f"CREATE INDEX IF NOT EXISTS {index_name(name, 'user_' + declared)} "
                            f"ON {table} ({', '.join(exprs)})")
        self._known_tables.add(schema.class_name)

    @staticmethod
    def _index_expr(schema: ClassSchema, field_name: str) -> str:
        kind = schema.field_type(field_name)
        suffix = ".objectId" if kind == "Pointer" else ".iso" if kind == "Date" else ""
        return field_expr([field_name], suffix)

    async def load_schemas(self) -> list[ClassSchema]:
        def run() -> list[ClassSchema]:
            rows = self.db.execute('SELECT schema FROM "_SCHEMA"').fetchall()
            out = []
            for (text,) in rows:
                raw = json.loads(text)
                out.append(ClassSchema(raw["className"], raw["fields"],
                                       raw.get("classLevelPermissions"), raw.get("indexes") or {}))
                self._known_tables.add(raw["className"])
            return out
        return await self._schema_call(run)

    async def save_schema(self, schema: ClassSchema) -> None:
        def run() -> None:
            def body() -> None:
                self._ensure_table(schema)
                self.db.execute('INSERT OR REPLACE INTO "_SCHEMA" (className, schema) VALUES (?, ?)',
                                (schema.class_name, json.dumps(schema.to_json())))
            self._write(body)
        await self._schema_call(run)

    async def delete_class(self, class_name: str) -> None:
        def run() -> None:
            def body() -> None:
                self.db.execute(f"DROP TABLE IF EXISTS {quote(class_name)}")
                self.db.execute('DELETE FROM "_SCHEMA" WHERE className = ?', (class_name,))
                self.db.execute('DELETE FROM "_Join" WHERE owningClass = ?', (class_name,))
                acl_index.forget(self.db, class_name)
            self._write(body)
            self._known_tables.discard(class_name)
        await self._schema_call(run)

    async def delete_field(self, schema: ClassSchema, field_name: str) -> None:
        def run() -> None:
            def body() -> None:
                if schema.field_type(field_name) == "Relation":
                    self.db.execute('DELETE FROM "_Join" WHERE owningClass = ? AND field = ?',
                                    (schema.class_name, field_name))
                else:
                    self.db.execute(f"UPDATE {quote(schema.class_name)} SET data = "
                                    f"json_remove(data, '{json_path([field_name])}')")
            self._write(body)
        await self._schema_call(run)

    async def ensure_unique(self, schema: ClassSchema, field_names: list[str]) -> None:
        def run() -> None:
            self._ensure_table(schema)
            for field_name in field_names:
                expr = field_expr([field_name])
                if (schema.class_name, field_name) in CASE_INSENSITIVE_UNIQUE:
                    expr = f"lower({expr})"
                self.db.execute(
                    f"CREATE UNIQUE INDEX IF NOT EXISTS {quote(f'uniq_{schema.class_name}__{field_name}')} "
                    f"ON {quote(schema.class_name)} ({expr})")
        await self._schema_call(run)

    # --- rows --------------------------------------------------------------------------
    @staticmethod
    def _duplicate(exc: sqlite3.IntegrityError) -> DuplicateValue:
        match = re.search(r"index '([^']+)'", str(exc))
        if match and "__" in match.group(1):
            return DuplicateValue(match.group(1).rsplit("__", 1)[1])
        return DuplicateValue("objectId")

    def _ready(self, schema: ClassSchema) -> None:
        if schema.class_name not in self._known_tables:
            self._ensure_table(schema)

    async def insert(self, schema: ClassSchema, doc: Document) -> None:
        row = to_row(doc)

        def body() -> None:
            self.db.execute(f"INSERT INTO {quote(schema.class_name)} VALUES (?,?,?,?,?,?)", row)
            if row[3] is not None:
                acl_index.write(self.db, schema.class_name, doc["objectId"], doc, row[1], new=True)

        def run() -> None:
            self._ready(schema)
            try:
                self._write(body)
            except sqlite3.IntegrityError as exc:
                raise self._duplicate(exc) from exc
        await self._call(run)

    async def insert_many(self, schema: ClassSchema, docs: list[Document]) -> None:
        """Insert `docs` in one transaction (one statement prepared once): all or none."""
        append_only = schema.class_name in APPEND_ONLY_CLASSES  # the audit trail: no ACL rows to index
        if (append_only and docs and self._appender is not None and not self._in_tx.get()
                and all(appends_plainly(doc) for doc in docs)):
            await self._call(self._ready, schema)  # the table and its indexes, on the main connection
            try:
                await self._appender.insert(schema.class_name, docs)
                return
            except sqlite3.IntegrityError as exc:
                raise self._duplicate(exc) from exc
            except (TypeError, orjson.JSONEncodeError):
                pass  # a value orjson refuses: the general path below encodes it
        rows = [append_only_row(doc) for doc in docs] if append_only else [to_row(doc) for doc in docs]

        def body() -> None:
            self.db.executemany(f"INSERT INTO {quote(schema.class_name)} VALUES (?,?,?,?,?,?)", rows)
            if append_only:
                return
            for doc, row in zip(docs, rows, strict=True):
                if row[3] is not None:
                    acl_index.write(self.db, schema.class_name, doc["objectId"], doc, row[1], new=True)

        def run() -> None:
            self._ready(schema)
            try:
                self._write(body)
            except sqlite3.IntegrityError as exc:
                raise self._duplicate(exc) from exc
        if rows:
            await self._call(run)

    def _select(self, schema: ClassSchema, where: Where, options: FindOptions | None = None,
                columns: str = "t.objectId, t.createdAt, t.updatedAt, t._rperm, t._wperm, t.data",
                ) -> tuple[str, list[Any]]:
        compiled = WhereCompiler(schema).compile(where)
        sql = f"SELECT {columns} FROM {quote(schema.class_name)} AS t WHERE {compiled.sql}"
        params = list(compiled.params)
        if options is None:
            return sql, params
        orders: list[str] = []
        for field_name, ascending in options.sort:
            if field_name in ("objectId", "createdAt", "updatedAt"):
                expr = f"t.{field_name}"
            else:
                expr = self._index_expr(schema, field_name) if "." not in field_name else \
                    field_expr(field_name.split("."))
            orders.append(f"{expr} {'ASC' if ascending else 'DESC'}")
        if not orders and compiled.distance_order:
            expr, distance_params = compiled.distance_order
            orders.append(f"{expr} ASC")
            params.extend(distance_params)
        if orders:
            sql += " ORDER BY " + ", ".join(orders)
        if options.limit is not None or options.skip:
            sql += " LIMIT ? OFFSET ?"
            params.extend([options.limit if options.limit is not None else -1, options.skip or 0])
        return sql, params

    async def find(self, schema: ClassSchema, where: Where, options: FindOptions) -> list[Document]:
        if schema.class_name not in self._known_tables:
            return []
        sql, params = acl_plan.find_sql(schema, where, options) or self._select(schema, where, options)

        def run(db: sqlite3.Connection) -> list[Document]:
            with too_complex_as_parse_error():
                return [from_row(row) for row in db.execute(sql, params).fetchall()]
        return await self._read(run, inline=read_slice(where, sql, options.skip or 0, params))

    async def count(self, schema: ClassSchema, where: Where) -> int:
        if schema.class_name not in self._known_tables:
            return 0
        sql, params = acl_plan.count_sql(schema, where) or self._select(schema, where, None, columns="COUNT(*)")

        def run(db: sqlite3.Connection) -> int:
            with too_complex_as_parse_error():
                return int(db.execute(sql, params).fetchone()[0])
        return await self._read(run, inline=read_slice(where, sql, params=params))

    async def update(self, schema: ClassSchema, where: Where, update: Document) -> Document | None:
        sql, params = self._select(schema, where, FindOptions(limit=1))

        def body() -> Document | None:
            row = self.db.execute(sql, params).fetchone()
            if row is None:
                return None
            current = from_row(row)
            columns_update = {k: v for k, v in update.items() if k in COLUMN_FIELDS}
            data_update = {k: v for k, v in update.items() if k not in COLUMN_FIELDS}
            after = apply_update(current, data_update)
            for key, value in columns_update.items():
                if isinstance(value, dict) and value.get("__op") == "Delete":
                    after.pop(key, None)
                else:
                    after[key] = value
            new_row = to_row(after)
            # Only the columns that changed: SQLite then leaves the indexes on the others alone
            # (a plain field update does not rewrite the createdAt and _rperm index entries).
            changed = [i for i in range(1, 6) if new_row[i] != row[i]]
            if not changed:
                return after
            sets = ", ".join(f"{ROW_COLUMNS[i]}=?" for i in changed)
            try:
                self.db.execute(f"UPDATE {quote(schema.class_name)} SET {sets} WHERE objectId=?",
                                (*(new_row[i] for i in changed), current["objectId"]))
            except sqlite3.IntegrityError as exc:
                raise self._duplicate(exc) from exc
            if new_row[3] != row[3] or new_row[1] != row[1]:
                acl_index.write(self.db, schema.class_name, current["objectId"], after, new_row[1])
            return after

        def run() -> Document | None:
            if schema.class_name not in self._known_tables:
                return None
            return self._write(body)
        return await self._call(run)

    async def delete(self, schema: ClassSchema, where: Where) -> Document | None:
        sql, params = self._select(schema, where, FindOptions(limit=1))

        def body() -> Document | None:
            row = self.db.execute(sql, params).fetchone()
            if row is None:
                return None
            self.db.execute(f"DELETE FROM {quote(schema.class_name)} WHERE objectId = ?", (row[0],))
            acl_index.forget(self.db, schema.class_name, [row[0]])
            return from_row(row)

        def run() -> Document | None:
            if schema.class_name not in self._known_tables:
                return None
            return self._write(body)
        return await self._call(run)

    async def delete_many(self, schema: ClassSchema, where: Where) -> int:
        compiled = WhereCompiler(schema).compile(where)
        table = quote(schema.class_name)
        select = f"SELECT t.objectId FROM {table} AS t WHERE {compiled.sql}"

        def body() -> int:
            ids = [r[0] for r in self.db.execute(select, compiled.params).fetchall()]
            self.db.executemany(f"DELETE FROM {table} WHERE objectId = ?", [(i,) for i in ids])
            acl_index.forget(self.db, schema.class_name, ids)
            return len(ids)

        def run() -> int:
            if schema.class_name not in self._known_tables:
                return 0
            return self._write(body)
        return await self._call(run)

    # --- relations ---------------------------------------------------------------------
    async def add_relations(self, owning_class: str, field_name: str, owning_id: str,
                            related_ids: list[str]) -> None:
        rows = [(owning_class, field_name, owning_id, rid) for rid in related_ids]
        await self._call(lambda: self._write(lambda: self.db.executemany(
            'INSERT OR IGNORE INTO "_Join" VALUES (?,?,?,?)', rows)))

    async def remove_relations(self, owning_class: str, field_name: str, owning_id: str,
                               related_ids: list[str]) -> None:
        rows = [(owning_class, field_name, owning_id, rid) for rid in related_ids]
        await self._call(lambda: self._write(lambda: self.db.executemany(
            'DELETE FROM "_Join" WHERE owningClass=? AND field=? AND owningId=? AND relatedId=?', rows)))

    async def _join_lookup(self, select: str, match: str, owning_class: str, field_name: str,
                           ids: list[str]) -> list[str]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        sql = (f'SELECT DISTINCT {select} FROM "_Join" WHERE owningClass=? AND field=? '
               f"AND {match} IN ({marks})")
        params = [owning_class, field_name, *ids]
        inline = INLINE_SLICE if len(ids) <= POINT_READ_IDS else LIST_SLICE
        rows = await self._read(lambda db: db.execute(sql, params).fetchall(), inline=inline)
        return [row[0] for row in rows]

    async def related_ids(self, owning_class: str, field_name: str, owning_ids: list[str]) -> list[str]:
        return await self._join_lookup("relatedId", "owningId", owning_class, field_name, owning_ids)

    async def owning_ids(self, owning_class: str, field_name: str, related_ids: list[str]) -> list[str]:
        return await self._join_lookup("owningId", "relatedId", owning_class, field_name, related_ids)

