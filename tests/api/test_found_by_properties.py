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
