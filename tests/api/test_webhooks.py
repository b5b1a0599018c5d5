"""`/hooks/functions` and `/hooks/triggers` (issue 14): Parse's API and messages, `_Hooks` rows,
and the calls — Parse's payload POSTed to a local webhook server with `X-Parse-Webhook-Key`,
its `success` / `error` answers, a beforeSave that changes the object, the size bound, and the
refusals (no client key, no read-only writes, no non-http URL, no URL fetched on registration)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from .conftest import Client
from .webhook_server import FakeWebhooks, fake_webhooks

pytestmark = pytest.mark.asyncio
READ_ONLY_KEY = "read-only-key"
RO = {"X-Parse-Master-Key": READ_ONLY_KEY}
WEBHOOK_KEY = "hook-secret"


@pytest.fixture
async def hooks_server() -> AsyncIterator[FakeWebhooks]:
    async with fake_webhooks() as fake:
        yield fake


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"readOnlyMasterKey": READ_ONLY_KEY, "webhookKey": WEBHOOK_KEY, "schema": None}


async def test_a_webhook_function_is_registered_listed_called_and_deleted(api: Client,
                                                                          hooks_server: FakeWebhooks) -> None:
    url = hooks_server.url("double")
    created = await api.post("/hooks/functions", {"functionName": "double", "url": url}, master=True)
    assert created.status == 200 and created.body == {"functionName": "double", "url": url}
    assert hooks_server.calls == []  # registering fetches nothing
    again = await api.post("/hooks/functions", {"functionName": "double", "url": url}, master=True)
    assert again.body == {"code": 143, "error": "function name: double already exists"}
    assert (await api.get("/hooks/functions", master=True)).body == [{"functionName": "double", "url": url}]
    assert (await api.get("/hooks/functions/double", master=True)).body == {"functionName": "double", "url": url}
    missing = await api.get("/hooks/functions/nope", master=True)
    assert missing.body == {"code": 143, "error": "no function named: nope is defined"}

    hooks_server.answers["double"] = {"success": {"value": 42}}
    user = await api.post("/users", {"username": "u", "password": "pw-u"})
    called = await api.post("/functions/double", {"n": 21}, session_token=user.body["sessionToken"])
    assert called.status == 200 and called.body == {"result": {"value": 42}}
    call = hooks_server.calls[-1]
    assert call["key"] == WEBHOOK_KEY
    assert call["body"]["functionName"] == "double" and call["body"]["params"] == {"n": 21}
    assert call["body"]["master"] is False and call["body"]["user"]["username"] == "u"
    assert "x-parse-session-token" not in call["body"]["headers"]  # the caller's credentials stay here

    hooks_server.answers["double"] = {"error": "too big"}
    failed = await api.post("/functions/double", {"n": 1})
    assert failed.status == 400 and failed.body == {"code": 141, "error": "too big"}

    moved = hooks_server.url("other")
    updated = await api.put("/hooks/functions/double", {"url": moved}, master=True)
    assert updated.body == {"functionName": "double", "url": moved}
    await api.post("/functions/double", {})
    assert hooks_server.calls[-1]["path"] == "other"

    deleted = await api.put("/hooks/functions/double", {"__op": "Delete"}, master=True)
    assert deleted.status == 200 and deleted.body == {}
    assert (await api.get("/hooks/functions", master=True)).body == []
    gone = await api.post("/functions/double", {})
    assert gone.body["code"] == 141


async def test_webhook_triggers_change_and_refuse_saves(api: Client, hooks_server: FakeWebhooks) -> None:
    before = hooks_server.url("beforeSave")
    created = await api.post("/hooks/triggers", {"className": "Note", "triggerName": "beforeSave", "url": before},
                             master=True)
    assert created.body == {"className": "Note", "triggerName": "beforeSave", "url": before}
    dup = await api.post("/hooks/triggers", {"className": "Note", "triggerName": "beforeSave", "url": before},
                         master=True)
    assert dup.body == {"code": 143, "error": "class Note already has trigger beforeSave"}
    after = hooks_server.url("afterSave")
    await api.post("/hooks/triggers", {"className": "Note", "triggerName": "afterSave", "url": after}, master=True)
    assert len((await api.get("/hooks/triggers", master=True)).body) == 2
    one = await api.get("/hooks/triggers/Note/beforeSave", master=True)
    assert one.body["url"] == before

    hooks_server.answers["beforeSave"] = {"success": {"text": "changed", "createdAt": "x", "className": "Evil"}}
    saved = await api.post("/classes/Note", {"text": "original"}, master=True)
    assert saved.status == 201, saved.body
    stored = await api.get(f"/classes/Note/{saved.body['objectId']}", master=True)
    assert stored.body["text"] == "changed"
    call = next(c for c in hooks_server.calls if c["path"] == "beforeSave")
    assert call["body"]["triggerName"] == "beforeSave"
    assert call["body"]["object"] == {"className": "Note", "text": "original"}
    assert any(c["path"] == "afterSave" and c["body"]["object"]["objectId"] == saved.body["objectId"]
               for c in hooks_server.calls)

    hooks_server.answers["beforeSave"] = {"error": {"code": 142, "error": "no notes today"}}
    refused = await api.post("/classes/Note", {"text": "x"}, master=True)
    assert refused.body == {"code": 142, "error": "no notes today"}
    assert len((await api.get("/classes/Note", master=True)).body["results"]) == 1

    hooks_server.answers["beforeSave"] = b"x" * (1024 * 1024 + 10)
    too_big = await api.post("/classes/Note", {"text": "y"}, master=True)
    assert too_big.status == 400 and too_big.body["code"] == 141

    await api.put("/hooks/triggers/Note/beforeSave", {"__op": "Delete"}, master=True)
    free = await api.post("/classes/Note", {"text": "free"}, master=True)
    assert free.status == 201
    assert (await api.get(f"/classes/Note/{free.body['objectId']}", master=True)).body["text"] == "free"


@pytest.mark.parametrize("body", [
    {"functionName": "f", "url": "ftp://example.com/x"},
    {"functionName": "f", "url": "file:///etc/passwd"},
    {"functionName": "f", "url": "http://user:pw@example.com/"},
    {"functionName": "f"},
    {"className": "Note", "triggerName": "beforeEverything", "url": "https://example.com/"},
    {"url": "https://example.com/"},
])
async def test_invalid_declarations_are_refused_and_store_nothing(api: Client, body: dict[str, Any]) -> None:
    path = "/hooks/functions" if "functionName" in body else "/hooks/triggers"
    reply = await api.post(path, body, master=True)
    assert reply.status == 400 and reply.body == {"code": 143, "error": "invalid hook declaration"}
    assert (await api.get("/hooks/functions", master=True)).body == []
    assert (await api.get("/hooks/triggers", master=True)).body == []


async def test_hooks_need_the_master_key_and_read_only_cannot_change_them(api: Client,
                                                                          hooks_server: FakeWebhooks) -> None:
    url = hooks_server.url("f")
    await api.post("/hooks/functions", {"functionName": "f", "url": url}, master=True)
    routes = [("GET", "/hooks/functions", None), ("GET", "/hooks/functions/f", None),
              ("GET", "/hooks/triggers", None), ("GET", "/hooks/triggers/Note/beforeSave", None),
              ("POST", "/hooks/functions", {"functionName": "g", "url": url}),
              ("POST", "/hooks/triggers", {"className": "Note", "triggerName": "afterSave", "url": url}),
              ("PUT", "/hooks/functions/f", {"url": hooks_server.url("evil")}),
              ("PUT", "/hooks/functions/f", {"__op": "Delete"}),
              ("PUT", "/hooks/triggers/Note/beforeSave", {"url": url})]
    for method, path, body in routes:
        reply = await api.request(method, path, body)
        assert reply.status == 403 and reply.body == {"error": "Permission denied"}, (method, path)
        if method != "GET":
            read_only = await api.request(method, path, body, headers=RO)
            assert read_only.body == {"code": 119, "error": "read-only masterKey isn't allowed to modify hooks."}
    assert (await api.get("/hooks/functions", headers=RO)).body == [{"functionName": "f", "url": url}]
    assert hooks_server.calls == []


async def test_hooks_changed_through_another_process_are_wired_here(tmp_path: Any,
                                                                      hooks_server: FakeWebhooks) -> None:
    import aiohttp

    from parse_compat.app import STATE_KEY, create_app

    from .conftest import APP_ID, MASTER_KEY, make_settings

    headers = {"X-Parse-Application-Id": APP_ID, "X-Parse-Master-Key": MASTER_KEY}
    servers = [TestServer(create_app(make_settings(tmp_path, "sqlite", schema=None)), host="127.0.0.1")
               for _ in range(2)]  # two processes' apps on one database file
    for server in servers:
        await server.start_server()
    try:
        first, second = (f"http://127.0.0.1:{server.port}/parse" for server in servers)
        async with aiohttp.ClientSession(headers=headers) as http:
            await http.post(f"{first}/hooks/functions", json={"functionName": "shared", "url": hooks_server.url("s")})
            await servers[1].app[STATE_KEY].services.webhooks.load()  # what its sync loop does every 5 s
            async with http.post(f"{second}/functions/shared", json={}) as resp:
                assert await resp.json() == {"result": "ok"}
            await http.put(f"{first}/hooks/functions/shared", json={"__op": "Delete"})
            await servers[1].app[STATE_KEY].services.webhooks.load()
            async with http.post(f"{second}/functions/shared", json={}) as resp:
                assert (await resp.json())["code"] == 141
        assert [c["path"] for c in hooks_server.calls] == ["s"]
    finally:
        for server in servers:
            await server.close()
