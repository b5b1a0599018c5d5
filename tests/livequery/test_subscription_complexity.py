"""requestComplexity reaches Live Query subscriptions, as in Parse 9: over-deep `$or` nesting and,
with `allowRegex: false`, `$regex` are refused with 102 (the template ships the limits on)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import LiveEnv

pytestmark = pytest.mark.asyncio


def _nested_or(levels: int) -> dict[str, Any]:
    where: dict[str, Any] = {"name": "a"}
    for _ in range(levels):
        where = {"$or": [where, {"name": "b"}]}
    return where


@pytest.fixture
def live_overrides() -> dict[str, Any]:
    return {"requestComplexity": {"allowRegex": False}}


async def test_subscriptions_obey_query_depth_and_allow_regex(env: LiveEnv) -> None:
    await env.make_class("Room", {"name": {"type": "String"}})
    socket = await env.socket()
    assert (await socket.subscribe(1, "Room", _nested_or(10)))["op"] == "subscribed"
    reply = await socket.subscribe(2, "Room", _nested_or(11))
    assert reply["op"] == "error" and reply["code"] == 102, reply
    assert "nesting depth" in reply["error"]
    reply = await socket.subscribe(3, "Room", {"name": {"$regex": "^a"}})
    assert reply["op"] == "error" and reply["code"] == 102 and reply["error"] == "$regex operator is not allowed"
