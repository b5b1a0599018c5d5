"""Object, find and login triggers through the REST API, with the fixture cloud code."""

from __future__ import annotations

import json
from typing import Any

from .conftest import Client


async def make_thing_class(api: Client) -> None:
    reply = await api.post("/schemas/Thing", {"className": "Thing", "fields": {"name": {"type": "String"}}},
                           master=True)
    assert reply.status == 200, reply.body


async def hook_log(api: Client, event: str) -> list[dict[str, Any]]:
    reply = await api.get("/classes/HookLog", master=True, params={"where": json.dumps({"event": event}),
                                                                     "order": "createdAt"})
    return list(reply.body.get("results", [])) if reply.status == 200 else []


async def test_before_save_changes_are_written_and_echoed(api: Client) -> None:
    await make_thing_class(api)
    reply = await api.post("/classes/Thing", {"name": "abc", "n": 1}, headers={"X-Parse-Cloud-Context": '{"a": 1}'})
    assert reply.status == 201
    assert reply.body["upper"] == "ABC"  # a field the hook set is in the response, as in Parse
    oid = reply.body["objectId"]
    reply = await api.put(f"/classes/Thing/{oid}", {"n": {"__op": "Increment", "amount": 2}})
    assert reply.status == 200 and reply.body["n"] == 3 and reply.body["previousN"] == 1
    got = (await api.get(f"/classes/Thing/{oid}")).body
    assert got["upper"] == "ABC" and got["previousN"] == 1 and got["n"] == 3
    logs = await hook_log(api, "afterSave")
    assert [(e["thingId"], e["isUpdate"]) for e in logs] == [(oid, False), (oid, True)]
    assert logs[0]["context"] == {"a": 1, "seen_by_before": True}  # context flows to afterSave


async def test_before_save_rejection_keeps_the_code_and_stores_nothing(api: Client) -> None:
    await make_thing_class(api)
    reply = await api.post("/classes/Thing", {"name": "forbidden"})
    assert reply.status == 400 and reply.body == {"code": 9001, "error": "forbidden name"}
    reply = await api.post("/classes/Thing", {"name": "boom"})
    assert reply.status == 400 and reply.body == {"code": 142, "error": "before save exploded"}
    oid = (await api.post("/classes/Thing", {"name": "ok"})).body["objectId"]
    reply = await api.put(f"/classes/Thing/{oid}", {"name": "forbidden"})
    assert reply.body["code"] == 9001
    found = (await api.get("/classes/Thing", master=True)).body["results"]
    assert [t["name"] for t in found] == ["ok"]
    assert len(await hook_log(api, "afterSave")) == 1


async def test_hanging_trigger_times_out_and_nothing_is_stored(api: Client) -> None:
    await api.post("/schemas/Slow", {"className": "Slow", "fields": {"name": {"type": "String"}}}, master=True)
    reply = await api.post("/classes/Slow", {"name": "hang"})
    assert reply.body["code"] == 124
    assert (await api.get("/classes/Slow", master=True)).body["results"] == []


async def test_after_save_may_replace_the_response_and_its_errors_are_ignored(api: Client) -> None:
    await make_thing_class(api)
    reply = await api.post("/classes/Thing", {"name": "replace"})
    assert reply.status == 201 and reply.body == {"replaced": True}
    reply = await api.post("/classes/Thing", {"name": "afterboom"})
    assert reply.status == 201 and "objectId" in reply.body
    assert (await api.get(f"/classes/Thing/{reply.body['objectId']}")).status == 200


async def test_update_of_a_missing_object_is_101_before_any_hook(api: Client) -> None:
    await make_thing_class(api)
    reply = await api.put("/classes/Thing/nope123456", {"name": "x"})
    assert reply.status == 404 and reply.body["code"] == 101
    assert await hook_log(api, "afterSave") == []


async def test_delete_triggers(api: Client) -> None:
    await make_thing_class(api)
    locked = (await api.post("/classes/Thing", {"name": "l", "locked": True})).body["objectId"]
    free = (await api.post("/classes/Thing", {"name": "f"})).body["objectId"]
    reply = await api.delete(f"/classes/Thing/{locked}")
    assert reply.body == {"code": 119, "error": "this thing is locked"}
    assert (await api.delete(f"/classes/Thing/{free}")).status == 200
    assert [e["thingId"] for e in await hook_log(api, "afterDelete")] == [free]
    assert (await api.get(f"/classes/Thing/{locked}")).status == 200


async def test_find_triggers_change_the_query_and_the_results(api: Client) -> None:
    await make_thing_class(api)
    shown = (await api.post("/classes/Thing", {"name": "shown"})).body["objectId"]
    hidden = (await api.post("/classes/Thing", {"name": "hidden", "hidden": True})).body["objectId"]
    found = (await api.get("/classes/Thing")).body["results"]
    assert [(t["objectId"], t["decorated"]) for t in found] == [(shown, True)]
    assert (await api.get("/classes/Thing", params={"count": 1, "limit": 0})).body["count"] == 1
    assert (await api.get(f"/classes/Thing/{hidden}")).status == 404  # beforeFind applies to get too
    assert (await api.get(f"/classes/Thing/{shown}")).body["decorated"] is True


async def test_login_and_logout_triggers(api: Client) -> None:
    for name in ("banned", "fine"):
        assert (await api.post("/users", {"username": name, "password": "pw", "email": f"{name}@x.org"})).status == 201
    reply = await api.post("/login", {"username": "banned", "password": "pw"})
    assert reply.body == {"code": 101, "error": "this account is banned"}
    reply = await api.post("/login", {"username": "fine", "password": "pw"})
    assert reply.status == 200
    token = reply.body["sessionToken"]
    assert [e["username"] for e in await hook_log(api, "afterLogin")] == ["fine"]
    assert (await api.post("/logout", {}, session_token=token)).status == 200
    logouts = await hook_log(api, "afterLogout")
    assert len(logouts) == 1 and logouts[0]["user"]["objectId"] == reply.body["objectId"]


async def test_before_password_reset_request_sees_the_account_and_may_refuse(api: Client) -> None:
    for name in ("banned", "fine"):
        assert (await api.post("/users", {"username": name, "password": "pw", "email": f"{name}@x.org"})).status == 201
    refused = await api.post("/requestPasswordReset", {"email": "banned@x.org"})
    assert refused.status == 400 and refused.body == {"code": 205, "error": "User is banned."}
    assert (await api.post("/requestPasswordReset", {"email": "fine@x.org"})).body == {}
    assert (await api.post("/requestPasswordReset", {"email": "nobody@x.org"})).body == {}  # no account, no hook
    assert [e["username"] for e in await hook_log(api, "beforePasswordResetRequest")] == ["fine"]
