"""`databaseURI` → a storage adapter. `sqlite:///path`, `mongodb://…`, `mongodb+srv://…`
(and `mongomock://name`, an in-memory MongoDB for tests)."""

from __future__ import annotations

from .base import StorageAdapter


def open_storage(uri: str) -> StorageAdapter:
    if uri.startswith("sqlite://"):
        from .sqlite.adapter import SQLiteAdapter

        # SQLAlchemy's convention: sqlite:///relative/file.db, sqlite:////absolute/file.db
        path = uri[len("sqlite:///"):] if uri.startswith("sqlite:///") else uri[len("sqlite://"):]
        return SQLiteAdapter(path or "data/parse.db")
    if uri.startswith(("mongodb://", "mongodb+srv://", "mongomock://")):
        from .mongo.adapter import MongoAdapter

        return MongoAdapter(uri)
    raise ValueError(f"unsupported databaseURI {uri!r}: use sqlite:///path or mongodb://...")
