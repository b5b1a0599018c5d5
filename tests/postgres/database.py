"""The local PostgreSQL the tests run on, and a throw-away database per test session.

``PARSE_COMPAT_TEST_POSTGRES_URI`` (default ``postgres://postgres@127.0.0.1:5432``, trust auth)
names the server. ``session_database(suffix)`` makes a pytest fixture that creates
``pc_test_<pid>_<suffix>`` on first use and drops it when the session ends; each test then gets
its own schema in it (``app_uri``), so tests never see each other's tables.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
import pytest

SERVER_ENV = "PARSE_COMPAT_TEST_POSTGRES_URI"


def server_uri() -> str:
    return os.environ.get(SERVER_ENV, "postgres://postgres@127.0.0.1:5432").rstrip("/")


async def _admin_async(statement: str) -> None:
    connection = await asyncpg.connect(server_uri() + "/postgres")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _admin(statement: str) -> None:
    """Run one statement on the maintenance database, from a thread of its own (the fixture may
    be set up from inside a test's event loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _admin_async(statement)).result()


def app_uri(database: str) -> str:
    """A fresh app on ``database``: its own schema, created by the adapter on connect."""
    return f"{server_uri()}/{database}?search_path=app_{uuid.uuid4().hex[:12]}"


def session_database_name(suffix: str) -> str:
    return f"pc_test_{os.getpid()}_{suffix}"


def session_database(suffix: str) -> Callable[..., Any]:
    """A session fixture: the database ``session_database_name(suffix)``, created on first use
    and dropped when the session ends."""
    @pytest.fixture(scope="session")
    def postgres_database() -> Iterator[str]:
        name = session_database_name(suffix)
        _admin(f'DROP DATABASE IF EXISTS "{name}"')
        _admin(f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return postgres_database
