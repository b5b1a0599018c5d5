"""Idempotent retries per caller (issue 10, exploit 10): a request id is claimed only after the
caller is authenticated, in the caller's own namespace, so one caller cannot block another's
retries, and a retry by the same caller is still answered 159 without a second write."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Client

pytestmark = [pytest.mark.asyncio,
              pytest.mark.settings(schema=None, idempotencyOptions={"paths": [".*"], "ttl": 300})]
DUPLICATE = {"code": 159, "error": "Duplicate request"}


def rid(value: str, **extra: str) -> dict[str, Any]:
    return {"headers": {"X-Parse-Request-Id": value, **extra}}


async def _user(api: Client, name: str) -> str:
    reply = await api.post("/users", {"username": name, "password": "pw-" + name})
    assert reply.status == 201, reply.body
    return str(reply.body["sessionToken"])


async def _count(api: Client, n: int) -> int:
    reply = await api.get("/classes/Item", params={"where": {"n": n}, "count": 1, "limit": 0}, master=True)
    return int(reply.body["count"])


async def _setup(api: Client) -> None:
    made = await api.post("/schemas/Item", {"className": "Item", "fields": {"n": {"type": "Number"}},
                                            "classLevelPermissions": {"create": {"*": True}, "find": {"*": True},
                                                                      "get": {"*": True}, "update": {"*": True}}},
                          master=True)
    assert made.status == 200, made.body


async def test_another_callers_request_id_does_not_block_mine(api: Client) -> None:
    await _setup(api)
    alice, bob = await _user(api, "alice"), await _user(api, "bob")
    first = await api.post("/classes/Item", {"n": 1}, session_token=alice, **rid("X"))
    assert first.status == 201, first.body
    other = await api.post("/classes/Item", {"n": 2}, session_token=bob, **rid("X"))
    assert other.status == 201, other.body
    retry = await api.post("/classes/Item", {"n": 1}, session_token=alice, **rid("X"))
    assert retry.body == DUPLICATE
    assert await _count(api, 1) == 1 and await _count(api, 2) == 1
    # master, an anonymous installation and another installation each have their own ids too
    assert (await api.post("/classes/Item", {"n": 3}, master=True, **rid("X"))).status == 201
    one = rid("X", **{"X-Parse-Installation-Id": "aaaaaaaa-0000-0000-0000-000000000001"})
    two = rid("X", **{"X-Parse-Installation-Id": "aaaaaaaa-0000-0000-0000-000000000002"})
    assert (await api.post("/classes/Item", {"n": 4}, **one)).status == 201
    assert (await api.post("/classes/Item", {"n": 5}, **two)).status == 201
    assert (await api.post("/classes/Item", {"n": 4}, **one)).body == DUPLICATE
    assert (await api.post("/classes/Item", {"n": 3}, master=True, **rid("X"))).body == DUPLICATE
    assert await _count(api, 3) == 1 and await _count(api, 4) == 1


async def test_an_unauthenticated_request_claims_no_request_id(api: Client) -> None:
    await _setup(api)
    alice = await _user(api, "alice")
    bad_session = await api.post("/classes/Item", {"n": 1}, session_token="r:not-a-session", **rid("Y"))
    assert bad_session.body["code"] == 209
    bad_key = await api.post("/classes/Item", {"n": 1}, headers={"X-Parse-Request-Id": "Y",
                                                                  "X-Parse-Master-Key": "wrong",
                                                                  "X-Parse-Application-Id": "wrong-app"})
    assert bad_key.status == 403
    stored = await api.get("/classes/_Idempotency", master=True)
    assert stored.body["results"] == []
    mine = await api.post("/classes/Item", {"n": 1}, session_token=alice, **rid("Y"))
    assert mine.status == 201, mine.body
    assert (await api.post("/classes/Item", {"n": 1}, session_token=alice, **rid("Y"))).body == DUPLICATE
    assert await _count(api, 1) == 1
