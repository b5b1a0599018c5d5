"""The ``adapter`` fixture: every storage adapter, each on a fresh database per test.

Parameters: ``sqlite`` (a new file under tmp_path), ``mongomock`` (an in-memory MongoDB
emulator, new database name per test), ``postgres`` (the local PostgreSQL, a schema per test in
a database per session, tests/postgres/database.py) and ``mongo`` — a real server, only when
``PARSE_COMPAT_TEST_MONGO_URI`` is set; each test gets its own database there, dropped
afterwards. Tests skip by ``adapter.capabilities``, never by these names.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from parse_compat.storage.mongo import MongoAdapter
from parse_compat.storage.postgres import PostgresAdapter
from parse_compat.storage.sqlite.adapter import SQLiteAdapter
from tests.postgres.database import app_uri, session_database

MONGO_URI_ENV = "PARSE_COMPAT_TEST_MONGO_URI"
ADAPTERS = ["sqlite", "mongomock", "postgres"] + (["mongo"] if os.environ.get(MONGO_URI_ENV) else [])


def unique_database_uri(base: str, name: str) -> str:
    """``base`` with its database path replaced by ``name`` (options kept)."""
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


postgres_database = session_database("contract")


def make_adapter(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    if kind == "postgres":
        return PostgresAdapter(app_uri(request.getfixturevalue("postgres_database")))
    if kind == "sqlite":
        return SQLiteAdapter(str(tmp_path / "t.db"))
    name = f"test_{uuid.uuid4().hex}"
    if kind == "mongomock":
        return MongoAdapter(f"mongomock://{name}")
    return MongoAdapter(unique_database_uri(os.environ[MONGO_URI_ENV], name))


@pytest.fixture(params=ADAPTERS)
async def adapter(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    storage = make_adapter(request.param, tmp_path, request)
    await storage.connect()
    try:
        yield storage
    finally:
        if request.param == "mongo":
            await storage.drop_database()
        if request.param == "postgres":
            await storage.drop_schema()
        await storage.close()
