"""Live Query cannot be flooded: subscriptions per socket and per user, sockets per user.

One signed-in socket sending 100,000 ``subscribe`` frames with distinct ``where``s used to
register them all (+108 MB), after which every write of the class was matched against each
of them on the event loop (3.9 s a write, 2 s for ``/health``). Now the socket is refused past
``maxSubscriptionsPerClient`` and disconnected after ``MAX_REFUSALS`` refusals.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from parse_compat.livequery.operations import MAX_REFUSALS
from tests.api.server_process import APP_ID, MASTER_KEY, free_port, start

from .conftest import LIVE_CLASSES, LiveEnv, Socket

FLOOD = 100_000
LIMIT_EXCEEDED = 155


async def _timed(call: Any) -> float:
    started = time.perf_counter()
    reply = await call()
    assert reply.status in (200, 201), reply.body
    return time.perf_counter() - started


@pytest.mark.parametrize("adapter_name", ["sqlite"])
async def test_100000_subscribes_on_one_socket_are_refused_past_the_limit(env: LiveEnv) -> None:
    await env.make_class("Room", {"n": {"type": "Number"}})
    user = await env.signup("flooder")
    flooder = await env.socket(sessionToken=user["sessionToken"])
    bystander = await env.socket()
    assert (await bystander.subscribe(1, "Room", {"n": {"$gte": 0}}))["op"] == "subscribed"
    frame = '{"op":"subscribe","requestId":%d,"query":{"className":"Room","where":{"n":{"$gt":%d}}}}'
    sent = 0
    with contextlib.suppress(ConnectionError):  # the server hangs up on a socket that keeps going
        for i in range(1, FLOOD + 1):
            if flooder.ws.closed:
                break
            await flooder.ws.send_str(frame % (i, i))
            sent = i
    ops: dict[Any, int] = {}
    while True:
        message = await asyncio.wait_for(flooder.frames.get(), 60)
        if message.type != aiohttp.WSMsgType.TEXT:
            break
        reply = json.loads(message.data)
        key = (reply["op"], reply.get("code"))
        ops[key] = ops.get(key, 0) + 1
        if key == ("error", LIMIT_EXCEEDED):
            assert reply["reconnect"] is False and "Too many subscriptions on this connection" in reply["error"]
    limit = env.live.config.max_subscriptions_per_client
    assert ops.pop(("subscribed", None)) == limit
    assert 0 < ops.pop(("error", LIMIT_EXCEEDED)) <= MAX_REFUSALS and not ops, ops
    assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 1008  # disconnected, not served forever
    await env.settle()
    assert env.live.hub.subscription_count == 1  # only the bystander's
    assert sent < FLOOD or flooder.ws.closed

    # writes to that class, and /health, answer fast again (median of a few, for a loaded machine)
    writes = [await _timed(lambda: env.api.post("/classes/Room", {"n": 5})) for _ in range(5)]
    health = [await _timed(lambda: env.api.get("/health")) for _ in range(5)]
    assert statistics.median(writes) < 0.1, writes
    assert statistics.median(health) < 0.1, health
    for _ in range(5):
        assert (await bystander.recv(timeout=10))["op"] == "create"
    await bystander.close()


LIMITED = {"liveQuery": {"classNames": LIVE_CLASSES, "sessionCheckInterval": 30, "maxSubscriptionsPerClient": 2,
                         "maxSubscriptionsPerUser": 3, "maxClientsPerUser": 2}}


@pytest.mark.parametrize("live_overrides", [LIMITED])
async def test_limits_per_socket_per_user_and_sockets_per_user(env: LiveEnv) -> None:
    await env.make_class("Room", {"n": {"type": "Number"}})
    token = (await env.signup("ann"))["sessionToken"]
    a = await env.socket(sessionToken=token)
    b = await env.socket(sessionToken=token)
    third = await env.socket(connect=False)
    refused = await third.connect(sessionToken=token)
    assert (refused["op"], refused["code"], refused["reconnect"]) == ("error", LIMIT_EXCEEDED, False)
    assert (await third.subscribe(1, "Room"))["code"] == 2  # not connected

    assert (await a.subscribe(1, "Room", {"n": 1}))["op"] == "subscribed"
    assert (await a.subscribe(2, "Room", {"n": 2}))["op"] == "subscribed"
    over_socket = await a.subscribe(3, "Room", {"n": 3})
    assert (over_socket["code"], over_socket["requestId"]) == (LIMIT_EXCEEDED, 3)
    assert (await a.subscribe(2, "Room", {"n": 22}, op="update"))["op"] == "subscribed"  # replacing is fine
    assert (await b.subscribe(1, "Room", {"n": 4}))["op"] == "subscribed"
    over_user = await b.subscribe(2, "Room", {"n": 5})
    assert over_user["code"] == LIMIT_EXCEEDED and "for this user" in over_user["error"]
    await a.send({"op": "unsubscribe", "requestId": 1})
    assert (await a.recv())["op"] == "unsubscribed"
    assert (await b.subscribe(2, "Room", {"n": 5}))["op"] == "subscribed"

    # a closed socket frees its place; anonymous sockets only have the per-socket limit
    await a.close()
    await env.settle()
    c = await env.socket(sessionToken=token)
    anonymous: list[Socket] = [await env.socket() for _ in range(3)]
    for s in anonymous:
        assert (await s.subscribe(1, "Room"))["op"] == "subscribed"
    for s in (b, c, *anonymous):
        await s.close()


def _probe(url: str, body: bytes | None, stop: threading.Event, timings: list[float]) -> None:
    headers = {"X-Parse-Application-Id": APP_ID, "X-Parse-Master-Key": MASTER_KEY, "Content-Type": "application/json"}
    while not stop.is_set():
        started = time.perf_counter()
        request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")
        with urllib.request.urlopen(request, timeout=10) as reply:
            reply.read()
        timings.append(time.perf_counter() - started)
        time.sleep(0.01)


async def test_health_and_writes_keep_answering_during_a_subscribe_flood(tmp_path: Path) -> None:
    """Against a real server process, so that the flooding client does not share its event loop."""
    port = free_port()
    live = json.dumps({"classNames": ["Room"]})
    proc = await asyncio.to_thread(start, tmp_path, port, "--liveQuery", live)
    base = f"http://127.0.0.1:{port}/parse"
    stop = threading.Event()
    health: list[float] = []
    writes: list[float] = []
    probes = [threading.Thread(target=_probe, args=(f"{base}/health", None, stop, health)),
              threading.Thread(target=_probe, args=(f"{base}/classes/Room", b'{"n": 1}', stop, writes))]
    try:
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(base.replace("http://", "ws://"))
            await ws.send_json({"op": "connect", "applicationId": APP_ID})
            assert (await ws.receive_json(timeout=10))["op"] == "connected"
            for probe in probes:
                probe.start()
            frame = '{"op":"subscribe","requestId":%d,"query":{"className":"Room","where":{"n":{"$gt":%d}}}}'
            with contextlib.suppress(ConnectionError):
                for i in range(1, FLOOD + 1):
                    if ws.closed:
                        break
                    await ws.send_str(frame % (i, i))
            while (await ws.receive(timeout=30)).type == aiohttp.WSMsgType.TEXT:
                pass
            # 1008, or 1006 when the flooding client was too busy to answer the close in time
            assert ws.close_code in (1008, 1006)
            await asyncio.sleep(0.3)  # a few probes after the flood too
    finally:
        stop.set()
        for probe in probes:
            if probe.is_alive() or probe.ident is not None:
                await asyncio.to_thread(probe.join, 15)
        proc.terminate()
        await asyncio.to_thread(proc.wait, 15)
    assert len(health) >= 3 and len(writes) >= 3, (health, writes)
    assert statistics.median(health) < 0.1 and statistics.median(writes) < 0.1, (health, writes)
