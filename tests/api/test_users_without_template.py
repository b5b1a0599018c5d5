"""User behaviour on a bare app (no dental template: `email` is not required there)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Client

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"schema": None}


async def test_anonymous_signup_then_login(api: Client) -> None:
    body = {"authData": {"anonymous": {"id": "11111111-2222-3333-4444-555555555555"}}}
    first = await api.post("/users", body)
    assert first.status == 201, first.body
    assert len(first.body["username"]) == 25 and first.body["authDataResponse"] == {}
    again = await api.post("/users", body)
    assert again.status == 200 and again.body["objectId"] == first.body["objectId"]


@pytest.mark.settings(schema=None, enforcePrivateUsers=False)
async def test_email_is_hidden_from_other_users_by_default(api: Client) -> None:
    alice = await api.post("/users", {"username": "alice", "password": "pw-a", "email": "alice@example.com"})
    bob = await api.post("/users", {"username": "bob", "password": "pw-b", "email": "bob@example.com"})
    seen_by_bob = await api.get(f"/users/{alice.body['objectId']}", session_token=bob.body["sessionToken"])
    assert seen_by_bob.status == 200 and seen_by_bob.body["username"] == "alice"
    assert "email" not in seen_by_bob.body
    own = await api.get(f"/users/{alice.body['objectId']}", session_token=alice.body["sessionToken"])
    assert own.body["email"] == "alice@example.com"
    leak = await api.get("/users", params={"where": {"email": "alice@example.com"}},
                         session_token=bob.body["sessionToken"])
    assert leak.status == 400 and leak.body["code"] == 119


async def test_own_user_carries_the_session_token_and_authdata_unlinks(api: Client) -> None:
    body = {"authData": {"anonymous": {"id": "99999999-2222-3333-4444-555555555555"}}}
    user = (await api.post("/users", body)).body
    own = await api.get(f"/users/{user['objectId']}", session_token=user["sessionToken"])
    assert own.body["sessionToken"] == user["sessionToken"]
    assert own.body["authData"] == {"anonymous": {"id": "99999999-2222-3333-4444-555555555555"}}
    set_password = await api.put(f"/users/{user['objectId']}", {"password": "now-a-real-account"},
                                 session_token=user["sessionToken"])
    token = set_password.body["sessionToken"]
    unlink = await api.put(f"/users/{user['objectId']}", {"authData": {"anonymous": None}}, session_token=token)
    assert unlink.status == 200 and unlink.body["authDataResponse"] == {}
    after = await api.get(f"/users/{user['objectId']}", session_token=token)
    assert "anonymous" not in (after.body.get("authData") or {})


async def test_a_wrong_master_key_is_ignored_not_honoured(api: Client) -> None:
    reply = await api.get("/schemas", headers={"X-Parse-Master-Key": "not-the-key"})
    # a plain client: schemas need the master key (Parse's bare 403, no code)
    assert reply.status == 403 and reply.body == {"error": "Permission denied"}
    created = await api.post("/classes/_User", {"username": "w", "password": "p"},
                             headers={"X-Parse-Master-Key": "not-the-key"})
    assert created.status == 201  # an ordinary signup


async def test_session_create_and_user_schema_shapes(api: Client) -> None:
    user = await api.post("/users", {"username": "sess", "password": "pw-sess"})
    created = await api.post("/sessions", {"deviceName": "reception-ipad"}, session_token=user.body["sessionToken"])
    assert created.status == 201
    assert created.body["deviceName"] == "reception-ipad" and created.body["sessionToken"].startswith("r:")
    assert "createdAt" not in created.body and created.body["createdWith"] == {"action": "create"}
    schema = await api.get("/schemas/_User", master=True)
    assert schema.body["fields"]["password"] == {"type": "String"}
    assert schema.body["indexes"]["_id_"] == {"_id": 1}
