"""A value stored before values were checked (a lone surrogate, NaN) never stops Live Query: the
event is sent with the value repaired, and later events still flow (issue 11, deliver 6)."""

from __future__ import annotations

import pytest

from parse_compat.app import STATE_KEY

from .conftest import LiveEnv

pytestmark = pytest.mark.asyncio


async def test_events_of_an_object_holding_bad_values_are_delivered(env: LiveEnv) -> None:
    await env.make_class("Room", {"score": {"type": "Number"}, "name": {"type": "String"},
                                  "meta": {"type": "Object"}})
    created = await env.api.post("/classes/Room", {"score": 1, "name": "ok"})
    oid = created.body["objectId"]
    state = env.server.app[STATE_KEY]
    schema = state.schemas.get("Room")
    await state.storage.update(schema, {"objectId": oid}, {"meta": {"ratio": float("nan")}})
    try:  # SQLite keeps the JSON escape of a surrogate; BSON (MongoDB) cannot hold one
        await state.storage.update(schema, {"objectId": oid}, {"name": "bad\ud800"})
        surrogates = True
    except UnicodeEncodeError:
        surrogates = False
    socket = await env.socket()
    await socket.subscribe(1, "Room", {"score": {"$gt": 0}})
    assert (await env.api.put(f"/classes/Room/{oid}", {"score": 2})).status == 200
    event = await socket.recv()
    assert event["op"] == "update" and event["object"]["meta"] == {"ratio": None}
    assert event["object"]["name"] == ("bad\ufffd" if surrogates else "ok")
    assert (await env.api.post("/classes/Room", {"score": 3, "name": "next"})).status == 201
    event = await socket.recv()
    assert event["op"] == "create" and event["object"]["name"] == "next"
