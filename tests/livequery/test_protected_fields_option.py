"""Live Query events hide what the `protectedFields` server option adds to a class's CLP, as REST
does (issue 14); the master key and the owner's own `_User` see everything."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import LiveEnv

pytestmark = pytest.mark.asyncio

OPEN = {op: {"*": True} for op in ("find", "count", "get", "create", "update", "delete", "addField")}


@pytest.fixture
def live_overrides() -> dict[str, Any]:
    return {"schema": None, "protectedFields": {"Secret": {"*": ["notes"]}},
            "liveQuery": {"classNames": ["Secret"], "keyPairs": {"javascriptKey": "js-key", "masterKey": "lq-master"}}}


async def test_option_protected_fields_are_stripped_from_events(env: LiveEnv) -> None:
    await env.make_class("Secret", {"text": {"type": "String"}, "notes": {"type": "String"}}, clp=OPEN)
    ann = await env.signup("ann")
    user = await env.socket(sessionToken=ann["sessionToken"], javascriptKey="js-key")
    master = await env.socket(masterKey="lq-master")
    assert (await user.subscribe(1, "Secret", {}))["op"] == "subscribed"
    assert (await master.subscribe(1, "Secret", {}))["op"] == "subscribed"
    created = await env.api.post("/classes/Secret", {"text": "t", "notes": "private"},
                                 session_token=ann["sessionToken"])
    assert created.status == 201, created.body
    event = await user.recv()
    assert event["op"] == "create" and event["object"]["text"] == "t" and "notes" not in event["object"], event
    assert (await master.recv())["object"]["notes"] == "private"
    # a subscription may not filter on it either (REST: 119)
    refused = await user.subscribe(2, "Secret", {"notes": "private"})
    assert refused["op"] == "error", refused
