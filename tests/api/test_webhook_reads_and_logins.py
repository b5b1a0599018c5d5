"""Webhook triggers beyond saves and deletes (issue 14): beforeFind / afterFind, beforeLogin /
afterLogin / afterLogout, beforePasswordResetRequest, and `_User` beforeSave / afterSave on signup,
called on a real local webhook server. What the hook receives (Parse's payload and
`X-Parse-Webhook-Key`), what its answer may change (a rewritten query, replaced results, a refused
login or reset), and permission first: no find hook hears a caller the class or its CLP refuses,
nor sees objects its ACL hides."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from parse_compat.storage.base import FindOptions

from .conftest import Client
from .webhook_server import FakeWebhooks, fake_webhooks

pytestmark = pytest.mark.asyncio
WEBHOOK_KEY = "hook-secret"
ALL_OPS = ("find", "count", "get", "create", "update", "delete", "addField")


@pytest.fixture
async def hooks_server() -> AsyncIterator[FakeWebhooks]:
    async with fake_webhooks() as fake:
        yield fake


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"webhookKey": WEBHOOK_KEY, "schema": None}


async def hook(api: Client, server: FakeWebhooks, class_name: str, trigger: str) -> None:
    if trigger == "afterFind":
        server.answers.setdefault(trigger, {})  # no `success`: the results stand
    reply = await api.post("/hooks/triggers", {"className": class_name, "triggerName": trigger,
                                               "url": server.url(trigger)}, master=True)
    assert reply.status == 200, reply.body


async def signup(api: Client, name: str) -> dict[str, Any]:
    reply = await api.post("/users", {"username": name, "password": f"pw-{name}"})
    assert reply.status == 201, reply.body
    return dict(reply.body)


async def notes(api: Client, *tags: str) -> list[str]:
    ids = []
    for tag in tags:
        reply = await api.post("/classes/Note", {"tag": tag}, master=True)
        assert reply.status == 201, reply.body
        ids.append(reply.body["objectId"])
    return ids


async def test_before_find_hears_the_query_and_may_rewrite_or_refuse_it(api: Client,
                                                                          hooks_server: FakeWebhooks) -> None:
    first, _second = await notes(api, "a", "b")
    await hook(api, hooks_server, "Note", "beforeFind")
    user = await signup(api, "reader")
    token = user["sessionToken"]

    found = await api.get("/classes/Note", session_token=token,
                          params={"where": {"tag": "a"}, "limit": 5, "order": "-tag", "keys": "tag"})
    assert found.status == 200 and [n["tag"] for n in found.body["results"]] == ["a"]
    call = hooks_server.calls[-1]
    assert call["key"] == WEBHOOK_KEY
    body = call["body"]
    assert body["triggerName"] == "beforeFind" and body["isGet"] is False and body["count"] is False
    assert body["query"] == {"where": {"tag": "a"}, "limit": 5, "order": "-tag", "keys": "tag"}
    assert body["master"] is False and body["user"]["username"] == "reader"
    assert "sessionToken" not in body["user"] and "x-parse-session-token" not in body["headers"]

    hooks_server.answers["beforeFind"] = {"success": {"where": {"tag": "b"}, "limit": 1}}
    rewritten = await api.get("/classes/Note", session_token=token, params={"where": {"tag": "a"}})
    assert [n["tag"] for n in rewritten.body["results"]] == ["b"]

    got = await api.get(f"/classes/Note/{first}", session_token=token)  # a get constrained by the new where
    assert got.status == 404 and got.body["code"] == 101
    assert hooks_server.calls[-1]["body"]["isGet"] is True

    hooks_server.answers["beforeFind"] = {"success": {"where": {"tag": {"$bogus": 1}}}}
    bad = await api.get("/classes/Note", session_token=token)  # the hook's query is checked as a client's
    assert bad.status == 400 and bad.body["code"] == 107  # what a client sending it gets

    hooks_server.answers["beforeFind"] = {"error": {"code": 141, "error": "not today"}}
    refused = await api.get("/classes/Note", session_token=token)
    assert refused.status == 400 and refused.body == {"code": 141, "error": "not today"}
    counted = await api.get("/classes/Note", session_token=token, params={"count": 1, "limit": 0})
    assert counted.body == {"code": 141, "error": "not today"}
    assert hooks_server.calls[-1]["body"]["count"] is True

    await api.put("/hooks/triggers/Note/beforeFind", {"__op": "Delete"}, master=True)
    assert len((await api.get("/classes/Note", session_token=token)).body["results"]) == 2


async def test_after_find_sees_the_results_and_may_replace_them(api: Client, hooks_server: FakeWebhooks) -> None:
    first, second = await notes(api, "a", "b")
    await hook(api, hooks_server, "Note", "afterFind")

    listed = await api.get("/classes/Note", params={"order": "tag"})
    assert [n["tag"] for n in listed.body["results"]] == ["a", "b"]
    body = hooks_server.calls[-1]["body"]
    assert body["triggerName"] == "afterFind"
    assert [(o["objectId"], o["tag"]) for o in body["objects"]] == [(first, "a"), (second, "b")]
    assert all("className" not in o and "createdAt" in o for o in body["objects"])  # Parse.Object.toJSON()

    hooks_server.answers["afterFind"] = {"success": [{"objectId": second, "tag": "B!"}]}
    replaced = await api.get("/classes/Note")
    assert replaced.body["results"] == [{"objectId": second, "tag": "B!"}]
    hooks_server.answers["afterFind"] = {"success": []}
    emptied = await api.get(f"/classes/Note/{first}")  # a get whose only object is taken away
    assert emptied.status == 404 and emptied.body["code"] == 101

    hooks_server.answers["afterFind"] = {"success": "not a list"}
    malformed = await api.get("/classes/Note")
    assert malformed.status == 400 and malformed.body["code"] == 141
    hooks_server.answers["afterFind"] = {"error": "hidden"}
    refused = await api.get("/classes/Note")
    assert refused.body == {"code": 141, "error": "hidden"}
    hooks_server.answers["afterFind"] = {}  # no answer: the results stand
    assert len((await api.get("/classes/Note")).body["results"]) == 2


async def test_find_hooks_run_only_for_a_caller_the_class_admits(api: Client, hooks_server: FakeWebhooks) -> None:
    clp = {op: {} for op in ALL_OPS}  # master key only
    reply = await api.post("/schemas/Vault", {"className": "Vault", "fields": {"tag": {"type": "String"}},
                                              "classLevelPermissions": clp}, master=True)
    assert reply.status == 200, reply.body
    made = await api.post("/classes/Vault", {"tag": "gold"}, master=True)
    await hook(api, hooks_server, "Vault", "beforeFind")
    await hook(api, hooks_server, "Vault", "afterFind")
    user = await signup(api, "outsider")

    for path, params in (("/classes/Vault", {"where": {"tag": "gold"}}),
                         ("/classes/Vault", {"count": 1, "limit": 0}),
                         (f"/classes/Vault/{made.body['objectId']}", None)):
        for auth in ({}, {"session_token": user["sessionToken"]}):
            refused = await api.get(path, params=params, **auth)
            assert refused.status in (400, 403) and refused.body["code"] == 119, (path, auth, refused.body)
    assert hooks_server.calls == []  # nobody outside heard anything

    assert (await api.get("/classes/Vault", master=True)).body["results"][0]["tag"] == "gold"
    assert [c["path"] for c in hooks_server.calls] == ["beforeFind", "afterFind"]
    assert hooks_server.calls[0]["body"]["master"] is True


async def test_after_find_gets_only_what_the_acl_lets_the_caller_read(api: Client,
                                                                       hooks_server: FakeWebhooks) -> None:
    owner, other = await signup(api, "owner"), await signup(api, "other")
    private = {owner["objectId"]: {"read": True, "write": True}}
    await api.post("/classes/Note", {"tag": "public"}, master=True)
    mine = await api.post("/classes/Note", {"tag": "mine", "ACL": private}, session_token=owner["sessionToken"])
    assert mine.status == 201, mine.body
    await hook(api, hooks_server, "Note", "afterFind")

    seen = await api.get("/classes/Note", session_token=other["sessionToken"])
    assert [n["tag"] for n in seen.body["results"]] == ["public"]
    assert [o["tag"] for o in hooks_server.bodies("afterFind")[-1]["objects"]] == ["public"]
    hidden = await api.get(f"/classes/Note/{mine.body['objectId']}", session_token=other["sessionToken"])
    assert hidden.status == 404 and len(hooks_server.bodies("afterFind")) == 1  # nothing found, no hook


async def test_login_hooks_refuse_or_hear_logins_and_logouts(api: Client, hooks_server: FakeWebhooks) -> None:
    user = await signup(api, "carol")
    for trigger, class_name in (("beforeLogin", "_User"), ("afterLogin", "_User"), ("afterLogout", "_Session")):
        await hook(api, hooks_server, class_name, trigger)

    hooks_server.answers["beforeLogin"] = {"error": {"code": 142, "error": "account frozen"}}
    refused = await api.post("/login", {"username": "carol", "password": "pw-carol"})
    assert refused.status == 400 and refused.body == {"code": 142, "error": "account frozen"}
    assert hooks_server.bodies("afterLogin") == []
    sessions = await api.get("/sessions", master=True, params={"where": {"user": {
        "__type": "Pointer", "className": "_User", "objectId": user["objectId"]}}})
    assert len(sessions.body["results"]) == 1  # the signup's: the refused login made none
    before = hooks_server.bodies("beforeLogin")[-1]
    assert before["triggerName"] == "beforeLogin" and before["object"]["className"] == "_User"
    assert before["object"]["username"] == "carol"
    assert not {"password", "_hashed_password", "sessionToken"} & before["object"].keys()

    wrong = await api.post("/login", {"username": "carol", "password": "wrong"})  # checked before the hook
    assert wrong.body["code"] == 101 and len(hooks_server.bodies("beforeLogin")) == 1

    hooks_server.answers["beforeLogin"] = {"success": None}
    logged_in = await api.post("/login", {"username": "carol", "password": "pw-carol"},
                               headers={"X-Parse-Installation-Id": "device-1"})
    assert logged_in.status == 200, logged_in.body
    after = hooks_server.bodies("afterLogin")[-1]
    assert after["object"]["objectId"] == user["objectId"] and after["user"]["username"] == "carol"
    assert after["installationId"] == "device-1" and "sessionToken" not in after["object"]

    out = await api.post("/logout", {}, session_token=logged_in.body["sessionToken"])
    assert out.status == 200
    logout = hooks_server.bodies("afterLogout")[-1]
    assert logout["triggerName"] == "afterLogout" and logout["object"]["className"] == "_Session"
    assert logout["object"]["user"]["objectId"] == user["objectId"] and "sessionToken" not in logout["object"]

    hooks_server.answers["afterLogout"] = {"error": "ignored"}  # the logout is done: Parse only logs it
    again = await api.post("/login", {"username": "carol", "password": "pw-carol"})
    assert (await api.post("/logout", {}, session_token=again.body["sessionToken"])).status == 200


async def test_a_login_hook_is_only_for_users(api: Client, hooks_server: FakeWebhooks) -> None:
    reply = await api.post("/hooks/triggers", {"className": "Note", "triggerName": "beforeLogin",
                                               "url": hooks_server.url("x")}, master=True)
    assert reply.status == 400 and reply.body["code"] == 143
    assert (await api.get("/hooks/triggers", master=True)).body == []


async def test_user_save_hooks_run_on_signup_without_the_password(api: Client, hooks_server: FakeWebhooks) -> None:
    await hook(api, hooks_server, "_User", "beforeSave")
    await hook(api, hooks_server, "_User", "afterSave")
    hooks_server.answers["beforeSave"] = {"success": {"nickname": "set by hook"}}
    user = await signup(api, "dave")
    stored = await api.get(f"/users/{user['objectId']}", master=True)
    assert stored.body["nickname"] == "set by hook"
    before = hooks_server.bodies("beforeSave")[-1]
    assert before["object"]["username"] == "dave" and before["object"]["className"] == "_User"
    assert "password" not in before["object"]
    after = hooks_server.bodies("afterSave")[-1]
    assert after["object"]["objectId"] == user["objectId"] and "password" not in json.dumps(after)
    assert (await api.post("/login", {"username": "dave", "password": "pw-dave"})).status == 200

    hooks_server.answers["beforeSave"] = {"error": {"code": 142, "error": "no more users"}}
    refused = await api.post("/users", {"username": "erin", "password": "pw-erin"})
    assert refused.body == {"code": 142, "error": "no more users"}
    assert (await api.post("/login", {"username": "erin", "password": "pw-erin"})).body["code"] == 101


async def _queued_mail(api: Client) -> list[Any]:
    schema = api.state.schemas.get("_MailOutbox")
    if schema is None:
        return []
    return [row.get("user") for row in await api.state.storage.find(schema, {}, FindOptions(limit=100))]


async def test_a_password_reset_request_hook_sees_the_account_and_may_refuse(api: Client,
                                                                            hooks_server: FakeWebhooks) -> None:
    user = await api.post("/users", {"username": "fay", "password": "pw-fay", "email": "fay@example.com"})
    await hook(api, hooks_server, "_User", "beforePasswordResetRequest")

    hooks_server.answers["beforePasswordResetRequest"] = {"error": {"code": 205, "error": "User is banned."}}
    refused = await api.post("/requestPasswordReset", {"email": "fay@example.com"})
    assert refused.status == 400 and refused.body == {"code": 205, "error": "User is banned."}
    assert await _queued_mail(api) == []  # refused before any mail or token
    call = hooks_server.bodies("beforePasswordResetRequest")[-1]
    assert call["triggerName"] == "beforePasswordResetRequest" and call["object"]["className"] == "_User"
    assert call["object"]["objectId"] == user.body["objectId"] and call["object"]["email"] == "fay@example.com"
    assert not {"password", "_hashed_password", "sessionToken"} & call["object"].keys()

    assert (await api.post("/requestPasswordReset", {"email": "nobody@example.com"})).body == {}
    assert len(hooks_server.bodies("beforePasswordResetRequest")) == 1  # no account, no hook

    hooks_server.answers["beforePasswordResetRequest"] = {"success": None}
    assert (await api.post("/requestPasswordReset", {"email": "fay@example.com"})).body == {}
    assert f"password_reset:{user.body['objectId']}" in await _queued_mail(api)
