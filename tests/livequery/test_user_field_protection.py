"""Live Query hides exactly the fields REST hides, `userField:` protectedFields entries included
(issue 10: Live Query had its own copy of the rules and ignored them)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import LiveEnv

pytestmark = pytest.mark.asyncio

FIELDS = {"text": {"type": "String"}, "notes": {"type": "String"},
          "patient": {"type": "Pointer", "targetClass": "_User"}}
OPEN = {op: {"*": True} for op in ("find", "count", "get", "create", "update", "delete", "addField")}


def pointer(user: dict[str, Any]) -> dict[str, str]:
    return {"__type": "Pointer", "className": "_User", "objectId": user["objectId"]}


async def test_user_field_protected_fields_are_stripped_from_events(env: LiveEnv) -> None:
    # the patient a chart points to must not see the clinician's notes; everyone else may
    await env.make_class("Secret", FIELDS, clp={**OPEN, "protectedFields": {"userField:patient": ["notes"]}})
    patient, clinician = await env.signup("patient"), await env.signup("clinician")
    p = await env.socket(sessionToken=patient["sessionToken"])
    c = await env.socket(sessionToken=clinician["sessionToken"])
    assert (await p.subscribe(1, "Secret", {}))["op"] == "subscribed"
    assert (await c.subscribe(1, "Secret", {}))["op"] == "subscribed"
    body = {"text": "t", "notes": "suspect relapse", "patient": pointer(patient)}
    created = await env.api.post("/classes/Secret", body, session_token=clinician["sessionToken"])
    assert created.status == 201, created.body
    event = await p.recv()
    assert event["op"] == "create" and event["object"]["text"] == "t" and "notes" not in event["object"], event
    assert (await c.recv())["object"]["notes"] == "suspect relapse"
    await env.api.put(f"/classes/Secret/{created.body['objectId']}", {"text": "t2", "notes": "confirmed"},
                      session_token=clinician["sessionToken"])
    event = await p.recv()
    assert event["op"] == "update" and "notes" not in event["object"] and "notes" not in event["original"], event
    # REST agrees
    got = await env.api.get(f"/classes/Secret/{created.body['objectId']}", session_token=patient["sessionToken"])
    assert "notes" not in got.body


async def test_user_field_entries_exempt_the_owner_in_events_as_in_rest(env: LiveEnv) -> None:
    await env.make_class("Secret", FIELDS,
                         clp={**OPEN, "protectedFields": {"*": ["notes"], "userField:patient": []}})
    patient, other = await env.signup("patient2"), await env.signup("other2")
    p = await env.socket(sessionToken=patient["sessionToken"])
    o = await env.socket(sessionToken=other["sessionToken"])
    await p.subscribe(1, "Secret", {})
    await o.subscribe(1, "Secret", {})
    await env.api.post("/classes/Secret", {"text": "t", "notes": "own notes", "patient": pointer(patient)},
                       master=True)
    assert (await p.recv())["object"]["notes"] == "own notes"
    assert "notes" not in (await o.recv())["object"]
