"""The protocol over a real websocket: connect, errors that keep the socket open, unsubscribe, update."""

from __future__ import annotations

import aiohttp
import pytest

from .conftest import LiveEnv, Socket

pytestmark = pytest.mark.asyncio


async def test_js_sdk_url_and_connect_reply(env: LiveEnv) -> None:
    # The SDK derives ws://host:port/parse from the server URL; a trailing slash works too.
    for url in (env.ws_url, env.ws_url + "/"):
        socket = Socket(await env.http.ws_connect(url), env)
        reply = await socket.connect(installationId="inst-1")
        assert reply["op"] == "connected" and reply["installationId"] == "inst-1" and len(reply["clientId"]) == 36
        await socket.close()


async def test_errors_are_frames_and_the_socket_stays_usable(env: LiveEnv) -> None:
    socket = await env.socket(connect=False)
    await socket.send({"op": "subscribe", "requestId": 1, "query": {"className": "Room", "where": {}}})
    assert await socket.recv() == {
        "op": "error", "code": 2, "reconnect": True, "requestId": None,
        "error": "Can not find this client, make sure you connect to server before subscribing"}
    await socket.send({"op": "unsubscribe", "requestId": 1})
    assert (await socket.recv())["code"] == 2
    await socket.send("{nope")
    assert (await socket.recv())["code"] == 1
    await socket.send({"op": "bogus"})
    assert (await socket.recv())["error"] == 'No enum match for: "bogus"'
    reply = await socket.connect(applicationId="someone-else")
    assert reply == {"op": "error", "code": 4, "error": "Key in request is not valid", "reconnect": True,
                     "requestId": None}
    reply = await socket.connect(sessionToken="r:00000000000000000000000000000000")
    assert reply == {"op": "error", "code": 209, "error": "Invalid session token", "reconnect": False,
                     "requestId": None}
    assert (await socket.connect())["op"] == "connected"
    reply = await socket.subscribe(2, "Room", {})
    assert reply["code"] == 119 and reply["error"] == "This user is not allowed to access non-existent class: Room"
    await env.make_class("Room", {"name": {"type": "String"}})
    reply = await socket.subscribe(3, "Room", {"$foo": 1})
    assert reply["code"] == 105 and reply["requestId"] == 3 and reply["reconnect"] is False
    reply = await socket.subscribe(4, "Room", {"name": {"$regex": "("}})
    assert reply["code"] == 102 and reply["requestId"] == 4
    reply = await socket.subscribe(5, "Room", {"ACL": 1})
    assert reply["code"] == 102
    reply = await socket.subscribe(6, "Room", {"_rperm": {"$in": ["*"]}})
    assert reply["code"] == 105
    await socket.send({"op": "unsubscribe", "requestId": 99})
    reply = await socket.recv()
    assert reply["code"] == 2 and "subscriptionId 99" in reply["error"]
    assert (await socket.subscribe(7, "Room", {}))["op"] == "subscribed"
    assert not socket.ws.closed


async def test_unsubscribe_and_update_replace_what_is_delivered(env: LiveEnv) -> None:
    await env.make_class("Room")
    socket = await env.socket()
    assert await socket.subscribe(1, "Room", {"n": 1}) == {"op": "subscribed", "clientId": socket_id(env),
                                                           "requestId": 1}
    await env.api.post("/classes/Room", {"n": 1})
    assert (await socket.recv())["op"] == "create"
    reply = await socket.subscribe(1, "Room", {"n": 2}, op="update")
    assert reply["op"] == "subscribed" and reply["requestId"] == 1
    await env.api.post("/classes/Room", {"n": 1})
    await socket.nothing()
    await env.api.post("/classes/Room", {"n": 2})
    assert (await socket.recv())["object"]["n"] == 2
    await socket.send({"op": "unsubscribe", "requestId": 1})
    assert (await socket.recv())["op"] == "unsubscribed"
    await env.api.post("/classes/Room", {"n": 2})
    await socket.nothing()
    assert env.live.hub.subscription_count == 0


def socket_id(env: LiveEnv) -> str:
    [client] = env.live.hub.clients.values()
    return client.id


async def test_closing_the_socket_forgets_the_client(env: LiveEnv) -> None:
    await env.make_class("Room")
    socket = await env.socket()
    await socket.subscribe(1, "Room", {})
    assert env.live.hub.client_count == 1
    await socket.close()
    await env.settle()
    assert env.live.hub.client_count == 0 and env.live.hub.subscription_count == 0


async def test_plain_get_on_the_mount_path_is_not_a_websocket(env: LiveEnv) -> None:
    async with env.http.get(env.ws_url.replace("ws://", "http://")) as resp:
        assert resp.status != 101
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await env.http.ws_connect(env.ws_url.replace("/parse", "/elsewhere"))
