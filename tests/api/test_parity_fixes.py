"""Regressions for the differences the REST differential suite (tests/parity) found and fixed:
each asserts what Parse Server 9.10 answers."""

from __future__ import annotations

import pytest

from .conftest import Client

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(schema=None)]


def _pointer(class_name: str, object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


async def _create(api: Client, class_name: str, body: dict[str, object]) -> str:
    reply = await api.post(f"/classes/{class_name}", body, master=True)
    assert reply.status == 201, reply.body
    return str(reply.body["objectId"])


async def test_config_never_saved_has_no_master_key_only(api: Client) -> None:
    assert (await api.get("/config")).body == {"params": {}}
    assert (await api.put("/config", {"params": {"a": 1}}, master=True)).status == 200
    assert (await api.get("/config")).body == {"params": {"a": 1}, "masterKeyOnly": {"a": False}}


async def test_include_answers_only_the_dotted_keys_of_the_included_object(api: Client) -> None:
    author = await _create(api, "Author", {"name": "Ann", "country": "NO"})
    await _create(api, "Book", {"title": "B1", "author": _pointer("Author", author)})
    reply = await api.get("/classes/Book", params={"include": "author", "keys": "title,author.name"}, master=True)
    included = reply.body["results"][0]["author"]
    assert included["name"] == "Ann" and "country" not in included
    assert included["__type"] == "Object" and included["objectId"] == author
    whole = await api.get("/classes/Book", params={"include": "author", "keys": "title,author"}, master=True)
    assert whole.body["results"][0]["author"]["country"] == "NO"


async def test_in_query_and_not_in_query_on_a_relation(api: Client) -> None:
    fans = [await _create(api, "Fan", {"name": name}) for name in ("f1", "f2")]
    bands = [await _create(api, "Band", {"name": name}) for name in ("b1", "b2")]
    for band, fan in zip(bands, fans, strict=True):
        add = {"fans": {"__op": "AddRelation", "objects": [_pointer("Fan", fan)]}}
        assert (await api.put(f"/classes/Band/{band}", add, master=True)).status == 200
    sub = {"className": "Fan", "where": {"name": "f1"}}
    found = await api.get("/classes/Band", params={"where": {"fans": {"$inQuery": sub}}}, master=True)
    assert [b["name"] for b in found.body["results"]] == ["b1"]
    others = await api.get("/classes/Band", params={"where": {"fans": {"$notInQuery": sub}}}, master=True)
    assert [b["name"] for b in others.body["results"]] == ["b2"]
    bad = await api.get("/classes/Band", params={"where": {"fans": {"$inQuery": {"where": {}}}}}, master=True)
    assert bad.status == 400 and bad.body["code"] == 102


async def test_upgrade_to_revocable_session_gives_a_new_working_session(api: Client) -> None:
    signup = await api.post("/users", {"username": "up", "password": "pw-up-123"})
    token = signup.body["sessionToken"]
    upgraded = await api.post("/upgradeToRevocableSession", session_token=token)
    assert upgraded.status == 200, upgraded.body
    assert upgraded.body["createdWith"] == {"action": "upgrade"}
    assert upgraded.body["user"]["objectId"] == signup.body["objectId"]
    new_token = upgraded.body["sessionToken"]
    assert new_token != token
    for usable in (token, new_token):
        assert (await api.get("/users/me", session_token=usable)).body["username"] == "up"
    refused = await api.post("/upgradeToRevocableSession")
    assert refused.status == 404 and refused.body["code"] == 101
    # it cannot stretch a session: the new one ends when the one it came from does
    sessions = await api.get("/sessions", master=True, params={"where": {"sessionToken": {"$in": [token, new_token]}}})
    expiries = {row["sessionToken"]: row.get("expiresAt") for row in sessions.body["results"]}
    assert expiries[new_token] == expiries[token], expiries
