"""A loopback server per test on each storage (SQLite → local files, mongomock → GridFS), with
helpers for the Files API: a REST client, the app state, staff users and XRayLogs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from parse_compat.app import STATE_KEY, create_app
from parse_compat.state import AppState
from tests.api.conftest import APP_ID, Client, Reply, make_settings


@dataclass
class FilesEnv:
    client: Client
    session: aiohttp.ClientSession
    base: str
    state: AppState
    tmp_path: Path
    server: TestServer

    @property
    def files(self) -> Any:
        return self.state.services.files

    async def fetch(self, url: str, headers: dict[str, str] | None = None,
                    method: str = "GET") -> tuple[int, bytes, Any]:
        async with self.session.request(method, url, headers=headers or {}) as resp:
            return resp.status, await resp.read(), resp.headers

    async def upload(self, name: str, data: bytes, content_type: str = "application/octet-stream", *,
                     master: bool = True, session_token: str | None = None,
                     headers: dict[str, str] | None = None) -> Reply:
        return await self.client.post(f"/files/{name}", raw=data, master=master, session_token=session_token,
                                      headers={"Content-Type": content_type, **(headers or {})})

    async def user(self, name: str) -> tuple[str, str]:
        """Signs up a staff user; (objectId, session token)."""
        reply = await self.client.post("/users", {"username": name, "password": "pw-" + name,
                                                  "email": f"{name}@example.com"})
        assert reply.status == 201, reply.body
        return reply.body["objectId"], reply.body["sessionToken"]

    async def xray(self, token: str, owner_id: str, file_name: str, file_url: str | None = None) -> str:
        """An XRayLog with `image` = the file, readable and writable by its owner only. Like the SDK,
        the File value may carry the url the upload returned (the server ignores it: the uploader,
        or a reader of an object that references the file, may attach it)."""
        patient = await self.client.post("/classes/Patient", {"name": "P", "email": "p@example.com",
                                                              "phone": "1"}, session_token=token)
        assert patient.status == 201, patient.body
        reply = await self.client.post("/classes/XRayLog", {
            "patient": {"__type": "Pointer", "className": "Patient", "objectId": patient.body["objectId"]},
            "xrayDate": {"__type": "Date", "iso": "2024-05-01T10:00:00.000Z"}, "fileUrl": "-",
            "image": {"__type": "File", "name": file_name, **({"url": file_url} if file_url else {})},
            "ACL": {owner_id: {"read": True, "write": True}}}, session_token=token)
        assert reply.status == 201, reply.body
        return str(reply.body["objectId"])

    def bare(self, name: str) -> str:
        return f"{self.base}/files/{APP_ID}/{name}"


@pytest.fixture(params=["sqlite", "mongomock"])
def files_adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def files_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def env(tmp_path: Path, files_adapter: str, files_overrides: dict[str, Any]) -> AsyncIterator[FilesEnv]:
    settings = make_settings(tmp_path, files_adapter, **files_overrides)
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = f"http://127.0.0.1:{server.port}/parse"
    settings.serverURL = settings.publicServerURL = base
    async with aiohttp.ClientSession() as session:
        yield FilesEnv(Client(session, base), session, base, app[STATE_KEY], tmp_path, server)
    await server.close()
