"""``pg``: a PostgresAdapter on a fresh schema of this session's database, and ``sql``: a plain
asyncpg connection to the same schema, to look at the layout the adapter wrote."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest

from parse_compat.storage.postgres import PostgresAdapter
from tests.postgres.database import app_uri, session_database

postgres_database = session_database("layout")


@pytest.fixture
def pg_uri(postgres_database: str) -> str:
    return app_uri(postgres_database)


@pytest.fixture
async def pg(pg_uri: str) -> AsyncIterator[PostgresAdapter]:
    adapter = PostgresAdapter(pg_uri)
    await adapter.connect()
    try:
        yield adapter
    finally:
        await adapter.drop_schema()
        await adapter.close()


@pytest.fixture
async def sql(pg: PostgresAdapter, pg_uri: str) -> AsyncIterator[Any]:
    parts = urlsplit(pg_uri)
    schema = parse_qs(parts.query)["search_path"][0]
    connection = await asyncpg.connect(f"postgresql://{parts.netloc}{parts.path}",
                                       server_settings={"search_path": schema})
    try:
        yield connection
    finally:
        await connection.close()
