"""REST features over HTTP on every adapter: batch, schemas, config, serverInfo, purge, include,
keys/excludeKeys, sub-queries, relations, idempotency, CORS, kill -9 durability is in its own test."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Client

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(schema=None)]


def ptr(class_name: str, object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


async def make(api: Client, class_name: str, body: dict[str, Any]) -> str:
    reply = await api.post(f"/classes/{class_name}", body, master=True)
    assert reply.status == 201, reply.body
    return str(reply.body["objectId"])


async def test_batch_mixed_results_in_order(api: Client) -> None:
    oid = await make(api, "Item", {"n": 1})
    reply = await api.post("/batch", {"requests": [
        {"method": "POST", "path": "/parse/classes/Item", "body": {"n": 2}},
        {"method": "PUT", "path": f"/parse/classes/Item/{oid}", "body": {"n": {"__op": "Increment", "amount": 5}}},
        {"method": "DELETE", "path": "/parse/classes/Item/doesnotexist"},
        {"method": "GET", "path": "/parse/classes/Item", "body": {"where": {"n": 6}}},
    ]}, master=True)
    assert reply.status == 200
    assert set(reply.body[0]["success"]) == {"objectId", "createdAt"}
    assert reply.body[1]["success"]["n"] == 6
    assert reply.body[2]["error"]["code"] == 101


async def test_transactional_batch_rolls_back(api: Client) -> None:
    await make(api, "Item", {"n": 1})
    reply = await api.post("/batch", {"transaction": True, "requests": [
        {"method": "POST", "path": "/parse/classes/Item", "body": {"n": 100}},
        {"method": "POST", "path": "/parse/classes/Item", "body": {"n": "not a number"}},
    ]}, master=True)
    count = await api.get("/classes/Item", params={"where": {"n": 100}, "count": 1, "limit": 0}, master=True)
    assert count.body["count"] == 0
    assert reply.status == 400
    # a store with transactions reports the failing item; one without refuses the batch up front
    expected = 111 if api.adapter_capabilities.transactions else 108
    assert reply.body["code"] == expected


async def test_schema_api_roundtrip(api: Client) -> None:
    created = await api.post("/schemas", {"className": "City", "fields": {
        "name": {"type": "String", "required": True}, "pop": {"type": "Number", "defaultValue": 0},
        "mayor": {"type": "Pointer", "targetClass": "_User"}}}, master=True)
    assert created.status == 200 and created.body["fields"]["pop"] == {"type": "Number", "defaultValue": 0}
    assert (await api.post("/schemas/City", {}, master=True)).body["code"] == 103
    obj = await api.post("/classes/City", {"name": "Oslo"}, master=True)
    assert obj.body["pop"] == 0
    assert (await api.post("/classes/City", {"pop": 1}, master=True)).body == {"code": 142,
                                                                              "error": "name is required"}
    updated = await api.put("/schemas/City", {"fields": {"pop": {"__op": "Delete"}, "area": {"type": "Number"}}},
                            master=True)
    assert "pop" not in updated.body["fields"] and updated.body["fields"]["area"]["type"] == "Number"
    refused = await api.delete("/schemas/City", master=True)
    assert refused.body["code"] == 255
    assert (await api.delete("/purge/City", master=True)).body == {}
    assert (await api.delete("/schemas/City", master=True)).body == {}
    assert (await api.get("/schemas/City", master=True)).body["code"] == 103


async def test_config_and_server_info(api: Client) -> None:
    assert (await api.get("/config")).body == {"params": {}}  # Parse: no masterKeyOnly before a first save
    put = await api.put("/config", {"params": {"color": "blue", "secret": 1}, "masterKeyOnly": {"secret": True}},
                        master=True)
    assert put.body == {"result": True}
    assert (await api.get("/config")).body == {"params": {"color": "blue"}, "masterKeyOnly": {"color": False}}
    master_view = (await api.get("/config", master=True)).body
    assert master_view["params"] == {"color": "blue", "secret": 1}
    assert master_view["masterKeyOnly"] == {"color": False, "secret": True}
    assert (await api.put("/config", {"params": {"x": 1}})).status == 403
    info = await api.get("/serverInfo", master=True)
    assert info.body["parseServerVersion"].startswith("9.")


async def test_include_keys_and_exclude_keys(api: Client) -> None:
    author = await make(api, "Author", {"name": "Ann", "age": 40})
    await make(api, "Book", {"title": "T", "pages": 100, "author": ptr("Author", author)})
    reply = await api.get("/classes/Book", params={"include": "author", "keys": "title,author"}, master=True)
    book = reply.body["results"][0]
    assert set(book) >= {"objectId", "createdAt", "updatedAt", "title", "author"} and "pages" not in book
    assert book["author"]["__type"] == "Object" and book["author"]["name"] == "Ann"
    reply = await api.get("/classes/Book", params={"excludeKeys": "pages"}, master=True)
    assert "pages" not in reply.body["results"][0] and reply.body["results"][0]["title"] == "T"


async def test_unreadable_included_pointer_is_removed(api: Client) -> None:
    user = await api.post("/users", {"username": "u1", "password": "p1"})
    secret = await make(api, "Author", {"name": "Hidden", "ACL": {}})
    await make(api, "Book", {"title": "T", "author": ptr("Author", secret)})
    reply = await api.get("/classes/Book", params={"include": "author"}, session_token=user.body["sessionToken"])
    assert "author" not in reply.body["results"][0]


async def test_subqueries(api: Client) -> None:
    a1 = await make(api, "Author", {"name": "Ann", "country": "NO"})
    a2 = await make(api, "Author", {"name": "Bo", "country": "SE"})
    await make(api, "Book", {"title": "B1", "author": ptr("Author", a1), "country": "NO"})
    await make(api, "Book", {"title": "B2", "author": ptr("Author", a2), "country": "DK"})
    in_query = {"author": {"$inQuery": {"className": "Author", "where": {"country": "NO"}}}}
    reply = await api.get("/classes/Book", params={"where": in_query}, master=True)
    assert [b["title"] for b in reply.body["results"]] == ["B1"]
    not_in = {"author": {"$notInQuery": {"className": "Author", "where": {"country": "NO"}}}}
    reply = await api.get("/classes/Book", params={"where": not_in}, master=True)
    assert [b["title"] for b in reply.body["results"]] == ["B2"]
    select = {"country": {"$select": {"query": {"className": "Author", "where": {}}, "key": "country"}}}
    reply = await api.get("/classes/Book", params={"where": select}, master=True)
    assert [b["title"] for b in reply.body["results"]] == ["B1"]
    dont = {"country": {"$dontSelect": {"query": {"className": "Author", "where": {}}, "key": "country"}}}
    reply = await api.get("/classes/Book", params={"where": dont}, master=True)
    assert [b["title"] for b in reply.body["results"]] == ["B2"]


async def test_relations_and_related_to(api: Client) -> None:
    fans = [await make(api, "Fan", {"name": n}) for n in ("f1", "f2", "f3")]
    band = await make(api, "Band", {"name": "b"})
    add = {"fans": {"__op": "AddRelation", "objects": [ptr("Fan", f) for f in fans]}}
    assert (await api.put(f"/classes/Band/{band}", add, master=True)).status == 200
    remove = {"fans": {"__op": "RemoveRelation", "objects": [ptr("Fan", fans[0])]}}
    assert (await api.put(f"/classes/Band/{band}", remove, master=True)).status == 200
    got = await api.get(f"/classes/Band/{band}", master=True)
    assert got.body["fans"] == {"__type": "Relation", "className": "Fan"}
    related = {"$relatedTo": {"object": ptr("Band", band), "key": "fans"}}
    reply = await api.get("/classes/Fan", params={"where": related, "order": "name"}, master=True)
    assert [f["name"] for f in reply.body["results"]] == ["f2", "f3"]
    by_member = await api.get("/classes/Band", params={"where": {"fans": ptr("Fan", fans[1])}}, master=True)
    assert [b["objectId"] for b in by_member.body["results"]] == [band]


@pytest.mark.settings(schema=None, idempotencyOptions={"paths": [".*"], "ttl": 300})
async def test_idempotent_retry_is_not_written_twice(api: Client) -> None:
    await make(api, "Item", {"n": 0})
    headers = {"X-Parse-Request-Id": "req-123"}
    first = await api.post("/classes/Item", {"n": 1}, master=True, headers=headers)
    again = await api.post("/classes/Item", {"n": 1}, master=True, headers=headers)
    assert first.status == 201 and again.body == {"code": 159, "error": "Duplicate request"}
    count = await api.get("/classes/Item", params={"where": {"n": 1}, "count": 1, "limit": 0}, master=True)
    assert count.body["count"] == 1


async def test_cors_preflight_and_headers(api: Client) -> None:
    reply = await api.request("OPTIONS", "/classes/Item", app_id=None)
    assert reply.status == 200 and reply.body == "OK"
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Parse-Session-Token" in reply.headers["Access-Control-Allow-Headers"]


async def test_health_needs_no_app_id(api: Client) -> None:
    reply = await api.request("GET", "/health", app_id=None)
    assert reply.status == 200 and reply.body == {"status": "ok"}


async def test_protected_fields_with_user_field_owner_and_role(api: Client) -> None:
    owner = await api.post("/users", {"username": "own", "password": "pw-own"})
    other = await api.post("/users", {"username": "oth", "password": "pw-oth"})
    clp = {"find": {"*": True}, "get": {"*": True}, "count": {"*": True}, "create": {"*": True},
           "update": {"*": True}, "delete": {"*": True}, "addField": {},
           "protectedFields": {"*": ["phone", "notes"], "userField:owner": ["notes"]}}
    fields = {"phone": {"type": "String"}, "notes": {"type": "String"}, "name": {"type": "String"},
              "owner": {"type": "Pointer", "targetClass": "_User"}}
    schema = await api.post("/schemas/Card", {"fields": fields, "classLevelPermissions": clp}, master=True)
    assert schema.status == 200
    await make(api, "Card", {"name": "c", "phone": "555", "notes": "n",
                             "owner": ptr("_User", owner.body["objectId"])})
    mine = await api.get("/classes/Card", session_token=owner.body["sessionToken"])
    assert mine.body["results"][0]["phone"] == "555" and "notes" not in mine.body["results"][0]
    theirs = await api.get("/classes/Card", session_token=other.body["sessionToken"])
    assert "phone" not in theirs.body["results"][0] and "notes" not in theirs.body["results"][0]
    leak = await api.get("/classes/Card", params={"where": {"phone": "555"}},
                         session_token=other.body["sessionToken"])
    assert leak.status == 400 and leak.body["code"] == 119
    assert (await api.get("/classes/Card", master=True)).body["results"][0]["notes"] == "n"


async def test_text_search_or_a_clear_error(api: Client) -> None:
    await make(api, "Note", {"body": "Crème brûlée after the Crown fitting"})
    await make(api, "Note", {"body": "routine cleaning"})
    where = {"body": {"$text": {"$search": {"$term": "creme crown"}}}}
    reply = await api.get("/classes/Note", params={"where": where}, master=True)
    if api.adapter_capabilities.text_search:
        assert [n["body"] for n in reply.body["results"]] == ["Crème brûlée after the Crown fitting"]
        negated = {"body": {"$text": {"$search": {"$term": "crown -brulee"}}}}
        assert (await api.get("/classes/Note", params={"where": negated}, master=True)).body["results"] == []
    else:
        assert reply.status == 400 and reply.body["code"] in (102, 107)


async def test_geo_queries_or_a_clear_error(api: Client) -> None:
    await make(api, "Place", {"name": "near", "loc": {"__type": "GeoPoint", "latitude": 59.91, "longitude": 10.75}})
    await make(api, "Place", {"name": "far", "loc": {"__type": "GeoPoint", "latitude": 40.7, "longitude": -74.0}})
    oslo = {"__type": "GeoPoint", "latitude": 59.9, "longitude": 10.7}
    where = {"loc": {"$nearSphere": oslo, "$maxDistanceInKilometers": 100}}
    reply = await api.get("/classes/Place", params={"where": where}, master=True)
    if api.adapter_capabilities.geo:
        assert [p["name"] for p in reply.body["results"]] == ["near"]
    else:
        assert reply.status == 400 and reply.body["code"] == 102


async def test_aggregate_distinct_and_group(api: Client) -> None:
    for n, city in enumerate(["Oslo", "Bergen", "Oslo", "Oslo"]):
        await make(api, "Visit", {"city": city, "cost": 10 * (n + 1)})
    distinct = await api.get("/aggregate/Visit", params={"distinct": "city", "where": {"cost": {"$gt": 10}}},
                             master=True)
    assert sorted(distinct.body["results"]) == ["Bergen", "Oslo"]
    pipeline = [{"$match": {"cost": {"$gte": 20}}},
                {"$group": {"_id": "$city", "total": {"$sum": "$cost"}, "top": {"$max": "$cost"}}},
                {"$sort": {"total": -1}}]
    grouped = await api.get("/aggregate/Visit", params={"pipeline": pipeline}, master=True)
    assert grouped.body["results"] == [{"objectId": "Oslo", "total": 70, "top": 40},
                                       {"objectId": "Bergen", "total": 20, "top": 20}]
    bad = await api.get("/aggregate/Visit", params={"pipeline": [{"group": {}}]}, master=True)
    assert bad.status == 400 and bad.body["code"] == 102
    assert (await api.get("/aggregate/Visit", params={"distinct": "city"})).status == 403


async def test_parity_fixes_found_against_parse_server(api: Client) -> None:
    """Behaviours observed on Parse Server 9.10 that clients rely on."""
    fields = {"name": {"type": "String"}, "obj": {"type": "Object"}, "area": {"type": "Polygon"}}
    assert (await api.post("/schemas/Par", {"fields": fields}, master=True)).status == 200
    # re-declaring a field with its own type is a no-op; another type is still refused
    same = await api.put("/schemas/Par", {"fields": {"name": {"type": "String"}}}, master=True)
    assert same.status == 200 and same.body["fields"]["name"] == {"type": "String"}
    assert (await api.put("/schemas/Par", {"fields": {"name": {"type": "Number"}}}, master=True)).body["code"] == 255
    # polygons come back as a closed ring
    square = [[0, 0], [0, 1], [1, 1], [1, 0]]
    oid = await make(api, "Par", {"obj": {"a": 5}, "area": {"__type": "Polygon", "coordinates": square}})
    got = await api.get(f"/classes/Par/{oid}", master=True)
    assert got.body["area"]["coordinates"] == [*square, [0, 0]]
    # an op on a dotted key is echoed nested
    reply = await api.put(f"/classes/Par/{oid}", {"obj.a": {"__op": "Increment", "amount": 1}}, master=True)
    assert reply.body["obj"] == {"a": 6} and "obj.a" not in reply.body
    # $relativeTime only with comparisons; $exists takes any truthy value
    bad = await api.get("/classes/Par", params={"where": {"createdAt": {"$eq": {"$relativeTime": "1 day ago"}}}},
                        master=True)
    assert bad.status == 400 and bad.body["code"] == 107
    truthy = await api.get("/classes/Par", params={"where": {"obj": {"$exists": "yes"}}}, master=True)
    assert len(truthy.body["results"]) == 1
    # one unroutable item, or an item without a method, refuses the whole batch
    for item in ({"method": "GET", "path": "/parse/nowhere"}, {"path": "/parse/classes/Par"}):
        batch = await api.post("/batch", {"requests": [
            {"method": "POST", "path": "/parse/classes/Par", "body": {"name": "x"}}, item]}, master=True)
        assert batch.status == 400 and batch.body["code"] == 107
    count = await api.get("/classes/Par", params={"where": {"name": "x"}, "count": 1, "limit": 0}, master=True)
    assert count.body["count"] == 0


async def test_fields_parse_refuses_in_a_body(api: Client) -> None:
    oid = await make(api, "Body", {"z": 0})
    when = {"__type": "Date", "iso": "2020-01-01T00:00:00.000Z"}
    assert (await api.post("/classes/Body", {"createdAt": "2020-01-01T00:00:00.000Z"}, master=True)
            ).body["code"] == 111
    assert (await api.put(f"/classes/Body/{oid}", {"updatedAt": 5, "z": 1}, master=True)).body["code"] == 111
    assert (await api.put(f"/classes/Body/{oid}", {"className": "Body", "z": 2}, master=True)).body["code"] == 105
    assert (await api.post("/classes/Body", {"__type": "Object", "z": 3}, master=True)).body["code"] == 105
    ignored = await api.put(f"/classes/Body/{oid}", {"createdAt": when, "z": 4}, master=True)
    assert ignored.status == 200
    got = await api.get(f"/classes/Body/{oid}", master=True)
    assert got.body["z"] == 4 and got.body["createdAt"] != "2020-01-01T00:00:00.000Z"
