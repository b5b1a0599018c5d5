"""``PostgresAdapter``: the StorageAdapter (base.py) over PostgreSQL in Parse Server's layout
(``layout.py``), selected by ``databaseURI postgres://…`` / ``postgresql://…``.

asyncpg with its connection pool: a native asyncio driver (no thread hop per statement), binary
protocol, prepared statements cached per connection. A ``search_path`` in the URI's query
(``?search_path=app1``) puts the app's tables in that schema (created on connect).

Every ``where`` is parsed once into the typed tree (``query/parse.py``) and compiled to SQL by
``compile.py``, so filtering, ordering and paging all run in PostgreSQL. ``transaction()`` pins
one connection for the batch (statements on it are serialised by a lock, as batch items may run
concurrently). ``databaseOptions.maxTimeMS`` is the connections' ``statement_timeout``; a
statement stopped by it answers Parse's 124. A single-row update or delete names its row by
``ctid`` after locking it, since rows Parse Server wrote to ``_Hooks`` have no ``objectId``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg

from ...errors import INVALID_QUERY, DuplicateValue, ParseError
from ...query.parse import parse_where
from ..apply_update import apply_update
from ..base import DEFAULT_MAX_TIME_MS, Capabilities, ClassSchema, Document, FindOptions, Where
from . import layout
from .compile import Compiled, WhereCompiler
from .layout import quote

CASE_INSENSITIVE_UNIQUE = {("_User", "username"), ("_User", "email")}
SCHEMA_ONLY_FIELDS = ("_rperm", "_wperm")
USER_SCHEMA_ONLY_FIELDS = ("_hashed_password", "_password_history")
# Fields every class has that Parse Server leaves out of its `_SCHEMA` rows (and fills in on
# read), as it leaves `_User.password` out (the password is the `_hashed_password` column).
IMPLICIT_FIELDS = {"objectId": {"type": "String"}, "createdAt": {"type": "Date"},
                   "updatedAt": {"type": "Date"}, "ACL": {"type": "ACL"}}
USER_IMPLICIT_FIELDS = {"password": {"type": "String"}}
NOT_STORED_FIELDS = ("ACL",)
USER_NOT_STORED_FIELDS = ("password",)
ROW_ID = "__row_ctid"  # the ctid selected with a row about to be updated
TIMEOUT_MESSAGE = "Query timed out: it ran longer than databaseOptions.maxTimeMS."


@dataclass
class _OpenTransaction:
    connection: Any
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@contextmanager
def _query_errors() -> Iterator[None]:
    """PostgreSQL's refusals as Parse errors: timeout 124, a unique index DuplicateValue, a query
    the stored values cannot take 102."""
    try:
        yield
    except asyncpg.QueryCanceledError as exc:
        # parse-compat: past databaseOptions.maxTimeMS the statement is cancelled; Parse's 124.
        raise ParseError(124, TIMEOUT_MESSAGE) from exc
    except (asyncpg.InvalidRegularExpressionError, asyncpg.DataError) as exc:
        if isinstance(exc.__cause__, UnicodeEncodeError):
            raise exc.__cause__ from None  # text PostgreSQL cannot hold (a lone surrogate), as in BSON
        raise ParseError(INVALID_QUERY, "Invalid query for the stored values.") from exc


async def _reset_connection(connection: Any) -> None:
    """What a connection needs before it goes back to the pool: only an unfinished transaction
    closed. (asyncpg's default reset spends a round trip per request undoing advisory locks,
    LISTENs, cursors and SETs, none of which this adapter uses.)"""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


class PostgresAdapter:
    """Parse Server's PostgreSQL layout behind the storage boundary."""

    # parse-compat: as in Parse Server's layout, a column holds NULL for an explicit null and for a
    # missing field alike, so a stored null reads back as a missing field.
    capabilities = Capabilities(transactions=True, text_search=True, geo=True, null_values=False)

    def __init__(self, uri: str, max_time_ms: int | None = DEFAULT_MAX_TIME_MS, pool_size: int = 10) -> None:
        self.uri = uri
        self._max_time_ms = max_time_ms or 0
        self._pool_size = pool_size
        self._pool: Any = None
        self._columns: dict[str, dict[str, str]] = {}  # class → column → SQL type (layout names)
        self._unique_fields: dict[str, str] = {}  # unique index name → field
        self._tx: ContextVar[_OpenTransaction | None] = ContextVar(f"pg_tx_{id(self)}", default=None)
        self._ddl_lock = asyncio.Lock()

    # --- connection ----------------------------------------------------------------------
    def _dsn_and_settings(self) -> tuple[str, dict[str, str]]:
        parts = urlsplit(self.uri)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        settings = {"statement_timeout": str(self._max_time_ms)}
        search_path = query.pop("search_path", None)
        if search_path:
            settings["search_path"] = search_path
        rest = "&".join(f"{k}={v}" for k, v in query.items())
        scheme = "postgresql" if parts.scheme in ("postgres", "postgresql") else parts.scheme
        dsn = f"{scheme}://{parts.netloc}{parts.path}" + (f"?{rest}" if rest else "")
        return dsn, settings

    async def connect(self) -> None:
        dsn, settings = self._dsn_and_settings()
        if "search_path" in settings:
            connection = await asyncpg.connect(dsn)
            try:
                await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(settings['search_path'])}")
            finally:
                await connection.close()
        self._pool = await asyncpg.create_pool(dsn, min_size=1, max_size=self._pool_size,
                                               server_settings=settings, reset=_reset_connection)
        async with self._pool.acquire() as connection:
            await connection.execute('CREATE TABLE IF NOT EXISTS "_SCHEMA" ("className" varChar(120), '
                                     '"schema" jsonb, "isParseClass" bool, PRIMARY KEY ("className"))')
            await self._load_columns(connection)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def _load_columns(self, connection: Any, table: str | None = None) -> None:
        rows = await connection.fetch(
            "SELECT table_name, column_name, udt_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND ($1::text IS NULL OR table_name = $1)", table)
        found: dict[str, dict[str, str]] = {}
        for row in rows:
            found.setdefault(row["table_name"], {})[row["column_name"]] = layout.UDT_NAMES.get(row["udt_name"], "jsonb")
        if table is None:
            self._columns = found
        elif table in found:
            self._columns[table] = found[table]
        else:
            self._columns.pop(table, None)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        """The transaction's connection when one is open in this task, else one from the pool."""
        open_tx = self._tx.get()
        if open_tx is not None:
            async with open_tx.lock:
                yield open_tx.connection
            return
        async with self._pool.acquire() as connection:
            yield connection

    @asynccontextmanager
    async def _write_connection(self) -> AsyncIterator[Any]:
        """A connection inside a transaction (the open one, or a new one for this write)."""
        if self._tx.get() is not None:
            async with self._connection() as connection:
                yield connection
            return
        async with self._pool.acquire() as connection, connection.transaction():
            yield connection

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self._tx.get() is not None:
            yield
            return
        async with self._pool.acquire() as connection, connection.transaction():
            token = self._tx.set(_OpenTransaction(connection))
            try:
                yield
            finally:
                self._tx.reset(token)

    # --- schema ------------------------------------------------------------------------------
    async def load_schemas(self) -> list[ClassSchema]:
        async with self._connection() as connection:
            rows = await connection.fetch('SELECT "className", "schema" FROM "_SCHEMA"')
        out = []
        for row in rows:
            raw = json.loads(row["schema"]) if isinstance(row["schema"], str) else row["schema"]
            fields = dict(raw.get("fields") or {})
            is_user = row["className"] == "_User"
            for name in SCHEMA_ONLY_FIELDS + (USER_SCHEMA_ONLY_FIELDS if is_user else ()):
                fields.pop(name, None)
            for name, spec in {**IMPLICIT_FIELDS, **(USER_IMPLICIT_FIELDS if is_user else {})}.items():
                fields.setdefault(name, dict(spec))
            out.append(ClassSchema(row["className"], fields, raw.get("classLevelPermissions"),
                                   raw.get("indexes") or {}))
        return out

    def _stored_schema(self, schema: ClassSchema) -> dict[str, Any]:
        stored = schema.to_json()
        fields = dict(stored["fields"])
        # As Parse Server stores it: without ACL (and _User.password), with the ACL arrays (and
        # _hashed_password); Parse lists any other field it finds here in its /schemas answer.
        for name in NOT_STORED_FIELDS + (USER_NOT_STORED_FIELDS if schema.class_name == "_User" else ()):
            fields.pop(name, None)
        for name in SCHEMA_ONLY_FIELDS:
            fields[name] = {"type": "Array", "contents": {"type": "String"}}
        if schema.class_name == "_User":
            fields["_hashed_password"] = {"type": "String"}
        stored["fields"] = fields
        return stored

    async def save_schema(self, schema: ClassSchema) -> None:
        async with self._ddl_lock, self._write_connection() as connection:
            previous = await connection.fetchval('SELECT "schema" FROM "_SCHEMA" WHERE "className" = $1',
                                                 schema.class_name)
            await self._ensure_table(connection, schema)
            old_indexes = (json.loads(previous).get("indexes") or {}) if previous else {}
            for name in old_indexes:
                if name not in schema.indexes and name != "_id_":
                    await connection.execute(f"DROP INDEX IF EXISTS {quote(name)}")
            await self._ensure_indexes(connection, schema)
            await connection.execute(
                'INSERT INTO "_SCHEMA" ("className", "schema", "isParseClass") VALUES ($1, $2::jsonb, true) '
                'ON CONFLICT ("className") DO UPDATE SET "schema" = EXCLUDED."schema"',
                schema.class_name, json.dumps(self._stored_schema(schema)))

    async def _ensure_table(self, connection: Any, schema: ClassSchema) -> None:
        """The class table with a column for every field, and its relation tables."""
        name = schema.class_name
        wanted = layout.base_columns(name)
        for field_name, sql_type in layout.field_columns(name, schema.fields).items():
            wanted.setdefault(field_name, sql_type)
        table = quote(name)
        if name not in self._columns:
            columns = ", ".join(f"{quote(c)} {kind}" for c, kind in wanted.items() if c != "objectId")
            await connection.execute(f'CREATE TABLE IF NOT EXISTS {table} ("objectId" text PRIMARY KEY, {columns})')
            await self._load_columns(connection, name)
        # Columns first: Parse Server creates some internal tables (`_Hooks`, `_GlobalConfig`,
        # `_GraphQLConfig`) without `objectId` / `createdAt` / `_rperm`, which the indexes need.
        known = self._columns.get(name, {})
        for column, kind in wanted.items():
            if column not in known:
                await connection.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {quote(column)} {kind}")
                known[column] = kind
        self._columns[name] = known
        # The ACL constraint (`_rperm IS NULL OR _rperm && $n`) is a BitmapOr of the first two.
        await connection.execute(f"CREATE INDEX IF NOT EXISTS {quote(name + '_rperm_gin')} "
                                 f'ON {table} USING gin ("_rperm")')
        await connection.execute(f"CREATE INDEX IF NOT EXISTS {quote(name + '_public')} "
                                 f'ON {table} ("createdAt") WHERE "_rperm" IS NULL')
        await connection.execute(f"CREATE INDEX IF NOT EXISTS {quote(name + '_createdAt')} "
                                 f'ON {table} ("createdAt")')
        for field_name, spec in schema.fields.items():
            if spec.get("type") == "Relation":
                await self._ensure_join_table(connection, name, field_name)

    async def _ensure_indexes(self, connection: Any, schema: ClassSchema) -> None:
        columns = self._columns.get(schema.class_name, {})
        for declared, keys in schema.indexes.items():
            if declared == "_id_" or not all(isinstance(v, int) for v in keys.values()):
                continue
            if not all(key in columns for key in keys):
                continue
            parts = ", ".join(f"{quote(key)} {'DESC' if direction == -1 else 'ASC'}" for key, direction in keys.items())
            await connection.execute(f"CREATE INDEX IF NOT EXISTS {quote(declared)} "
                                     f"ON {quote(schema.class_name)} ({parts})")

    @staticmethod
    async def _ensure_join_table(connection: Any, owning_class: str, field_name: str) -> None:
        table = layout.join_table(owning_class, field_name)
        await connection.execute(f'CREATE TABLE IF NOT EXISTS {table} ("relatedId" varChar(120), '
                                 f'"owningId" varChar(120), PRIMARY KEY ("relatedId", "owningId"))')
        await connection.execute(f"CREATE INDEX IF NOT EXISTS "
                                 f"{quote(f'{layout.JOIN_PREFIX}{field_name}:{owning_class}_owning')} "
                                 f'ON {table} ("owningId")')

    async def delete_class(self, class_name: str) -> None:
        async with self._ddl_lock, self._write_connection() as connection:
            tables = await connection.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
            suffix = ":" + class_name
            for (table_name,) in tables:
                if table_name.startswith(layout.JOIN_PREFIX) and table_name.endswith(suffix):
                    await connection.execute(f"DROP TABLE IF EXISTS {quote(table_name)}")
            await connection.execute(f"DROP TABLE IF EXISTS {quote(class_name)}")
            await connection.execute('DELETE FROM "_SCHEMA" WHERE "className" = $1', class_name)
            self._columns.pop(class_name, None)

    async def delete_field(self, schema: ClassSchema, field_name: str) -> None:
        async with self._ddl_lock, self._write_connection() as connection:
            if schema.field_type(field_name) == "Relation":
                await connection.execute(f"DROP TABLE IF EXISTS {layout.join_table(schema.class_name, field_name)}")
                return
            if schema.class_name in self._columns:
                await connection.execute(f"ALTER TABLE {quote(schema.class_name)} "
                                         f"DROP COLUMN IF EXISTS {quote(field_name)}")
                self._columns[schema.class_name].pop(field_name, None)

    async def ensure_unique(self, schema: ClassSchema, field_names: list[str]) -> None:
        async with self._ddl_lock, self._write_connection() as connection:
            await self._ensure_table(connection, schema)
            for field_name in field_names:
                await self._ensure_column(connection, schema, field_name, "")
                name = f"{schema.class_name}_unique_{field_name}"[:63]
                self._unique_fields[name] = field_name
                expr = quote(field_name)
                if (schema.class_name, field_name) in CASE_INSENSITIVE_UNIQUE:
                    expr = f"lower({expr})"
                try:
                    await connection.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {quote(name)} "
                                             f"ON {quote(schema.class_name)} ({expr})")
                except asyncpg.UniqueViolationError as exc:
                    raise DuplicateValue(field_name) from exc

    async def _ensure_column(self, connection: Any, schema: ClassSchema, column: str, value: Any) -> str | None:
        """The SQL type of ``column``, adding the column first when the table lacks it."""
        known = self._columns.setdefault(schema.class_name, {})
        if column in known:
            return known[column]
        spec = schema.fields.get(column)
        kind = layout.field_sql_type(spec) if spec else layout.inferred_sql_type(value)
        if kind is None:
            return None
        try:
            await connection.execute(f"ALTER TABLE {quote(schema.class_name)} "
                                     f"ADD COLUMN IF NOT EXISTS {quote(column)} {kind}")
        except asyncpg.DuplicateColumnError:
            pass
        known[column] = kind
        return kind

    async def _fresh_columns(self, schema: ClassSchema) -> None:
        """Re-read the table's columns when the schema names a field this process has no column
        for: another server on the same database may have added it (or created the table)."""
        known = self._columns.get(schema.class_name)
        if known is not None and all(name in known for name in layout.field_columns(schema.class_name, schema.fields)):
            return
        async with self._connection() as connection:
            await self._load_columns(connection, schema.class_name)

    async def _ready(self, connection: Any, schema: ClassSchema) -> None:
        if schema.class_name not in self._columns:
            await self._ensure_table(connection, schema)

    # --- rows --------------------------------------------------------------------------------
    def _duplicate(self, exc: asyncpg.UniqueViolationError) -> DuplicateValue:
        name = getattr(exc, "constraint_name", None) or ""
        if name in self._unique_fields:
            return DuplicateValue(self._unique_fields[name])
        if "_unique_" in name:
            return DuplicateValue(name.rsplit("_unique_", 1)[1])
        return DuplicateValue("objectId")

    def _doc(self, schema: ClassSchema, row: Any) -> Document:
        columns = self._columns.get(schema.class_name, {})
        doc: Document = {}
        for name, value in row.items():
            if value is None:
                continue
            doc[name] = layout.from_column(name, columns.get(name, "text"), schema.fields.get(name), value)
        return doc

    async def insert(self, schema: ClassSchema, doc: Document) -> None:
        # One statement (after any ALTER TABLE, which commits on its own): no explicit transaction.
        async with self._connection() as connection:
            await self._ready(connection, schema)
            await self._insert_row(connection, schema, doc)

    async def insert_many(self, schema: ClassSchema, docs: list[Document]) -> None:
        """Insert `docs` in one transaction: all or none (columns are added before it opens)."""
        if not docs:
            return
        async with self._connection() as connection:
            await self._ready(connection, schema)
            for doc in docs:
                for key, value in doc.items():
                    await self._ensure_column(connection, schema, key, value)
            own = connection.transaction() if self._tx.get() is None else None
            if own is not None:
                await own.start()
            try:
                # Rows with the same columns go in one executemany (a page of a migration or an
                # import: one round trip per shape, not per row).
                shapes: dict[tuple[str, ...], list[list[Any]]] = {}
                for doc in docs:
                    names, values = self._row(schema, doc)
                    shapes.setdefault(tuple(names), []).append(values)
                for names, rows in shapes.items():
                    marks = ", ".join(f"${i}" for i in range(1, len(names) + 1))
                    try:
                        with _query_errors():
                            await connection.executemany(f"INSERT INTO {quote(schema.class_name)} "
                                                         f"({', '.join(names)}) VALUES ({marks})", rows)
                    except asyncpg.UniqueViolationError as exc:
                        raise self._duplicate(exc) from exc
            except BaseException:
                if own is not None:
                    await own.rollback()
                raise
            if own is not None:
                await own.commit()

    def _row(self, schema: ClassSchema, doc: Document) -> tuple[list[str], list[Any]]:
        """The quoted column names and column values of a row whose columns all exist."""
        known = self._columns.get(schema.class_name, {})
        names: list[str] = []
        values: list[Any] = []
        for key, value in doc.items():
            kind = known.get(key)
            if kind is None or value is None:
                continue
            names.append(quote(key))
            values.append(layout.to_column(kind, value))
        return names, values

    async def _insert_row(self, connection: Any, schema: ClassSchema, doc: Document) -> None:
        for key, value in doc.items():
            await self._ensure_column(connection, schema, key, value)
        names, values = self._row(schema, doc)
        marks = ", ".join(f"${i}" for i in range(1, len(values) + 1))
        try:
            with _query_errors():
                await connection.execute(f"INSERT INTO {quote(schema.class_name)} ({', '.join(names)}) "
                                         f"VALUES ({marks})", *values)
        except asyncpg.UniqueViolationError as exc:
            raise self._duplicate(exc) from exc

    def _where(self, schema: ClassSchema, where: Where) -> Compiled:
        tree = parse_where(where, {name: str(spec.get("type")) for name, spec in schema.fields.items()})
        return WhereCompiler(self._columns.get(schema.class_name, {}), schema.fields).compile(tree)

    def _column_list(self, class_name: str) -> str:
        """The table's columns by name: a prepared statement's result shape must not change when
        a column is added (``SELECT *`` would invalidate every cached plan on the table)."""
        return ", ".join(f"t.{quote(c)}" for c in self._columns.get(class_name, {})) or "t.*"

    def _select(self, schema: ClassSchema, where: Where, options: FindOptions | None,
                columns: str | None = None, lock: bool = False) -> tuple[str, list[Any]]:
        columns = columns or self._column_list(schema.class_name)
        compiler = self._where(schema, where)
        sql = f"SELECT {columns} FROM {quote(schema.class_name)} AS t WHERE {compiler.sql}"
        params = compiler.params
        if options is not None:
            orders: list[str] = []
            known = self._columns.get(schema.class_name, {})
            for field_name, ascending in options.sort:
                head, *rest = field_name.split(".")
                kind = known.get(head)
                if kind is None:
                    continue
                expr = f"t.{quote(head)}"
                if rest:
                    expr = f"({expr} #> '{{{','.join(rest)}}}')"
                elif kind == "text":
                    expr += ' COLLATE "C"'
                orders.append(f"{expr} {'ASC NULLS FIRST' if ascending else 'DESC NULLS LAST'}")
            if not orders and compiler.distance_order:
                orders.append(f"{compiler.distance_order} ASC")
            if orders:
                sql += " ORDER BY " + ", ".join(orders)
            if options.limit is not None:
                params.append(options.limit)
                sql += f" LIMIT ${len(params)}"
            if options.skip:
                params.append(options.skip)
                sql += f" OFFSET ${len(params)}"
        if lock:
            sql += " FOR UPDATE"
        return sql, params

    async def find(self, schema: ClassSchema, where: Where, options: FindOptions) -> list[Document]:
        await self._fresh_columns(schema)
        for attempt in (1, 2):
            sql, params = self._select(schema, where, options)
            if schema.class_name not in self._columns:
                return []
            try:
                async with self._connection() as connection:
                    with _query_errors():
                        rows = await connection.fetch(sql, *params)
                return [self._doc(schema, row) for row in rows]
            except asyncpg.UndefinedColumnError:
                if attempt == 2 or self._tx.get() is not None:
                    raise
                # Another server dropped a column this process still lists: re-read, once.
                async with self._connection() as connection:
                    await self._load_columns(connection, schema.class_name)
        return []

    async def count(self, schema: ClassSchema, where: Where) -> int:
        await self._fresh_columns(schema)
        sql, params = self._select(schema, where, None, columns="count(*)")
        if schema.class_name not in self._columns:
            return 0
        async with self._connection() as connection:
            with _query_errors():
                return int(await connection.fetchval(sql, *params))

    async def update(self, schema: ClassSchema, where: Where, update: Document) -> Document | None:
        await self._fresh_columns(schema)
        # The row is locked (FOR UPDATE) until the UPDATE in the same transaction, so its ctid
        # names it: rows Parse Server wrote to its internal tables (`_Hooks`) have no objectId.
        columns = f"{self._column_list(schema.class_name)}, t.ctid AS {quote(ROW_ID)}"
        sql, params = self._select(schema, where, FindOptions(limit=1), columns=columns, lock=True)
        if schema.class_name not in self._columns:
            return None
        async with self._write_connection() as connection:
            with _query_errors():
                row = await connection.fetchrow(sql, *params)
            if row is None:
                return None
            current = self._doc(schema, row)
            row_id = current.pop(ROW_ID)
            after = apply_update(current, update)
            touched = {key.split(".", 1)[0] for key in update}
            sets: list[str] = []
            values: list[Any] = []
            for key in touched:
                value = after.get(key)
                kind = await self._ensure_column(connection, schema, key, value)
                if kind is None:
                    continue
                values.append(None if value is None else layout.to_column(kind, value))
                sets.append(f"{quote(key)} = ${len(values)}")
            if sets:
                values.append(row_id)
                try:
                    with _query_errors():
                        await connection.execute(f"UPDATE {quote(schema.class_name)} SET {', '.join(sets)} "
                                                 f"WHERE ctid = ${len(values)}", *values)
                except asyncpg.UniqueViolationError as exc:
                    raise self._duplicate(exc) from exc
            return after

    async def delete(self, schema: ClassSchema, where: Where) -> Document | None:
        await self._fresh_columns(schema)
        # By ctid, locked first (a concurrent update leaves the lock on the row's new version):
        # rows Parse Server wrote to its internal tables (`_Hooks`) have no objectId.
        select, params = self._select(schema, where, FindOptions(limit=1), columns="t.ctid", lock=True)
        if schema.class_name not in self._columns:
            return None
        table = quote(schema.class_name)
        async with self._connection() as connection:
            with _query_errors():
                row = await connection.fetchrow(f"DELETE FROM {table} AS t WHERE ctid = ({select}) "
                                                f"RETURNING {self._column_list(schema.class_name)}",
                                                *params)
        return None if row is None else self._doc(schema, row)

    async def delete_many(self, schema: ClassSchema, where: Where) -> int:
        await self._fresh_columns(schema)
        compiler = self._where(schema, where)
        if schema.class_name not in self._columns:
            return 0
        async with self._connection() as connection:
            with _query_errors():
                status = await connection.execute(
                    f"DELETE FROM {quote(schema.class_name)} AS t WHERE {compiler.sql}",
                    *compiler.params)
        return int(status.split()[-1])

    # --- relations ---------------------------------------------------------------------------
    async def add_relations(self, owning_class: str, field_name: str, owning_id: str,
                            related_ids: list[str]) -> None:
        table = layout.join_table(owning_class, field_name)
        async with self._write_connection() as connection:
            await self._ensure_join_table(connection, owning_class, field_name)
            await connection.execute(f'INSERT INTO {table} ("relatedId", "owningId") '
                                     "SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING",
                                     related_ids, owning_id)

    async def remove_relations(self, owning_class: str, field_name: str, owning_id: str,
                               related_ids: list[str]) -> None:
        table = layout.join_table(owning_class, field_name)
        async with self._write_connection() as connection:
            try:
                await connection.execute(f'DELETE FROM {table} WHERE "owningId" = $1 AND "relatedId" = ANY($2)',
                                         owning_id, related_ids)
            except asyncpg.UndefinedTableError:
                return

    async def _join_lookup(self, select: str, match: str, owning_class: str, field_name: str,
                           ids: list[str]) -> list[str]:
        if not ids:
            return []
        table = layout.join_table(owning_class, field_name)
        async with self._connection() as connection:
            exists = await connection.fetchval("SELECT to_regclass($1) IS NOT NULL", table)
            if not exists:
                return []
            rows = await connection.fetch(f'SELECT DISTINCT "{select}" FROM {table} WHERE "{match}" = ANY($1)', ids)
        return [row[0] for row in rows]

    async def related_ids(self, owning_class: str, field_name: str, owning_ids: list[str]) -> list[str]:
        return await self._join_lookup("relatedId", "owningId", owning_class, field_name, owning_ids)

    async def owning_ids(self, owning_class: str, field_name: str, related_ids: list[str]) -> list[str]:
        return await self._join_lookup("owningId", "relatedId", owning_class, field_name, related_ids)

    # --- tests -------------------------------------------------------------------------------
    async def drop_schema(self) -> None:
        """Drop the ``search_path`` schema this adapter was given (its whole app)."""
        _, settings = self._dsn_and_settings()
        if "search_path" in settings and self._pool is not None:
            async with self._pool.acquire() as connection:
                await connection.execute(f"DROP SCHEMA IF EXISTS {quote(settings['search_path'])} CASCADE")
