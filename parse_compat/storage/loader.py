"""`databaseURI` → a storage adapter. `sqlite:///path`, `mongodb://…`, `mongodb+srv://…`
(and `mongomock://name`, an in-memory MongoDB for tests), `postgres://…` / `postgresql://…` (Parse
Server's PostgreSQL layout; `?search_path=name` for an app in its own schema). `databaseOptions` (Parse's name)
carries the adapters' options: `maxTimeMS`, the time budget of every query."""

from __future__ import annotations

from typing import Any

from .base import DEFAULT_MAX_TIME_MS, StorageAdapter


def max_time_ms(options: dict[str, Any] | None) -> int:
    """`databaseOptions.maxTimeMS`: a whole number of milliseconds, 0 for no budget."""
    # parse-compat: Parse Server sets no budget by default; this one ships 5 s.
    value = (options or {}).get("maxTimeMS", DEFAULT_MAX_TIME_MS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"databaseOptions.maxTimeMS must be a whole number of milliseconds >= 0, not {value!r}")
    return value


def open_storage(uri: str, options: dict[str, Any] | None = None, collations: bool = True) -> StorageAdapter:
    """The adapter for `uri`; `collations` false (Parse's `enableCollationCaseComparison`) keeps
    MongoDB from collation indexes and queries. The SQL stores use none."""
    budget = max_time_ms(options)
    if uri.startswith("sqlite://"):
        from .sqlite.adapter import SQLiteAdapter

        # SQLAlchemy's convention: sqlite:///relative/file.db, sqlite:////absolute/file.db
        path = uri[len("sqlite:///"):] if uri.startswith("sqlite:///") else uri[len("sqlite://"):]
        return SQLiteAdapter(path or "data/parse.db", max_time_ms=budget)
    if uri.startswith(("mongodb://", "mongodb+srv://", "mongomock://")):
        from .mongo.adapter import MongoAdapter

        return MongoAdapter(uri, max_time_ms=budget, collations=collations)
    if uri.startswith(("postgres://", "postgresql://")):
        from .postgres.adapter import PostgresAdapter

        return PostgresAdapter(uri, max_time_ms=budget)
    raise ValueError(f"unsupported databaseURI {uri!r}: use sqlite:///path, mongodb://... or postgres://...")
