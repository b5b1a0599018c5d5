"""Access per client and per event: ACL with roles, CLP, pointer permissions, protected fields, master."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import LiveEnv

pytestmark = pytest.mark.asyncio


def pointer(user: dict[str, Any]) -> dict[str, str]:
    return {"__type": "Pointer", "className": "_User", "objectId": user["objectId"]}


async def test_acl_decides_who_hears_and_access_changes_hide_unreadable_states(env: LiveEnv) -> None:
    await env.make_class("Note", {"text": {"type": "String"}})
    alice, bob = await env.signup("alice"), await env.signup("bob")
    a = await env.socket(sessionToken=alice["sessionToken"])
    b = await env.socket()
    anonymous = await env.socket()
    await a.subscribe(1, "Note", {})
    await b.subscribe(1, "Note", {}, token=bob["sessionToken"])  # per-subscription token
    await anonymous.subscribe(1, "Note", {})
    private = {alice["objectId"]: {"read": True, "write": True}}
    oid = (await env.api.post("/classes/Note", {"text": "mine", "ACL": private},
                              session_token=alice["sessionToken"])).body["objectId"]
    assert (await a.recv())["object"]["text"] == "mine"
    await b.nothing()
    await anonymous.nothing()

    shared = {**private, bob["objectId"]: {"read": True}}
    await env.api.put(f"/classes/Note/{oid}", {"text": "shared", "ACL": shared}, session_token=alice["sessionToken"])
    assert (await a.recv())["op"] == "update"
    event = await b.recv()
    assert event["op"] == "enter" and event["object"]["text"] == "shared" and "original" not in event
    await anonymous.nothing()

    await env.api.put(f"/classes/Note/{oid}", {"text": "secret again", "ACL": private},
                      session_token=alice["sessionToken"])
    assert (await a.recv())["object"]["text"] == "secret again"
    event = await b.recv()
    assert event["op"] == "leave" and event["object"]["text"] == "shared" and event["object"] == event["original"]
    await env.api.delete(f"/classes/Note/{oid}", session_token=alice["sessionToken"])
    assert (await a.recv())["op"] == "delete"
    await b.nothing()
    await anonymous.nothing()


async def test_roles_grant_read_through_the_hierarchy_and_follow_role_changes(env: LiveEnv) -> None:
    await env.make_class("Note", {"text": {"type": "String"}})
    carol, dave = await env.signup("carol"), await env.signup("dave")
    staff = await env.api.post("/roles", {"name": "Staff", "ACL": {"*": {"read": True}},
                                          "users": {"__op": "AddRelation", "objects": [pointer(carol)]}}, master=True)
    assert staff.status == 201, staff.body
    doctors = await env.api.post("/roles", {"name": "Doctors", "ACL": {"*": {"read": True}}}, master=True)
    # members of Doctors inherit Staff
    await env.api.put(f"/roles/{staff.body['objectId']}", {"roles": {"__op": "AddRelation", "objects": [
        {"__type": "Pointer", "className": "_Role", "objectId": doctors.body["objectId"]}]}}, master=True)
    c = await env.socket(sessionToken=carol["sessionToken"])
    d = await env.socket(sessionToken=dave["sessionToken"])
    await c.subscribe(1, "Note", {})
    await d.subscribe(1, "Note", {})
    await env.api.post("/classes/Note", {"text": "for staff", "ACL": {"role:Staff": {"read": True}}}, master=True)
    assert (await c.recv())["object"]["ACL"] == {"role:Staff": {"read": True}}
    await d.nothing()
    await env.api.put(f"/roles/{doctors.body['objectId']}", {"users": {"__op": "AddRelation", "objects": [
        pointer(dave)]}}, master=True)
    await env.api.post("/classes/Note", {"text": "again", "ACL": {"role:Staff": {"read": True}}}, master=True)
    assert (await c.recv())["object"]["text"] == "again"
    assert (await d.recv())["object"]["text"] == "again"


async def test_clp_is_checked_at_subscribe_and_per_event(env: LiveEnv) -> None:
    erin, frank = await env.signup("erin"), await env.signup("frank")
    await env.make_class("Secret", {"text": {"type": "String"}, "owner": {"type": "Pointer", "targetClass": "_User"},
                                    "code": {"type": "String"}},
                         clp={"find": {"requiresAuthentication": True}, "get": {"requiresAuthentication": True},
                              "create": {"*": True}, "update": {"*": True}, "delete": {"*": True},
                              "protectedFields": {"*": ["code"]}})
    anonymous = await env.socket()
    reply = await anonymous.subscribe(1, "Secret", {})
    assert reply == {"op": "error", "code": 101, "reconnect": False, "requestId": 1,
                     "error": "Permission denied, user needs to be authenticated."}
    e = await env.socket(sessionToken=erin["sessionToken"])
    assert (await e.subscribe(1, "Secret", {}))["op"] == "subscribed"
    reply = await e.subscribe(2, "Secret", {"code": "x"})
    assert reply["code"] == 119 and reply["error"] == "Permission denied" and reply["requestId"] == 2
    reply = await e.subscribe(3, "Secret", {}, watch=["code"])
    assert reply["code"] == 119
    await env.api.post("/classes/Secret", {"text": "t", "code": "1234", "owner": pointer(frank)},
                       session_token=erin["sessionToken"])
    event = await e.recv()
    assert event["object"]["text"] == "t" and "code" not in event["object"]  # protected field never sent
    # pointer permissions: only the owner hears
    await env.api.put("/schemas/Secret", {"classLevelPermissions": {
        "find": {"pointerFields": ["owner"]}, "get": {"pointerFields": ["owner"]}, "create": {"*": True},
        "update": {"*": True}, "delete": {"*": True}, "protectedFields": {"*": ["code"]}}}, master=True)
    f = await env.socket(sessionToken=frank["sessionToken"])
    assert (await f.subscribe(1, "Secret", {}))["op"] == "subscribed"
    await env.api.post("/classes/Secret", {"text": "for frank", "code": "9", "owner": pointer(frank)}, master=True)
    event = await f.recv()
    assert event["object"]["text"] == "for frank" and "code" not in event["object"]
    await e.nothing()


async def test_protected_fields_and_user_secrets_never_appear(env: LiveEnv) -> None:
    gina = await env.signup("gina")
    watcher = await env.signup("watcher")
    s = await env.socket(sessionToken=watcher["sessionToken"])
    await s.subscribe(1, "_User", {})
    me = await env.socket(sessionToken=gina["sessionToken"])
    await me.subscribe(1, "_User", {"username": "gina"})
    await env.api.put(f"/users/{gina['objectId']}", {"role": "admin", "password": "new-password-1",
                                                      "authData": {"anonymous": {"id": "x"}}},
                      session_token=gina["sessionToken"])
    own = await me.recv()
    assert own["op"] == "update" and own["object"]["role"] == "admin"  # owners see their protected fields
    # gina's ACL is private: the watcher sees nothing; make her public to check the filtering
    await env.api.put(f"/users/{gina['objectId']}", {"ACL": {"*": {"read": True}}}, master=True)
    event = await s.recv()
    assert event["op"] == "enter" and event["object"]["username"] == "gina"
    for frame in (event, own, await me.recv()):
        for version in ("object", "original"):
            shown = frame.get(version) or {}
            assert not {"password", "sessionToken", "authData", "_hashed_password"} & set(shown), shown
    assert "email" not in event["object"] and "role" not in event["object"]  # template protectedFields


async def test_session_subscriptions_are_forced_to_the_caller(env: LiveEnv) -> None:
    hank, ivy = await env.signup("hank"), await env.signup("ivy")
    anonymous = await env.socket()
    assert (await anonymous.subscribe(1, "_Session", {}))["code"] == 209
    h = await env.socket(sessionToken=hank["sessionToken"])
    assert (await h.subscribe(1, "_Session", {"user": pointer(ivy)}))["op"] == "subscribed"
    assert (await env.api.post("/sessions", {}, session_token=ivy["sessionToken"])).status == 201
    await h.nothing()  # never someone else's sessions
    created = await env.api.post("/sessions", {}, session_token=hank["sessionToken"])
    event = await h.recv()
    assert event["op"] == "create" and event["object"]["objectId"] == created.body["objectId"]
    assert event["object"]["user"] == pointer(hank) and "sessionToken" not in event["object"]


async def test_master_only_through_key_pairs(env: LiveEnv) -> None:
    await env.make_class("Note", {"text": {"type": "String"}})
    # no keyPairs: a master key on connect confers nothing (as in Parse Server)
    s = await env.socket(masterKey="test-master")
    await s.subscribe(1, "Note", {})
    await env.api.post("/classes/Note", {"text": "private", "ACL": {}}, master=True)
    await s.nothing()
    assert (await s.subscribe(2, "_Idempotency", {}))["code"] == 119


@pytest.mark.parametrize("live_overrides", [{"liveQuery": {
    "classNames": ["Note"], "keyPairs": {"javascriptKey": "js-key", "masterKey": "lq-master"}}}])
async def test_key_pairs(env: LiveEnv) -> None:
    await env.make_class("Note", {"text": {"type": "String"}})
    s = await env.socket(connect=False)
    assert (await s.connect())["code"] == 4
    assert (await s.connect(javascriptKey="wrong"))["code"] == 4
    user = await env.socket(javascriptKey="js-key")
    master = await env.socket(masterKey="lq-master")
    await user.subscribe(1, "Note", {})
    await master.subscribe(1, "Note", {})
    await env.api.post("/classes/Note", {"text": "private", "ACL": {}}, master=True)
    assert (await master.recv())["object"]["text"] == "private"
    await user.nothing()
