"""accountLockout and passwordPolicy options."""

from __future__ import annotations

import pytest

from .conftest import Client

pytestmark = pytest.mark.asyncio


@pytest.mark.settings(schema=None, accountLockout={"threshold": 3, "duration": 5})
async def test_lockout_after_threshold_even_with_the_right_password(api: Client) -> None:
    assert (await api.post("/users", {"username": "lock", "password": "right-pw"})).status == 201
    for _ in range(2):
        reply = await api.post("/login", {"username": "lock", "password": "wrong"})
        assert reply.body == {"code": 101, "error": "Invalid username/password."}
    third = await api.post("/login", {"username": "lock", "password": "wrong"})
    assert third.body["code"] == 101 and "locked" in third.body["error"]
    locked = await api.post("/login", {"username": "lock", "password": "right-pw"})
    assert locked.body["code"] == 101 and "locked" in locked.body["error"]


@pytest.mark.settings(schema=None, accountLockout={"threshold": 3, "duration": 5})
async def test_successful_login_resets_the_failure_count(api: Client) -> None:
    assert (await api.post("/users", {"username": "reset", "password": "right-pw"})).status == 201
    for _ in range(2):
        await api.post("/login", {"username": "reset", "password": "wrong"})
    assert (await api.post("/login", {"username": "reset", "password": "right-pw"})).status == 200
    for _ in range(2):
        await api.post("/login", {"username": "reset", "password": "wrong"})
    assert (await api.post("/login", {"username": "reset", "password": "right-pw"})).status == 200


@pytest.mark.settings(schema=None, passwordPolicy={"validatorPattern": "^.{10,}$", "doNotAllowUsername": True,
                                                   "validationError": "Use at least 10 characters."})
async def test_password_policy(api: Client) -> None:
    short = await api.post("/users", {"username": "pat", "password": "short"})
    assert short.body == {"code": 142, "error": "Use at least 10 characters."}
    with_name = await api.post("/users", {"username": "pat", "password": "pat-is-my-password"})
    assert with_name.body == {"code": 142, "error": "Password cannot contain your username."}
    ok = await api.post("/users", {"username": "pat", "password": "long-enough-pw"})
    assert ok.status == 201
    change = await api.put(f"/users/{ok.body['objectId']}", {"password": "tiny"},
                           session_token=ok.body["sessionToken"])
    assert change.body["code"] == 142
    users = await api.get("/users", params={"count": 1, "limit": 0}, master=True)
    assert users.body["count"] == 1
