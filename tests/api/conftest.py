"""A real loopback server per test, on every storage adapter, and a small REST client for it.

``postgres`` runs on the local PostgreSQL (tests/postgres/database.py): a database per test
session, ``pc_test_<pid>_api``, dropped at the end, and a schema per server in it."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from parse_compat.app import STATE_KEY, create_app
from parse_compat.settings import Settings
from tests.postgres.database import app_uri, session_database, session_database_name

APP_ID = "test-app"
MASTER_KEY = "test-master"
ROOT = Path(__file__).resolve().parents[2]


ADAPTERS = ("sqlite", "mongomock")
# The api fixture's stores: the others, and PostgreSQL.
API_ADAPTERS = (*ADAPTERS, "postgres")
POSTGRES_DATABASE = session_database_name("api")
postgres_database = session_database("api")


@dataclass
class Reply:
    status: int
    body: Any
    headers: Any


class Client:
    """Speaks to the test server the way curl does (real verbs, X-Parse headers)."""

    def __init__(self, session: aiohttp.ClientSession, base: str, capabilities: Any = None,
                 state: Any = None) -> None:
        self.session = session
        self.base = base
        self.adapter_capabilities = capabilities
        self.state = state

    async def request(self, method: str, path: str, body: Any = None, *, master: bool = False,
                      session_token: str | None = None, headers: dict[str, str] | None = None,
                      params: dict[str, Any] | None = None, raw: bytes | str | None = None,
                      app_id: str | None = APP_ID) -> Reply:
        hdrs: dict[str, str] = {}
        if app_id is not None:
            hdrs["X-Parse-Application-Id"] = app_id
        if master:
            hdrs["X-Parse-Master-Key"] = MASTER_KEY
        if session_token:
            hdrs["X-Parse-Session-Token"] = session_token
        data: Any = None
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body)
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        query = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (params or {}).items()}
        async with self.session.request(method, self.base + path, data=data, headers=hdrs,
                                        params=query) as resp:
            text = await resp.text()
            try:
                parsed = json.loads(text) if text else None
            except ValueError:
                parsed = text
            return Reply(resp.status, parsed, resp.headers)

    async def get(self, path: str, **kw: Any) -> Reply:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return await self.request("POST", path, body, **kw)

    async def put(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return await self.request("PUT", path, body, **kw)

    async def delete(self, path: str, **kw: Any) -> Reply:
        return await self.request("DELETE", path, **kw)


def make_settings(tmp_path: Path, adapter: str, **overrides: Any) -> Settings:
    if adapter == "postgres":  # the database is the postgres_database fixture's
        uri = app_uri(POSTGRES_DATABASE)
    elif adapter == "sqlite":
        uri = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        uri = f"mongomock://t{uuid.uuid4().hex[:12]}"
    values: dict[str, Any] = {"appId": APP_ID, "masterKey": MASTER_KEY, "databaseURI": uri,
                              "schema": str(ROOT / "schema.json"), "cloud": None, "dataDir": str(tmp_path)}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(params=API_ADAPTERS)
def adapter_name(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        request.getfixturevalue("postgres_database")
    return str(request.param)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def api(tmp_path: Path, adapter_name: str, settings_overrides: dict[str, Any],
              request: pytest.FixtureRequest) -> AsyncIterator[Client]:
    overrides = dict(settings_overrides)
    marker = request.node.get_closest_marker("settings")
    if marker is not None:
        overrides.update(marker.kwargs)
    settings = make_settings(tmp_path, adapter_name, **overrides)
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    settings.serverURL = f"http://127.0.0.1:{server.port}/parse"
    settings.publicServerURL = settings.serverURL
    state = server.app[STATE_KEY]
    async with aiohttp.ClientSession() as session:
        yield Client(session, f"http://127.0.0.1:{server.port}/parse", state.storage.capabilities, state)
    await server.close()
