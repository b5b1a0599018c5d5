"""Issue 12, the audit trail and Live Query: each event delivered on an audited class leaves one
`_Audit` entry naming the subscriber; no client can subscribe to `_Audit` (even when an operator
lists it in liveQuery.classNames)."""

from __future__ import annotations

from typing import Any

import pytest

from parse_compat.app import STATE_KEY
from parse_compat.audit import audit_of
from tests.cloud.dental_support import member

from .conftest import LiveEnv, Socket


@pytest.fixture
def live_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code", "liveQuery": {"classNames": ["Patient", "_Audit"], "sessionCheckInterval": 30}}


async def test_a_delivered_event_is_recorded_and_audit_cannot_be_subscribed(env: LiveEnv) -> None:
    owner = await member(env.api, "owner")
    admin = await member(env.api, "boss", role="administrator")
    socket = await env.socket(sessionToken=owner.token)
    assert (await socket.subscribe(1, "Patient"))["op"] == "subscribed"
    for request_id, who in ((2, owner), (3, admin)):
        refused = await socket.subscribe(request_id, "_Audit", token=who.token)
        assert refused["op"] == "error" and refused["code"] == 119, refused
    created = await env.api.post("/classes/Patient", {"name": "Lea", "email": "lea@patients.example",
                                                      "phone": "555"}, session_token=owner.token)
    assert created.status == 201, created.body
    await env.settle()
    frame = await socket.recv()
    assert frame["op"] == "create" and frame["object"]["objectId"] == created.body["objectId"]
    await socket.nothing()
    state = env.server.app[STATE_KEY]
    await audit_of(state).sync()
    rows = (await env.api.get("/classes/_Audit", master=True, params={"where": '{"action": "livequery"}'})).body
    assert [(row["targetClass"], row["targetId"], row["user"]["objectId"]) for row in rows["results"]] == [
        ("Patient", created.body["objectId"], owner.id)]
    assert "Lea" not in str(rows)
    await socket.close()


class TestBehindAProxy:
    """The entry of a delivered event carries the subscriber's address (trustProxy applied)."""

    @pytest.fixture
    def live_overrides(self) -> dict[str, Any]:
        return {"cloud": "cloud_code", "trustProxy": ["127.0.0.1/32"],
                "liveQuery": {"classNames": ["Patient"], "sessionCheckInterval": 30}}

    async def test_a_delivered_event_names_the_subscribers_ip(self, env: LiveEnv) -> None:
        owner = await member(env.api, "owner")
        ws = await env.http.ws_connect(env.ws_url, headers={"X-Forwarded-For": "203.0.113.7"})
        socket = Socket(ws, env)
        assert (await socket.connect(sessionToken=owner.token))["op"] == "connected"
        assert (await socket.subscribe(1, "Patient"))["op"] == "subscribed"
        created = await env.api.post("/classes/Patient", {"name": "Lea", "email": "lea@patients.example",
                                                          "phone": "555"}, session_token=owner.token)
        assert created.status == 201, created.body
        await env.settle()
        assert (await socket.recv())["op"] == "create"
        await audit_of(env.server.app[STATE_KEY]).sync()
        rows = (await env.api.get("/classes/_Audit", master=True, params={"where": '{"action": "livequery"}'})).body
        assert [(row["targetId"], row["user"]["objectId"], row["ip"]) for row in rows["results"]] == [
            (created.body["objectId"], owner.id, "203.0.113.7")]
        await socket.close()
