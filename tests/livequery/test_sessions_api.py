"""Session expiry, logout and revocation end the subscriptions that rest on the dead token."""

from __future__ import annotations

import asyncio

import pytest

from parse_compat.app import STATE_KEY

from .conftest import LiveEnv, Socket

pytestmark = pytest.mark.asyncio

ENDED = {"op": "error", "code": 209, "error": "Invalid session token", "reconnect": False}


async def setup_pair(env: LiveEnv) -> tuple[dict, Socket, Socket, Socket]:
    await env.make_class("Note", {"text": {"type": "String"}})
    user = await env.signup("kim")
    private = await env.socket(sessionToken=user["sessionToken"])  # connect-level token
    await private.subscribe(1, "Note", {})
    own = await env.socket()
    await own.subscribe(5, "Note", {}, token=user["sessionToken"])  # subscription-level token
    public = await env.socket()
    await public.subscribe(1, "Note", {})
    await env.api.post("/classes/Note", {"text": "before"})
    for socket in (private, own, public):
        assert (await socket.recv())["object"]["text"] == "before"
    return user, private, own, public


async def assert_ended(env: LiveEnv, user: dict, private: Socket, own: Socket, public: Socket) -> None:
    assert await private.recv() == {**ENDED, "requestId": 1}
    assert await own.recv() == {**ENDED, "requestId": 5}
    await env.api.post("/classes/Note", {"text": "after"})
    assert (await public.recv())["object"]["text"] == "after"
    await private.nothing()
    await own.nothing()
    # the dead token cannot come back, neither through the connection nor per subscription
    assert (await private.subscribe(2, "Note", {}))["code"] == 209
    assert (await own.subscribe(6, "Note", {}, token=user["sessionToken"]))["code"] == 209
    # public subscriptions on the same socket still work
    assert (await own.subscribe(7, "Note", {}))["op"] == "subscribed"


async def test_logout_ends_private_subscriptions(env: LiveEnv) -> None:
    user, private, own, public = await setup_pair(env)
    assert (await env.api.post("/logout", {}, session_token=user["sessionToken"])).status == 200
    await assert_ended(env, user, private, own, public)


async def test_deleting_the_session_ends_private_subscriptions(env: LiveEnv) -> None:
    user, private, own, public = await setup_pair(env)
    me = await env.api.get("/sessions/me", session_token=user["sessionToken"])
    reply = await env.api.delete(f"/sessions/{me.body['objectId']}", session_token=user["sessionToken"])
    assert reply.status == 200, reply.body
    await assert_ended(env, user, private, own, public)


@pytest.mark.parametrize("live_overrides", [{"liveQuery": {"classNames": ["Note"], "sessionCheckInterval": 0.2}}])
async def test_expiry_is_found_by_the_periodic_check(env: LiveEnv) -> None:
    user, private, own, public = await setup_pair(env)
    state = env.server.app[STATE_KEY]
    schema = state.schemas.get("_Session")
    # expire the session behind the server's back: no write event, only the periodic re-validation sees it
    await state.storage.update(schema, {"sessionToken": user["sessionToken"]},
                               {"expiresAt": {"__type": "Date", "iso": "2001-01-01T00:00:00.000Z"}})
    await asyncio.sleep(0.5)
    await assert_ended(env, user, private, own, public)


async def test_password_change_revokes_and_ends(env: LiveEnv) -> None:
    user, private, own, public = await setup_pair(env)
    reply = await env.api.put(f"/users/{user['objectId']}", {"password": "another-pass-1"},
                              session_token=user["sessionToken"])
    assert reply.status == 200, reply.body
    await assert_ended(env, user, private, own, public)
