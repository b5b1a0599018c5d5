"""The `protectedFields` server option and its Parse 9 companions (issue 14): the option's entries
are added to each class's CLP protectedFields (Parse's default hides `_User.email`), for REST
find/get/include; `protectedFieldsOwnerExempt`, `protectedFieldsSaveResponseExempt` and
`protectedFieldsTriggerExempt` change what the owner, a save's answer and an update's triggers see."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Client

pytestmark = pytest.mark.asyncio

OPEN = {op: {"*": True} for op in ("find", "count", "get", "create", "update", "delete", "addField")}
CHART_FIELDS = {"title": {"type": "String"}, "secret": {"type": "String"}, "diagnosis": {"type": "String"},
                "stamp": {"type": "String"}, "originalSecret": {"type": "String"},
                "objectSecret": {"type": "String"}, "owner": {"type": "Pointer", "targetClass": "_User"}}
OPTION = {"Chart": {"*": ["secret"]}, "_User": {"*": ["phone"]}}


def ptr(class_name: str, object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


async def signup(api: Client, name: str) -> dict[str, Any]:
    reply = await api.post("/users", {"username": name, "password": "pw-" + name, "email": f"{name}@example.com",
                                      "phone": "555-" + name})
    assert reply.status == 201, reply.body
    return dict(reply.body)


async def chart_class(api: Client) -> None:
    body = {"className": "Chart", "fields": CHART_FIELDS,
            "classLevelPermissions": {**OPEN, "protectedFields": {"*": ["diagnosis"]}}}
    reply = await api.post("/schemas/Chart", body, master=True)
    assert reply.status == 200, reply.body


async def make_chart(api: Client, owner: dict[str, Any]) -> str:
    body = {"title": "t", "secret": "s3cret", "diagnosis": "caries", "owner": ptr("_User", owner["objectId"])}
    reply = await api.post("/classes/Chart", body, master=True)
    assert reply.status == 201, reply.body
    return str(reply.body["objectId"])


@pytest.mark.settings(schema=None, enforcePrivateUsers=False)
async def test_default_hides_user_email_from_others_only(api: Client) -> None:
    ann, bob = await signup(api, "ann"), await signup(api, "bob")
    own = await api.get(f"/users/{ann['objectId']}", session_token=ann["sessionToken"])
    other = await api.get(f"/users/{ann['objectId']}", session_token=bob["sessionToken"])
    master = await api.get(f"/users/{ann['objectId']}", master=True)
    assert own.body["email"] == "ann@example.com" and own.body["phone"] == "555-ann"
    assert "email" not in other.body and other.body["phone"] == "555-ann", other.body
    assert master.body["email"] == "ann@example.com"


@pytest.mark.settings(schema=None, enforcePrivateUsers=False, protectedFields=OPTION)
async def test_option_adds_to_the_class_clp_for_find_get_and_include(api: Client) -> None:
    await chart_class(api)
    ann, bob = await signup(api, "ann"), await signup(api, "bob")
    chart = await make_chart(api, ann)
    for token in (ann["sessionToken"], bob["sessionToken"]):
        got = await api.get(f"/classes/Chart/{chart}", session_token=token)
        found = await api.get("/classes/Chart", params={"include": "owner"}, session_token=token)
        for row in (got.body, found.body["results"][0]):
            assert row["title"] == "t" and "secret" not in row and "diagnosis" not in row, row
        owner = found.body["results"][0]["owner"]
        if token == ann["sessionToken"]:  # a user's own _User object shows every field
            assert owner["email"] == "ann@example.com" and owner["phone"] == "555-ann"
        else:  # the option's `phone` and Parse's default `email`, merged
            assert "email" not in owner and "phone" not in owner and owner["username"] == "ann", owner
        users = await api.get("/users", params={"where": '{"username": "ann"}'}, session_token=token)
        assert ("phone" in users.body["results"][0]) == (token == ann["sessionToken"])
    master = await api.get("/classes/Chart", params={"include": "owner"}, master=True)
    row = master.body["results"][0]
    assert row["secret"] == "s3cret" and row["diagnosis"] == "caries" and row["owner"]["phone"] == "555-ann"
    # a protected field is no query key either
    refused = await api.get("/classes/Chart", params={"where": '{"secret": "s3cret"}'},
                            session_token=bob["sessionToken"])
    assert refused.status == 400 and refused.body["code"] == 119


@pytest.mark.settings(schema=None, enforcePrivateUsers=False, protectedFields=OPTION,
                      protectedFieldsOwnerExempt=False)
async def test_owner_not_exempt_sees_own_user_as_others_do(api: Client) -> None:
    ann = await signup(api, "ann")
    own = await api.get(f"/users/{ann['objectId']}", session_token=ann["sessionToken"])
    assert own.status == 200 and own.body["username"] == "ann"
    # the option's `_User` "*" entry replaces Parse's default then, so `email` is not protected
    assert "phone" not in own.body and own.body["email"] == "ann@example.com", own.body
    # the user's own object as login, /users/me and verifyPassword answer it (Parse re-reads it as the user)
    login = await api.post("/login", {"username": "ann", "password": "pw-ann"})
    me = await api.get("/users/me", session_token=ann["sessionToken"])
    check = await api.post("/verifyPassword", {"username": "ann", "password": "pw-ann"})
    for reply in (login, me, check):
        assert reply.status == 200 and reply.body["username"] == "ann" and "phone" not in reply.body, reply.body
    assert login.body["sessionToken"] and me.body["sessionToken"] == ann["sessionToken"]
    assert (await api.get(f"/users/{ann['objectId']}", master=True)).body["phone"] == "555-ann"


@pytest.mark.settings(schema=None, enforcePrivateUsers=False, protectedFields=OPTION)
async def test_owner_exempt_login_and_me_show_every_field(api: Client) -> None:
    ann = await signup(api, "ann")
    login = await api.post("/login", {"username": "ann", "password": "pw-ann"})
    me = await api.get("/users/me", session_token=ann["sessionToken"])
    assert login.body["phone"] == me.body["phone"] == "555-ann" and me.body["email"] == "ann@example.com"


@pytest.mark.settings(schema=None, enforcePrivateUsers=False, protectedFields={"_User": {"*": []}},
                      protectedFieldsOwnerExempt=False)
async def test_owner_not_exempt_lets_the_option_unprotect_email(api: Client) -> None:
    ann, bob = await signup(api, "ann"), await signup(api, "bob")
    other = await api.get(f"/users/{ann['objectId']}", session_token=bob["sessionToken"])
    assert other.body["email"] == "ann@example.com"


@pytest.mark.settings(schema=None, enforcePrivateUsers=False, protectedFields={"_User": {"*": []}})
async def test_owner_exempt_keeps_parse_default_email_protection(api: Client) -> None:
    ann, bob = await signup(api, "ann"), await signup(api, "bob")
    other = await api.get(f"/users/{ann['objectId']}", session_token=bob["sessionToken"])
    assert "email" not in other.body


@pytest.mark.settings(schema=None, enforcePrivateUsers=False, userSensitiveFields=["phone"])
async def test_user_sensitive_fields_join_the_default_protection(api: Client) -> None:
    ann, bob = await signup(api, "ann"), await signup(api, "bob")
    other = await api.get(f"/users/{ann['objectId']}", session_token=bob["sessionToken"])
    assert "phone" not in other.body and "email" not in other.body and other.body["username"] == "ann"
    own = await api.get(f"/users/{ann['objectId']}", session_token=ann["sessionToken"])
    assert own.body["phone"] == "555-ann"
