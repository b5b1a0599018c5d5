"""Background tasks cannot die: a poisoned change or a failing write skips one item, not every later one.

A stored string with a lone surrogate (``"\\ud800"``, e.g. from an imported MongoDB) used to make
the websocket write raise ``UnicodeEncodeError`` inside the shared outbox task, which died for
good: no more events for anyone until a restart. Matching a change against many queries used to
hold the event loop for the whole fan-out.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from parse_compat.app import STATE_KEY
from parse_compat.livequery.client import Client, Outbox
from parse_compat.livequery.fanout import Change
from parse_compat.supervisor import Supervisor

from .conftest import LiveEnv
from .test_units import FakeTransport, info


def change(n: int, text: str = "fine") -> Change:
    doc = {"objectId": f"o{n}", "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z",
           "n": n, "text": text}
    return Change("Room", "create", doc, None, None)


async def test_a_lone_surrogate_in_a_stored_object_does_not_stop_later_events(env: LiveEnv) -> None:
    await env.make_class("Room", {"n": {"type": "Number"}, "text": {"type": "String"}})
    socket = await env.socket()
    other = await env.socket()
    for s in (socket, other):
        assert (await s.subscribe(1, "Room"))["op"] == "subscribed"
    env.live.bus.publish(change(1, "bad \ud800 text").to_wire())  # as a bad row already stored would travel
    env.live.bus.publish(change(2).to_wire())
    for s in (socket, other):
        poisoned = await s.recv()
        # served repaired (U+FFFD), as every output path serves a bad stored string
        assert poisoned["op"] == "create" and poisoned["object"]["text"] == "bad \ufffd text"
        assert (await s.recv())["object"]["n"] == 2
    reply = await env.api.post("/classes/Room", {"n": 3})
    assert reply.status == 201
    for s in (socket, other):
        assert (await s.recv())["object"]["n"] == 3
        await s.close()


class Exploding(FakeTransport):
    async def send(self, text: str) -> None:
        raise ValueError("a bug while writing")


async def test_an_exception_in_the_outbox_drops_one_client_and_the_others_still_get_events() -> None:
    supervisor = Supervisor()
    outbox = Outbox(supervisor.start)
    bad = Client("bad", Exploding(), outbox=outbox)
    good_transport = FakeTransport()
    good = Client("good", good_transport, outbox=outbox)
    for n in range(3):
        bad.send(f"e{n}")
        good.send(f"e{n}")
        await asyncio.sleep(0.01)
    assert bad.closed and bad.transport.closed == (1001, "write failed")  # type: ignore[attr-defined]
    assert good_transport.sent == ["e0", "e1", "e2"] and not good.closed
    assert supervisor.problems() == {} and supervisor.failures("livequery.outbox") == 0
    await outbox.close()
    await supervisor.close()


async def test_a_supervised_task_that_dies_is_restarted_and_health_says_so_meanwhile(env: LiveEnv) -> None:
    state = env.server.app[STATE_KEY]
    supervisor: Supervisor = state.services.supervisor
    runs: list[int] = []

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("poisoned item")
        await asyncio.Event().wait()  # then runs for good

    assert (await env.api.get("/health")).body == {"status": "ok"}
    supervisor.min_backoff = 2.0  # long enough to see the restarting state even on a loaded machine
    supervisor.start("test.flaky", flaky)
    while not runs:
        await asyncio.sleep(0.01)
    down = await env.api.get("/health")
    assert (down.status, down.body) == (503, {"status": "error", "tasks": {"test.flaky": "restarting"}})
    for _ in range(1000):
        if len(runs) == 2:
            break
        await asyncio.sleep(0.02)
    assert len(runs) == 2 and supervisor.failures("test.flaky") == 1
    up = await env.api.get("/health")
    assert (up.status, up.body) == (200, {"status": "ok"})
    await supervisor.stop("test.flaky")


async def test_matching_many_queries_yields_to_the_event_loop(env: LiveEnv) -> None:
    """20,000 distinct queries the index cannot narrow: the loop still runs other work every few ms."""
    live = env.live
    clients: list[Any] = []
    for c in range(200):
        client = Client(f"c{c}", FakeTransport())
        live.hub.add_client(client)
        clients.append(client)
        for r in range(100):
            live.hub.subscribe(info(client, r, {"n": {"$gt": c * 100 + r}}, "Room"))
    assert len(live.hub.candidates("Room", [{"n": -1}])) == 20_000
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = time.perf_counter()
    await live.fanout.dispatch(change(-1))
    elapsed = time.perf_counter() - started
    done.set()
    await ticking
    # the loop ran many times during the fan-out (a bound relative to the work, for a loaded machine)
    assert max(gaps) < max(0.1, elapsed / 3), (max(gaps), elapsed)
    for client in clients:
        live.hub.remove_client(client)
    assert live.hub.subscriptions_for("Room") == []
