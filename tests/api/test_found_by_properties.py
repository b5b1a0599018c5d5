"""Bugs the property suite (tests/properties) found, each as a plain regression test."""

from __future__ import annotations

import pytest

from .conftest import Client

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(schema=None)]
ANON_ID = "c0ffee00-0000-4000-8000-00000000abcd"


@pytest.mark.parametrize("body", [{"authData.anonymous": {"id": ANON_ID}},
                                  {"authData": {"anonymous": {"id": ANON_ID}}}])
async def test_a_user_cannot_link_an_anonymous_id_another_user_holds(api: Client, body: dict) -> None:
    holder = await api.post("/users", {"authData": {"anonymous": {"id": ANON_ID}}})
    assert holder.status == 201, holder.body
    other = await api.post("/users", {"username": "other", "password": "pw-other-123"})
    assert other.status == 201, other.body
    reply = await api.put(f"/users/{other.body['objectId']}", body, session_token=other.body["sessionToken"])
    assert reply.status == 400 and reply.body["code"] == 208, reply.body
    stored = await api.get(f"/users/{other.body['objectId']}", master=True)
    assert "authData" not in stored.body
    login = await api.post("/users", {"authData": {"anonymous": {"id": ANON_ID}}})
    assert login.status == 200 and login.body["objectId"] == holder.body["objectId"]


@pytest.mark.parametrize("params", [{"__type": "Date", "iso": "not a date"}, {"$where": 1}, {"a.b": 1}])
async def test_config_parameter_names_that_storage_cannot_hold_are_refused(api: Client, params: dict) -> None:
    assert (await api.put("/config", {"params": {"kept": 1}}, master=True)).status == 200
    reply = await api.put("/config", {"params": params}, master=True)
    assert reply.status == 400 and reply.body["code"] == 107, reply.body
    shown = await api.get("/config", master=True)
    assert shown.body["params"] == {"kept": 1}


@pytest.mark.parametrize("op", [{"__op": "AddRelation", "objects": []}, {"__op": "RemoveRelation", "objects": []},
                                {"__type": "Relation", "className": "Target"}])
async def test_a_dotted_key_cannot_carry_a_relation(api: Client, op: dict) -> None:
    await api.post("/schemas/Target", {"className": "Target"}, master=True)
    await api.post("/schemas/Open", {"className": "Open", "fields": {"obj": {"type": "Object"}}}, master=True)
    target = await api.post("/classes/Target", {}, master=True)
    made = await api.post("/classes/Open", {"obj": {"a": 1}}, master=True)
    pointer = {"__type": "Pointer", "className": "Target", "objectId": target.body["objectId"]}
    value = {**op, "objects": [pointer]} if "__op" in op else op
    reply = await api.put(f"/classes/Open/{made.body['objectId']}", {"obj.a": value}, master=True)
    assert reply.status == 400 and reply.body["code"] == 111, reply.body
    fields = (await api.get("/schemas/Open", master=True)).body["fields"]
    assert not [name for name in fields if "." in name], fields
    assert (await api.get(f"/classes/Open/{made.body['objectId']}", master=True)).body["obj"] == {"a": 1}
