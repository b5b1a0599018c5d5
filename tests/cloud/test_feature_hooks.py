"""Cloud-code hooks fired by other features: Live Query (beforeConnect, beforeSubscribe,
afterLiveQueryEvent) and files (beforeSave / afterSave on `@File`), registered with the
`Cloud` API and run through the same runner (validators, timeout, error codes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from parse_compat.app import create_app
from tests.livequery.conftest import LiveEnv, live_settings

from .conftest import MASTER_KEY, Client

HOOKS = '''
from parse_compat.cloud import ParseError

def register(cloud):
    @cloud.before_connect
    async def before_connect(request):
        if request.installationId == "banned":
            raise ValueError("no entry")

    @cloud.before_subscribe("Room")
    async def before_subscribe(request):
        if request.query["where"].get("forbidden"):
            raise ParseError(119, "not this query")
        request.query["keys"] = ["score", "name"]

    @cloud.after_event("Room")
    def after_event(request):
        if request.object.get("name") == "hidden":
            request.data["sendEvent"] = False
        request.object["name"] = str(request.object.get("name", "")).upper()

    @cloud.before_save_file
    async def before_save_file(request):
        if request.file["name"].startswith("blocked"):
            raise ParseError(130, "this file is not welcome")

    @cloud.after_save_file
    async def after_save_file(request):
        await request.sdk.as_master().create("FileLog", {"name": request.file["name"]})
'''


@pytest.fixture
async def env(tmp_path: Path, adapter_name: str) -> AsyncIterator[LiveEnv]:
    source = tmp_path / "feature_hooks.py"
    source.write_text(HOOKS)
    settings = live_settings(tmp_path, adapter_name, cloud=str(source))
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    base = f"http://127.0.0.1:{server.port}/parse"
    async with aiohttp.ClientSession() as http:
        yield LiveEnv(Client(http, base), http, server, f"ws://127.0.0.1:{server.port}/parse")
    await server.close()


async def test_live_query_hooks_from_cloud_code(env: LiveEnv) -> None:
    await env.make_class("Room", {"score": {"type": "Number"}, "name": {"type": "String"},
                                  "tags": {"type": "Array"}})
    banned = await env.socket(connect=False)
    assert await banned.connect(installationId="banned") == {"op": "error", "error": "no entry", "code": 141,
                                                             "reconnect": False, "requestId": None}
    socket = await env.socket(installationId="inst")
    refused = await socket.subscribe(1, "Room", {"forbidden": True})
    assert refused["op"] == "error" and refused["code"] == 119 and refused["error"] == "not this query"
    assert (await socket.subscribe(2, "Room", {}))["op"] == "subscribed"
    await env.api.post("/classes/Room", {"score": 1, "name": "hidden"})
    await socket.nothing()
    await env.api.post("/classes/Room", {"score": 2, "name": "shown", "tags": ["t"]})
    event = await socket.recv()
    assert event["op"] == "create" and event["object"]["name"] == "SHOWN" and "tags" not in event["object"]
    await socket.close()


async def test_file_hooks_from_cloud_code(env: LiveEnv) -> None:
    headers = {"X-Parse-Master-Key": MASTER_KEY, "Content-Type": "text/plain"}
    refused = await env.api.post("/files/blocked.txt", raw=b"hello", headers=headers)
    assert refused.status == 400 and refused.body == {"code": 130, "error": "this file is not welcome"}
    saved = await env.api.post("/files/fine.txt", raw=b"hello", headers=headers)
    assert saved.status == 201, saved.body
    logged: list[dict[str, Any]] = (await env.api.get("/classes/FileLog", master=True)).body["results"]
    assert [row["name"] for row in logged] == [saved.body["name"]]
