"""Users and sessions over HTTP: signup, login, me, logout, 206 on foreign updates, password change."""

from __future__ import annotations

import pytest

from .conftest import Client

pytestmark = pytest.mark.asyncio


async def signup(api: Client, name: str, password: str = "pw-123456") -> dict:
    reply = await api.post("/users", {"username": name, "password": password, "email": f"{name}@example.com"})
    assert reply.status == 201, reply.body
    assert reply.headers["Location"].endswith(f"/users/{reply.body['objectId']}")
    assert reply.body["sessionToken"].startswith("r:")
    return reply.body


async def test_signup_login_me_logout(api: Client) -> None:
    user = await signup(api, "alice")
    login = await api.get("/login", params={"username": "alice", "password": "pw-123456"})
    assert login.status == 200, login.body
    assert login.body["objectId"] == user["objectId"] and "password" not in login.body
    assert login.body["email"] == "alice@example.com"
    token = login.body["sessionToken"]
    me = await api.get("/users/me", session_token=token)
    assert me.status == 200 and me.body["username"] == "alice" and me.body["sessionToken"] == token
    assert (await api.post("/logout", {}, session_token=token)).body == {}
    after = await api.get("/users/me", session_token=token)
    assert after.status == 400 and after.body["code"] == 209


async def test_signup_errors(api: Client) -> None:
    assert (await api.post("/users", {"password": "x", "email": "a@b.c"})).body["code"] == 200
    assert (await api.post("/users", {"username": "bob", "email": "a@b.c"})).body["code"] == 201
    await signup(api, "bob")
    assert (await api.post("/users", {"username": "BOB", "password": "x", "email": "z@b.c"})).body["code"] == 202
    assert (await api.post("/users", {"username": "bob2", "password": "x", "email": "BOB@example.com"})
            ).body["code"] == 203
    assert (await api.post("/users", {"username": "bob3", "password": "x", "email": "nope"})).body["code"] == 125


async def test_bad_login_is_101(api: Client) -> None:
    await signup(api, "carol")
    reply = await api.post("/login", {"username": "carol", "password": "wrong"})
    assert reply.status == 404 and reply.body["code"] == 101
    reply = await api.post("/login", {"username": "nobody", "password": "wrong"})
    assert reply.status == 404 and reply.body["code"] == 101


async def test_update_other_user_is_206_and_password_change_rotates_sessions(api: Client) -> None:
    a = await signup(api, "dave")
    b = await signup(api, "erin")
    reply = await api.put(f"/users/{a['objectId']}", {"username": "x"}, session_token=b["sessionToken"])
    assert reply.body["code"] == 206
    reply = await api.put(f"/users/{a['objectId']}", {"password": "new-pass"}, session_token=a["sessionToken"])
    assert reply.status == 200 and reply.body["sessionToken"].startswith("r:")
    old = await api.get("/users/me", session_token=a["sessionToken"])
    assert old.body["code"] == 209
    assert (await api.get("/users/me", session_token=reply.body["sessionToken"])).status == 200
    assert (await api.post("/login", {"username": "dave", "password": "new-pass"})).status == 200


async def test_other_users_do_not_see_email(api: Client) -> None:
    a = await signup(api, "frank")
    b = await signup(api, "grace")
    reply = await api.get(f"/users/{a['objectId']}", session_token=b["sessionToken"])
    # enforcePrivateUsers: another user cannot read frank at all
    assert reply.status == 404
    reply = await api.get(f"/users/{a['objectId']}", master=True)
    assert reply.body["email"] == "frank@example.com"
