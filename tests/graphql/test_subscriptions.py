"""GraphQL subscriptions over graphql-transport-ws, backed by Live Query: a staff member's
subscription receives the creates it may read, and nothing it may not (same ACL filtering as a
Live Query websocket); a refused class, a bad key and `complete` behave."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from .conftest import APP_ID, Client, owned_by, signup

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(liveQuery={"classNames": ["TreatmentPlan", "Patient"]})]

SUBSCRIBE = """subscription { treatmentPlans(where: {status: {equalTo: "open"}}) {
  event node { objectId status patient { name } } } }"""


async def _socket(session: aiohttp.ClientSession, api: Client, payload: dict[str, Any]) -> Any:
    url = api.base.rsplit("/parse", 1)[0].replace("http://", "ws://") + "/graphql"
    ws = await session.ws_connect(url, protocols=("graphql-transport-ws",))
    await ws.send_json({"type": "connection_init", "payload": payload})
    return ws


async def _next(ws: Any, timeout: float = 5.0) -> dict[str, Any]:
    message = await ws.receive(timeout=timeout)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    return dict(json.loads(message.data))


async def _subscribed(api: Client, count: int) -> None:
    hub = api.state.services.livequery.hub
    for _ in range(200):
        if hub.subscription_count == count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected {count} live subscriptions, have {hub.subscription_count}")


async def test_a_subscription_receives_only_the_creates_its_caller_may_read(api: Client) -> None:
    jane, kurt = await signup(api, "jane"), await signup(api, "kurt")
    patient = await api.post("/classes/Patient", {"name": "Pat", "email": "p@x.org", "phone": "1",
                                                  "ACL": {"*": {"read": True}}}, session_token=kurt["sessionToken"])
    pointer = {"__type": "Pointer", "className": "Patient", "objectId": patient.body["objectId"]}
    async with aiohttp.ClientSession() as session:
        ws = await _socket(session, api, {"X-Parse-Application-Id": APP_ID,
                                          "X-Parse-Session-Token": jane["sessionToken"]})
        assert await _next(ws) == {"type": "connection_ack"}
        await ws.send_json({"id": "s1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
        await _subscribed(api, 1)
        hidden = {"patient": pointer, "status": "open", "treatmentDetails": "private",
                  "ACL": owned_by(kurt["objectId"])}
        assert (await api.post("/classes/TreatmentPlan", hidden, session_token=kurt["sessionToken"])).status == 201
        closed = {"patient": pointer, "status": "closed", "treatmentDetails": "d", "ACL": {"*": {"read": True}}}
        assert (await api.post("/classes/TreatmentPlan", closed, session_token=kurt["sessionToken"])).status == 201
        shown = {"patient": pointer, "status": "open", "treatmentDetails": "d", "ACL": {"*": {"read": True}}}
        created = await api.post("/classes/TreatmentPlan", shown, session_token=kurt["sessionToken"])
        event = await _next(ws)
        assert event == {"id": "s1", "type": "next", "payload": {"data": {"treatmentPlans": {
            "event": "create", "node": {"objectId": created.body["objectId"], "status": "open",
                                        "patient": {"name": "Pat"}}}}}}
        await ws.send_json({"id": "s1", "type": "complete"})
        await _subscribed(api, 0)
        await ws.send_json({"id": "q1", "type": "subscribe", "payload": {"query": "{ health }"}})
        assert await _next(ws) == {"id": "q1", "type": "next", "payload": {"data": {"health": True}}}
        assert await _next(ws) == {"id": "q1", "type": "complete"}
        await ws.close()


async def test_refusals_over_the_socket(api: Client) -> None:
    async with aiohttp.ClientSession() as session:
        bad = await _socket(session, api, {"X-Parse-Application-Id": "wrong"})
        message = await bad.receive(timeout=5)
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 4403
        anonymous = await _socket(session, api, {"X-Parse-Application-Id": APP_ID})
        assert await _next(anonymous) == {"type": "connection_ack"}
        await anonymous.send_json({"id": "a", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
        refused = await _next(anonymous)
        rest = await api.get("/classes/TreatmentPlan")
        assert refused["type"] == "error" and refused["id"] == "a", refused
        assert refused["payload"][0]["extensions"]["code"] == rest.body["code"], (refused, rest.body)
        await anonymous.close()
    over_http = await api.session.post(api.base.rsplit("/parse", 1)[0] + "/graphql", json={"query": SUBSCRIBE},
                                       headers={"X-Parse-Application-Id": APP_ID})
    assert over_http.status == 400
