"""Events over a real websocket: payloads of the five events, keys, watch, every write path, hooks."""

from __future__ import annotations

from typing import Any

import pytest

from parse_compat.app import STATE_KEY
from parse_compat.errors import ParseError

from .conftest import LiveEnv

pytestmark = pytest.mark.asyncio

ROOM_FIELDS = {"score": {"type": "Number"}, "name": {"type": "String"}, "when": {"type": "Date"},
               "tags": {"type": "Array"}, "members": {"type": "Relation", "targetClass": "_User"}}


async def test_create_update_leave_enter_delete_payloads(env: LiveEnv) -> None:
    await env.make_class("Room", ROOM_FIELDS)
    socket = await env.socket()
    await socket.subscribe(1, "Room", {"score": {"$gt": 10}})
    when = {"__type": "Date", "iso": "2024-05-01T10:00:00.000Z"}
    created = (await env.api.post("/classes/Room", {"score": 20, "name": "a", "when": when})).body
    event = await socket.recv()
    oid = created["objectId"]
    assert event["op"] == "create" and event["requestId"] == 1 and "original" not in event
    assert event["object"] == {"objectId": oid, "className": "Room", "createdAt": created["createdAt"],
                               "updatedAt": created["createdAt"], "score": 20, "name": "a", "when": when,
                               "members": {"__type": "Relation", "className": "_User"}}

    await env.api.put(f"/classes/Room/{oid}", {"score": {"__op": "Increment", "amount": 10}})
    event = await socket.recv()
    assert event["op"] == "update" and event["object"]["score"] == 30 and event["original"]["score"] == 20
    assert event["object"]["updatedAt"] >= event["original"]["updatedAt"]

    await env.api.put(f"/classes/Room/{oid}", {"score": 5})
    event = await socket.recv()
    assert (event["op"], event["object"]["score"], event["original"]["score"]) == ("leave", 5, 30)

    await env.api.put(f"/classes/Room/{oid}", {"name": "still out"})
    await socket.nothing()

    reply = await env.api.put(f"/classes/Room/{oid}", {"score": 50, "ACL": {"*": {"read": True}}})
    assert reply.status == 200, reply.body
    event = await socket.recv()
    assert (event["op"], event["object"]["score"], event["original"]["score"]) == ("enter", 50, 5)
    assert event["object"]["ACL"] == {"*": {"read": True}} and "ACL" not in event["original"]

    assert (await env.api.delete(f"/classes/Room/{oid}")).status == 404  # no write access: nothing published
    await socket.nothing()
    assert (await env.api.delete(f"/classes/Room/{oid}", master=True)).status == 200
    event = await socket.recv()
    assert event["op"] == "delete" and event["object"]["objectId"] == oid and event["object"]["score"] == 50
    assert "original" not in event

    await env.api.post("/classes/Room", {"score": 1})
    await socket.nothing()


async def test_keys_and_watch(env: LiveEnv) -> None:
    await env.make_class("Room", ROOM_FIELDS)
    socket = await env.socket()
    await socket.subscribe(1, "Room", {}, keys=["name"])
    await socket.subscribe(2, "Room", {"score": {"$lt": 100}}, watch=["name"])
    oid = (await env.api.post("/classes/Room", {"score": 1, "name": "n", "tags": ["x"]})).body["objectId"]
    first, second = await socket.recv(), await socket.recv()
    by_request = {first["requestId"]: first, second["requestId"]: second}
    assert set(by_request[1]["object"]) == {"className", "objectId", "createdAt", "updatedAt", "name"}
    assert by_request[2]["op"] == "create" and by_request[2]["object"]["tags"] == ["x"]

    await env.api.put(f"/classes/Room/{oid}", {"score": 2})  # name unchanged: the watcher hears nothing
    event = await socket.recv()
    assert event["requestId"] == 1 and set(event["original"]) == set(event["object"])
    await socket.nothing()

    await env.api.put(f"/classes/Room/{oid}", {"name": "m"})
    events = {e["requestId"]: e for e in [await socket.recv(), await socket.recv()]}
    assert events[2]["op"] == "update" and events[2]["object"]["name"] == "m"

    await env.api.put(f"/classes/Room/{oid}", {"score": 500})  # leave is sent whatever watch says
    events = {e["requestId"]: e for e in [await socket.recv(), await socket.recv()]}
    assert events[2]["op"] == "leave" and events[1]["op"] == "update"


