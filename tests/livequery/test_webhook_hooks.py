"""Live Query webhooks (issue 14): beforeConnect and beforeSubscribe registered with `/hooks/triggers`,
called on a real local webhook server. The hook hears the connect or subscribe request (never the
session token), may refuse it with its error, and beforeSubscribe may narrow the query; a subscriber
the class's CLP refuses is refused before any hook hears it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.api.webhook_server import FakeWebhooks, fake_webhooks

from .conftest import LiveEnv

WEBHOOK_KEY = "live-hook-secret"


@pytest.fixture
async def hooks_server() -> AsyncIterator[FakeWebhooks]:
    async with fake_webhooks() as fake:
        yield fake


@pytest.fixture
def live_overrides() -> dict[str, Any]:
    return {"webhookKey": WEBHOOK_KEY}


async def hook(env: LiveEnv, server: FakeWebhooks, class_name: str, trigger: str) -> None:
    reply = await env.api.post("/hooks/triggers", {"className": class_name, "triggerName": trigger,
                                                   "url": server.url(trigger)}, master=True)
    assert reply.status == 200, reply.body


async def test_before_connect_hears_the_connection_and_may_refuse_it(env: LiveEnv, hooks_server: FakeWebhooks) -> None:
    await hook(env, hooks_server, "@Connect", "beforeConnect")
    user = await env.signup("lena")
    hooks_server.answers["beforeConnect"] = {"error": {"code": 141, "error": "closed today"}}
    refused = await env.socket(connect=False)
    assert await refused.connect(sessionToken=user["sessionToken"], installationId="dev-1") == {
        "op": "error", "error": "closed today", "code": 141, "reconnect": False, "requestId": None}
    call = hooks_server.calls[-1]
    assert call["key"] == WEBHOOK_KEY
    body = call["body"]
    assert body["triggerName"] == "beforeConnect" and body["event"] == "connect"
    assert body["installationId"] == "dev-1" and body["useMasterKey"] is False
    assert body["user"]["username"] == "lena" and "sessionToken" not in body and "sessionToken" not in body["user"]

    hooks_server.answers["beforeConnect"] = {"success": None}
    allowed = await env.socket(connect=False)
    assert (await allowed.connect())["op"] == "connected"


async def test_before_subscribe_may_refuse_or_narrow_and_runs_after_the_clp(env: LiveEnv,
                                                                          hooks_server: FakeWebhooks) -> None:
    await env.make_class("Room", {"score": {"type": "Number"}, "name": {"type": "String"}})
    closed = {op: {} for op in ("find", "count", "get", "create", "update", "delete", "addField")}
    await env.make_class("Secret", {"name": {"type": "String"}}, clp=closed)
    for class_name in ("Room", "Secret"):
        await hook(env, hooks_server, class_name, "beforeSubscribe")
    socket = await env.socket()

    secret = await socket.subscribe(1, "Secret", {})
    assert secret["op"] == "error" and secret["code"] == 119
    assert hooks_server.calls == []  # the refused subscriber reached no hook

    hooks_server.answers["beforeSubscribe"] = {"error": {"code": 141, "error": "not this room"}}
    refused = await socket.subscribe(2, "Room", {"name": "secret"})
    assert refused["op"] == "error" and (refused["code"], refused["error"]) == (141, "not this room")
    body = hooks_server.calls[-1]["body"]
    assert body["triggerName"] == "beforeSubscribe" and body["requestId"] == 2
    assert body["query"] == {"className": "Room", "where": {"name": "secret"}}

    hooks_server.answers["beforeSubscribe"] = {"success": {"where": {"score": {"$gt": 10}}, "keys": ["score"]}}
    assert (await socket.subscribe(3, "Room", {}))["op"] == "subscribed"
    await env.api.post("/classes/Room", {"score": 1, "name": "low"}, master=True)
    await socket.nothing()  # narrowed by the hook
    await env.api.post("/classes/Room", {"score": 20, "name": "high"}, master=True)
    event = await socket.recv()
    assert event["object"]["score"] == 20 and "name" not in event["object"]  # keys set by the hook

    hooks_server.answers["beforeSubscribe"] = {"success": {"where": "not a query"}}
    bad = await socket.subscribe(4, "Room", {})
    assert bad["op"] == "error" and bad["code"] == 141  # the hook's query is checked as a client's
