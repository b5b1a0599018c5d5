"""Objects API scenarios over HTTP: statuses, bodies, ops, queries, errors."""

from __future__ import annotations

import pytest

from .conftest import Client

pytestmark = pytest.mark.asyncio


async def make_class(api: Client, name: str, fields: dict | None = None) -> None:
    reply = await api.post(f"/schemas/{name}", {"className": name, "fields": fields or {}}, master=True)
    assert reply.status == 200, reply.body


async def test_create_returns_201_location_and_get_roundtrips(api: Client) -> None:
    await make_class(api, "Thing")
    when = {"__type": "Date", "iso": "2020-01-01T00:00:00Z"}
    reply = await api.post("/classes/Thing", {"name": "a", "n": 1, "when": when})
    assert reply.status == 201
    assert set(reply.body) == {"objectId", "createdAt"}
    assert reply.headers["Location"].endswith(f"/classes/Thing/{reply.body['objectId']}")
    got = await api.get(f"/classes/Thing/{reply.body['objectId']}")
    assert got.status == 200
    assert got.body["name"] == "a" and got.body["n"] == 1
    assert got.body["when"] == {"__type": "Date", "iso": "2020-01-01T00:00:00.000Z"}
    assert got.body["createdAt"] == reply.body["createdAt"]


async def test_update_echoes_op_results_only(api: Client) -> None:
    await make_class(api, "Thing")
    oid = (await api.post("/classes/Thing", {"n": 5, "arr": ["a"]})).body["objectId"]
    reply = await api.put(f"/classes/Thing/{oid}", {"n": {"__op": "Increment", "amount": 1},
                                                    "arr": {"__op": "Add", "objects": ["b"]}, "s": "x"})
    assert reply.status == 200
    assert reply.body["n"] == 6 and reply.body["arr"] == ["a", "b"]
    assert "s" not in reply.body and "updatedAt" in reply.body


async def test_unknown_class_for_client_is_119(api: Client) -> None:
    reply = await api.post("/classes/Nope", {"a": 1})
    assert reply.status == 400 and reply.body["code"] == 119
    reply = await api.get("/classes/Nope")
    assert reply.body["code"] == 119


async def test_type_mismatch_is_111_and_nothing_written(api: Client) -> None:
    await make_class(api, "Thing", {"n": {"type": "Number"}})
    reply = await api.post("/classes/Thing", {"n": "one"})
    assert reply.status == 400 and reply.body["code"] == 111
    assert (await api.get("/classes/Thing", params={"count": 1, "limit": 0})).body["count"] == 0


async def test_bad_app_id_is_403_unauthorized(api: Client) -> None:
    reply = await api.get("/classes/Thing", app_id="wrong")
    assert reply.status == 403 and reply.body == {"error": "unauthorized"}


async def test_query_operators_order_limit_count(api: Client) -> None:
    await make_class(api, "Thing")
    for i in range(5):
        await api.post("/classes/Thing", {"n": i, "tag": "even" if i % 2 == 0 else "odd"})
    reply = await api.get("/classes/Thing", params={"where": {"n": {"$gte": 1}, "tag": "even"}, "order": "-n",
                                                   "count": 1})
    assert [r["n"] for r in reply.body["results"]] == [4, 2]
    assert reply.body["count"] == 2
    reply = await api.get("/classes/Thing", params={"order": "n", "limit": 2, "skip": 1})
    assert [r["n"] for r in reply.body["results"]] == [1, 2]


async def test_malformed_json_and_unknown_operator(api: Client) -> None:
    await make_class(api, "Thing")
    reply = await api.post("/classes/Thing", raw=b"{not json", headers={"Content-Type": "application/json"})
    assert reply.status == 400 and reply.body["code"] == 107
    reply = await api.get("/classes/Thing", params={"where": {"n": {"$where": "1"}}})
    assert reply.status == 400 and reply.body["code"] == 107


async def test_js_sdk_envelope(api: Client) -> None:
    await make_class(api, "Thing")
    envelope = {"_method": "POST", "_ApplicationId": "test-app", "name": "via-envelope"}
    import json

    reply = await api.request("POST", "/classes/Thing", raw=json.dumps(envelope), app_id=None,
                              headers={"Content-Type": "text/plain"})
    assert reply.status == 201, reply.body
    query = {"_method": "GET", "_ApplicationId": "test-app", "where": {"name": "via-envelope"}}
    reply = await api.request("POST", "/classes/Thing", raw=json.dumps(query), app_id=None,
                              headers={"Content-Type": "text/plain"})
    assert reply.status == 200 and len(reply.body["results"]) == 1