async def test_batch_and_direct_writes_publish_only_after_success(env: LiveEnv) -> None:
    await env.make_class("Room", ROOM_FIELDS)
    socket = await env.socket()
    await socket.subscribe(1, "Room", {})
    reply = await env.api.post("/batch", {"requests": [
        {"method": "POST", "path": "/parse/classes/Room", "body": {"score": 1}},
        {"method": "POST", "path": "/parse/classes/Room", "body": {"score": "not a number"}},
        {"method": "POST", "path": "/parse/classes/Room", "body": {"score": 3}},
    ]})
    assert reply.status == 200 and "error" in reply.body[1]
    scores = sorted([(await socket.recv())["object"]["score"], (await socket.recv())["object"]["score"]])
    assert scores == [1, 3]
    await socket.nothing()
    # a failed update (type mismatch) publishes nothing
    oid = reply.body[0]["success"]["objectId"]
    assert (await env.api.put(f"/classes/Room/{oid}", {"score": "x"})).status == 400
    await socket.nothing()


async def test_template_classes_are_live_by_default(env: LiveEnv) -> None:
    token = (await env.signup("dentist"))["sessionToken"]
    socket = await env.socket(sessionToken=token)
    reply = await socket.subscribe(1, "TreatmentPlan", {"status": "planned"})
    assert reply["op"] == "subscribed"
    patient = (await env.api.post("/classes/Patient", {"name": "P", "email": "p@example.com", "phone": "1"},
                                  session_token=token)).body
    assert "objectId" in patient, patient
    body = {"patient": {"__type": "Pointer", "className": "Patient", "objectId": patient["objectId"]},
            "treatmentDetails": "Crown", "status": "planned"}
    created = await env.api.post("/classes/TreatmentPlan", body, session_token=token)
    assert created.status == 201, created.body
    event = await socket.recv()
    assert event["op"] == "create" and event["object"]["treatmentDetails"] == "Crown"
    assert event["object"]["patient"]["objectId"] == patient["objectId"]


class FakeTriggers:
    """A cloud-code stand-in implementing the optional Live Query hooks."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def has(self, trigger: str, class_name: str) -> bool:
        return trigger in ("beforeConnect", "beforeSubscribe", "afterEvent")

    async def before_connect(self, ctx: Any, request: dict[str, Any]) -> None:
        self.calls.append(("connect", request))
        if request.get("installationId") == "banned":
            raise ParseError(141, "no entry")

    async def before_subscribe(self, ctx: Any, class_name: str, request: dict[str, Any]) -> dict[str, Any] | None:
        self.calls.append(("subscribe", request))
        if request["query"]["where"].get("forbidden"):
            raise ValueError("not this query")
        request["query"]["keys"] = ["score", "name"]
        return request

    async def after_event(self, ctx: Any, class_name: str, request: dict[str, Any]) -> dict[str, Any] | None:
        self.calls.append(("event", request))
        if request["object"].get("name") == "hidden":
            request["sendEvent"] = False
        request["object"]["name"] = str(request["object"].get("name", "")).upper()
        return request


async def test_cloud_code_hooks(env: LiveEnv) -> None:
    await env.make_class("Room", ROOM_FIELDS)
    triggers = FakeTriggers()
    env.server.app[STATE_KEY].services.triggers = triggers
    banned = await env.socket(connect=False)
    assert await banned.connect(installationId="banned") == {"op": "error", "error": "no entry", "code": 141,
                                                             "reconnect": False, "requestId": None}
    socket = await env.socket(installationId="inst")
    reply = await socket.subscribe(1, "Room", {"forbidden": True})
    assert reply == {"op": "error", "error": "not this query", "code": 141, "reconnect": False, "requestId": 1}
    assert (await socket.subscribe(2, "Room", {}))["op"] == "subscribed"
    await env.api.post("/classes/Room", {"score": 1, "name": "hidden"})
    await socket.nothing()
    await env.api.post("/classes/Room", {"score": 2, "name": "shown", "tags": ["t"]})
    event = await socket.recv()
    assert event["object"]["name"] == "SHOWN" and "tags" not in event["object"]  # keys set by beforeSubscribe
    assert event["installationId"] == "inst"
    kinds = [kind for kind, _ in triggers.calls]
    assert kinds.count("connect") == 2 and kinds.count("subscribe") == 2 and kinds.count("event") == 2
    event_request = [r for kind, r in triggers.calls if kind == "event"][0]
    assert event_request["event"] == "create" and event_request["useMasterKey"] is False
    assert event_request["clients"] == 1 and event_request["subscriptions"] == 1
