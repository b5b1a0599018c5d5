"""The storage contract: what every adapter behind base.StorageAdapter must do.

Runs against every adapter of the ``adapter`` fixture (conftest.py). A test that needs an
optional feature skips by ``adapter.capabilities``, never by adapter name. Documents,
queries and updates are written in base.py's vocabulary only.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from parse_compat.errors import DuplicateValue
from parse_compat.storage.base import ClassSchema, Document, FindOptions

DEFAULT_FIELDS: dict[str, dict[str, Any]] = {
    "objectId": {"type": "String"},
    "createdAt": {"type": "Date"},
    "updatedAt": {"type": "Date"},
    "ACL": {"type": "ACL"},
}
T0 = "2024-01-01T00:00:00.000Z"


def make_schema(name: str, fields: dict[str, dict[str, Any]], **kwargs: Any) -> ClassSchema:
    return ClassSchema(class_name=name, fields={**DEFAULT_FIELDS, **fields}, **kwargs)


def new_id() -> str:
    return uuid.uuid4().hex[:10]


def date(iso: str) -> dict[str, str]:
    return {"__type": "Date", "iso": iso}


def ptr(class_name: str, object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


def geo(lat: float, lng: float) -> dict[str, Any]:
    return {"__type": "GeoPoint", "latitude": lat, "longitude": lng}


def obj(object_id: str | None = None, created: str = T0, **fields: Any) -> Document:
    return {"objectId": object_id or new_id(), "createdAt": created, "updatedAt": created, **fields}


ITEM = make_schema("Item", {
    "title": {"type": "String"},
    "n": {"type": "Number"},
    "flag": {"type": "Boolean"},
    "when": {"type": "Date"},
    "post": {"type": "Pointer", "targetClass": "Post"},
    "photo": {"type": "File"},
    "loc": {"type": "GeoPoint"},
    "area": {"type": "Polygon"},
    "raw": {"type": "Bytes"},
    "meta": {"type": "Object"},
    "tags": {"type": "Array"},
    "posts": {"type": "Array"},
    "likes": {"type": "Relation", "targetClass": "Post"},
    "code": {"type": "String"},
    "nothing": {"type": "String"},
})
USER = make_schema("_User", {
    "username": {"type": "String"},
    "password": {"type": "String"},
    "email": {"type": "String"},
    "emailVerified": {"type": "Boolean"},
    "authData": {"type": "Object"},
})
SESSION = make_schema("_Session", {
    "user": {"type": "Pointer", "targetClass": "_User"},
    "installationId": {"type": "String"},
    "sessionToken": {"type": "String"},
    "expiresAt": {"type": "Date"},
    "createdWith": {"type": "Object"},
})


def as_stored(adapter: Any, doc: Document) -> Document:
    """``doc`` as the adapter reads it back: without its null fields where the store cannot tell
    a null from a missing field (``capabilities.null_values``)."""
    if adapter.capabilities.null_values:
        return doc
    return {key: value for key, value in doc.items() if value is not None}


async def ready(adapter: Any, schema: ClassSchema = ITEM) -> ClassSchema:
    await adapter.save_schema(schema)
    return schema


async def ids(adapter: Any, where: dict[str, Any], schema: ClassSchema = ITEM, **options: Any) -> list[str]:
    return [doc["objectId"] for doc in await adapter.find(schema, where, FindOptions(**options))]


async def id_set(adapter: Any, where: dict[str, Any], schema: ClassSchema = ITEM) -> set[str]:
    return set(await ids(adapter, where, schema))


async def get(adapter: Any, object_id: str, schema: ClassSchema = ITEM) -> Document | None:
    found = await adapter.find(schema, {"objectId": object_id}, FindOptions())
    return found[0] if found else None


# --- schemas -------------------------------------------------------------------------------

async def test_schema_round_trip(adapter: Any) -> None:
    city = make_schema(
        "City",
        {
            "name": {"type": "String", "required": True},
            "pop": {"type": "Number", "defaultValue": 0},
            "mayor": {"type": "Pointer", "targetClass": "_User"},
            "parts": {"type": "Relation", "targetClass": "District"},
            "tags": {"type": "Array"}, "meta": {"type": "Object"}, "loc": {"type": "GeoPoint"},
            "photo": {"type": "File"}, "raw": {"type": "Bytes"}, "area": {"type": "Polygon"},
            "ok": {"type": "Boolean"}, "founded": {"type": "Date"},
        },
        class_level_permissions={"find": {"requiresAuthentication": True}, "get": {"*": True},
                                 "count": {"*": True}, "create": {"*": True}, "update": {"role:Admin": True},
                                 "delete": {}, "addField": {}, "protectedFields": {"*": ["pop"]}},
        indexes={"name_idx": {"name": 1}, "pop_name": {"pop": -1, "name": 1}},
    )
    await adapter.save_schema(city)
    loaded = {schema.class_name: schema for schema in await adapter.load_schemas()}["City"]
    assert loaded.fields == city.fields
    assert loaded.class_level_permissions == city.class_level_permissions
    assert loaded.indexes == city.indexes
    assert list(loaded.indexes["pop_name"].items()) == [("pop", -1), ("name", 1)]

    changed = make_schema(
        "City", {**{k: v for k, v in city.fields.items() if k not in DEFAULT_FIELDS}, "motto": {"type": "String"}},
        class_level_permissions={"find": {"*": True}}, indexes={"pop_name": {"pop": -1, "name": 1}},
    )
    await adapter.save_schema(changed)
    loaded = {schema.class_name: schema for schema in await adapter.load_schemas()}["City"]
    assert loaded.fields == changed.fields
    assert loaded.class_level_permissions == {"find": {"*": True}}
    assert loaded.indexes == {"pop_name": {"pop": -1, "name": 1}}


async def test_schema_without_clp_or_indexes(adapter: Any) -> None:
    plain = make_schema("Plain", {"a": {"type": "String"}})
    await adapter.save_schema(plain)
    loaded = {schema.class_name: schema for schema in await adapter.load_schemas()}["Plain"]
    assert loaded.fields == plain.fields
    assert loaded.class_level_permissions is None
    assert loaded.indexes == {}


async def test_delete_class_drops_data_relations_and_schema(adapter: Any) -> None:
    await ready(adapter)
    doc = obj(title="x")
    await adapter.insert(ITEM, doc)
    await adapter.add_relations("Item", "likes", doc["objectId"], ["p1"])
    await adapter.delete_class("Item")
    assert "Item" not in {schema.class_name for schema in await adapter.load_schemas()}
    await ready(adapter)
    assert await ids(adapter, {}) == []
    assert await adapter.related_ids("Item", "likes", [doc["objectId"]]) == []


async def test_delete_field(adapter: Any) -> None:
    await ready(adapter)
    doc = obj(title="x", n=1, post=ptr("Post", "p1"))
    await adapter.insert(ITEM, doc)
    await adapter.add_relations("Item", "likes", doc["objectId"], ["p1"])
    await adapter.delete_field(ITEM, "title")
    await adapter.delete_field(ITEM, "post")
    await adapter.delete_field(ITEM, "likes")
    found = await get(adapter, doc["objectId"])
    assert found is not None
    assert "title" not in found and "post" not in found
    assert found["n"] == 1
    assert await adapter.related_ids("Item", "likes", [doc["objectId"]]) == []


# --- objects -------------------------------------------------------------------------------

async def test_insert_find_count(adapter: Any) -> None:
    await ready(adapter)
    docs = [obj(title=f"t{i}", n=i) for i in range(5)]
    for doc in docs:
        await adapter.insert(ITEM, doc)
    assert await get(adapter, docs[2]["objectId"]) == docs[2]
    assert await id_set(adapter, {}) == {doc["objectId"] for doc in docs}
    assert await adapter.count(ITEM, {}) == 5
    assert await adapter.count(ITEM, {"n": {"$gte": 3}}) == 2
    assert await adapter.count(ITEM, {"n": {"$gte": 3}, "title": "t4"}) == 1


async def test_every_type_round_trips(adapter: Any) -> None:
    await ready(adapter)
    polygon = {"__type": "Polygon", "coordinates": [[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]}
    doc = obj(
        created="2024-03-04T05:06:07.089Z",
        title="hello", n=1.5, flag=False, nothing=None,
        when=date("2020-01-02T03:04:05.678Z"),
        post=ptr("Post", "p1"),
        photo={"__type": "File", "name": "f4e9_hello.txt"},
        loc=geo(10, 20),
        area=polygon,
        raw={"__type": "Bytes", "base64": "aGVsbG8="},
        meta={"when": date("2021-05-06T07:08:09.010Z"), "level": 2, "deep": {"list": [1, "a", None]},
              "p": ptr("Post", "p2"), "bytes": {"__type": "Bytes", "base64": "AAE="}},
        tags=["a", 1, True, {"k": "v"}],
        posts=[ptr("Post", "p1"), ptr("Post", "p2")],
        _rperm=["*", "u1"], _wperm=["u1"],
    )
    await adapter.insert(ITEM, doc)
    assert await get(adapter, doc["objectId"]) == as_stored(adapter, doc)


async def test_internal_fields_round_trip(adapter: Any) -> None:
    await ready(adapter, USER)
    await ready(adapter, SESSION)
    user = obj(username="alice", email="alice@example.com", emailVerified=False,
               _hashed_password="$2b$10$abcdefghijklmnopqrstuv", _email_verify_token="tok",
               _email_verify_token_expires_at=date("2030-01-01T00:00:00.000Z"), _failed_login_count=2,
               _password_history=["h1", "h2"], authData={"anonymous": {"id": "1111"}},
               _rperm=["u"], _wperm=["u"])
    await adapter.insert(USER, user)
    assert await get(adapter, user["objectId"], USER) == user
    assert await ids(adapter, {"authData.anonymous.id": "1111"}, USER) == [user["objectId"]]
    session = obj(user=ptr("_User", user["objectId"]), sessionToken="r:abc", installationId="i1",
                  expiresAt=date("2030-01-01T00:00:00.000Z"), createdWith={"action": "login"})
    await adapter.insert(SESSION, session)
    assert await get(adapter, session["objectId"], SESSION) == session
    assert await ids(adapter, {"sessionToken": "r:abc"}, SESSION) == [session["objectId"]]
    assert await ids(adapter, {"user": ptr("_User", user["objectId"])}, SESSION) == [session["objectId"]]


# --- queries -------------------------------------------------------------------------------

async def test_query_operators(adapter: Any) -> None:
    await ready(adapter)
    a = obj(title="a.b", n=1, flag=True, when=date("2020-01-01T00:00:00.000Z"), post=ptr("Post", "p1"),
            tags=["alpha", "beta"], posts=[ptr("Post", "p1")], meta={"level": 1, "name": "x"})
    b = obj(title="ABX", n=2, flag=False, when=date("2021-01-01T00:00:00.000Z"), post=ptr("Post", "p2"),
            tags=["beta"], posts=[ptr("Post", "p2")], meta={"level": 2, "name": "y"},
            photo={"__type": "File", "name": "b.txt"})
    c = obj(title="c", n=3, tags=[], meta={"level": 3})
    for doc in (a, b, c):
        await adapter.insert(ITEM, doc)
    A, B, C = a["objectId"], b["objectId"], c["objectId"]

    assert await id_set(adapter, {"n": {"$lt": 2}}) == {A}
    assert await id_set(adapter, {"n": {"$lte": 2}}) == {A, B}
    assert await id_set(adapter, {"n": {"$gt": 1, "$lt": 3}}) == {B}
    assert await id_set(adapter, {"n": {"$ne": 2}}) == {A, C}
    assert await id_set(adapter, {"n": {"$eq": 2}}) == {B}
    assert await id_set(adapter, {"n": {"$in": [1, 3]}}) == {A, C}
    assert await id_set(adapter, {"n": {"$nin": [1, 3]}}) == {B}
    assert await id_set(adapter, {"flag": True}) == {A}
    assert await id_set(adapter, {"objectId": {"$in": [A, B]}}) == {A, B}
    # pointers
    assert await id_set(adapter, {"post": ptr("Post", "p1")}) == {A}
    assert await id_set(adapter, {"post": {"$in": [ptr("Post", "p1"), ptr("Post", "p2")]}}) == {A, B}
    assert await id_set(adapter, {"post": {"$nin": [ptr("Post", "p1")]}}) == {B, C}
    assert await id_set(adapter, {"post": {"$ne": ptr("Post", "p1")}}) == {B, C}
    assert await id_set(adapter, {"post": {"$exists": True}}) == {A, B}
    assert await id_set(adapter, {"post": {"$exists": False}}) == {C}
    assert await id_set(adapter, {"photo": {"$exists": True}}) == {B}
    # dates, by instant
    assert await id_set(adapter, {"when": date("2020-01-01T00:00:00.000Z")}) == {A}
    assert await id_set(adapter, {"when": {"$gt": date("2020-06-01T00:00:00.000Z")}}) == {B}
    assert await id_set(adapter, {"createdAt": {"$lte": date(T0)}}) == {A, B, C}
    assert await id_set(adapter, {"createdAt": {"$gt": date(T0)}}) == set()
    # arrays: equality = contains
    assert await id_set(adapter, {"tags": "beta"}) == {A, B}
    assert await id_set(adapter, {"tags": {"$all": ["alpha", "beta"]}}) == {A}
    assert await id_set(adapter, {"tags": {"$in": ["alpha", "zzz"]}}) == {A}
    assert await id_set(adapter, {"tags": {"$containedBy": ["beta", "gamma"]}}) == {B, C}
    assert await id_set(adapter, {"posts": ptr("Post", "p2")}) == {B}
    assert await id_set(adapter, {"tags": {"$all": [{"$regex": "^\\Qal\\E"}, {"$regex": "^\\Qbe\\E"}]}}) == {A}
    # regex, with the SDK's \Q…\E quoting
    assert await id_set(adapter, {"title": {"$regex": "^\\Qa.b\\E"}}) == {A}
    assert await id_set(adapter, {"title": {"$regex": "^\\Qa.\\E"}}) == {A}
    assert await id_set(adapter, {"title": {"$regex": "^a.b$"}}) == {A}
    assert await id_set(adapter, {"title": {"$regex": "^ab", "$options": "i"}}) == {B}
    assert await id_set(adapter, {"title": {"$regex": "^ab"}}) == set()
    # dotted keys into objects
    assert await id_set(adapter, {"meta.level": 2}) == {B}
    assert await id_set(adapter, {"meta.level": {"$gte": 2}}) == {B, C}
    assert await id_set(adapter, {"meta.name": {"$exists": False}}) == {C}
    # boolean combinators
    assert await id_set(adapter, {"$or": [{"n": 1}, {"title": "c"}]}) == {A, C}
    assert await id_set(adapter, {"$and": [{"n": {"$gt": 1}}, {"n": {"$lt": 3}}]}) == {B}
    assert await id_set(adapter, {"$nor": [{"n": 1}, {"n": 2}]}) == {C}
    assert await id_set(adapter, {"n": {"$gt": 1}, "$or": [{"tags": "beta"}, {"title": "zzz"}]}) == {B}


async def test_acl_lists_use_in_semantics(adapter: Any) -> None:
    await ready(adapter)
    public = obj(title="1 public", _rperm=["*"], _wperm=["*"])
    mine = obj(title="2 mine", _rperm=["u1"], _wperm=["u1"])
    admins = obj(title="3 admins", _rperm=["role:Admin"], _wperm=["role:Admin"])
    no_acl = obj(title="4 none")
    for doc in (public, mine, admins, no_acl):
        await adapter.insert(ITEM, doc)
    P, M, R, N = (doc["objectId"] for doc in (public, mine, admins, no_acl))
    assert await id_set(adapter, {"_rperm": {"$in": ["*", "u2"]}}) == {P, N}
    assert await id_set(adapter, {"_rperm": {"$in": ["*", "u1"]}}) == {P, M, N}
    assert await id_set(adapter, {"_rperm": {"$in": ["*", "u1", "role:Admin"]}}) == {P, M, R, N}
    assert await id_set(adapter, {"_wperm": {"$in": ["role:Admin"]}}) == {R, N}
    assert await adapter.count(ITEM, {"_rperm": {"$in": ["*", "u2"]}}) == 2
    page = await ids(adapter, {"_rperm": {"$in": ["*", "u2"]}}, sort=[("title", True)], limit=1, skip=1)
    assert page == [N]
    found = await get(adapter, M)
    assert found is not None and found["_rperm"] == ["u1"] and found["_wperm"] == ["u1"]
    assert await adapter.update(ITEM, {"objectId": M, "_wperm": {"$in": ["*", "u2"]}}, {"title": "x"}) is None
    assert (await get(adapter, M) or {})["title"] == "2 mine"


async def test_sort_limit_skip(adapter: Any) -> None:
    await ready(adapter)
    rows = [("b", 1, "2024-01-01T00:00:03.000Z"), ("a", 2, "2024-01-01T00:00:01.000Z"),
            ("c", 1, "2024-01-01T00:00:02.000Z"), ("a", 1, "2024-01-01T00:00:04.000Z")]
    made = {}
    for index, (title, n, created) in enumerate(rows):
        doc = obj(f"id{index}", created=created, title=title, n=n)
        made[(title, n)] = doc["objectId"]
        await adapter.insert(ITEM, doc)
    by = made.__getitem__
    assert await ids(adapter, {}, sort=[("title", True), ("n", True)]) == \
        [by(("a", 1)), by(("a", 2)), by(("b", 1)), by(("c", 1))]
    assert await ids(adapter, {}, sort=[("n", False), ("title", False)]) == \
        [by(("a", 2)), by(("c", 1)), by(("b", 1)), by(("a", 1))]
    assert await ids(adapter, {}, sort=[("createdAt", False)]) == ["id3", "id0", "id2", "id1"]
    assert await ids(adapter, {}, sort=[("objectId", True)]) == ["id0", "id1", "id2", "id3"]
    assert await ids(adapter, {}, sort=[("objectId", True)], skip=1, limit=2) == ["id1", "id2"]
    assert await ids(adapter, {}, sort=[("objectId", False)], limit=1) == ["id3"]
    assert await ids(adapter, {}, sort=[("objectId", True)], skip=3) == ["id3"]
    assert await ids(adapter, {}, limit=0) == []


async def test_keys_projection(adapter: Any) -> None:
    await ready(adapter)
    doc = obj(title="t", n=5, post=ptr("Post", "p1"), meta={"level": 1, "x": 2}, _rperm=["*"])
    await adapter.insert(ITEM, doc)
    [found] = await adapter.find(ITEM, {}, FindOptions(keys={"title", "post", "meta.level"}))
    for key in ("objectId", "createdAt", "updatedAt", "title", "post", "_rperm"):
        assert found[key] == doc[key]
    assert found["meta"]["level"] == 1


# --- updates -------------------------------------------------------------------------------

async def test_update_operations(adapter: Any) -> None:
    await ready(adapter)
    doc = obj(title="t", n=1, tags=["a"], posts=[ptr("Post", "p1")], meta={"a": 1, "count": 1},
              post=ptr("Post", "p1"), code="c")
    await adapter.insert(ITEM, doc)
    where = {"objectId": doc["objectId"]}
    later = "2024-02-02T00:00:00.000Z"
    after = await adapter.update(ITEM, where, {
        "title": "t2",
        "updatedAt": later,
        "n": {"__op": "Increment", "amount": 2},
        "flag": True,
        "tags": {"__op": "Add", "objects": ["b", "a"]},
        "posts": {"__op": "AddUnique", "objects": [ptr("Post", "p1"), ptr("Post", "p2")]},
        "meta.a": 5,
        "meta.count": {"__op": "Increment", "amount": 10},
        "meta.new": {"when": date(later)},
        "when": date(later),
        "post": ptr("Post", "p9"),
        "code": {"__op": "Delete"},
    })
    expected = {
        **doc, "title": "t2", "updatedAt": later, "n": 3, "flag": True, "tags": ["a", "b", "a"],
        "posts": [ptr("Post", "p1"), ptr("Post", "p2")],
        "meta": {"a": 5, "count": 11, "new": {"when": date(later)}},
        "when": date(later), "post": ptr("Post", "p9"),
    }
    del expected["code"]
    assert after == expected
    assert await get(adapter, doc["objectId"]) == expected

    after = await adapter.update(ITEM, where, {
        "tags": {"__op": "Remove", "objects": ["a"]},
        "posts": {"__op": "Remove", "objects": [ptr("Post", "p1")]},
        "missing": {"__op": "Increment", "amount": 4},
        "post": {"__op": "Delete"},
        "meta.a": {"__op": "Delete"},
    })
    assert after is not None
    assert after["tags"] == ["b"]
    assert after["posts"] == [ptr("Post", "p2")]
    assert after["missing"] == 4
    assert "post" not in after
    assert after["meta"] == {"count": 11, "new": {"when": date(later)}}

    after = await adapter.update(ITEM, where, {"tags": {"__op": "AddUnique", "objects": ["b", "c", "c"]}})
    assert after is not None and after["tags"] == ["b", "c"]
    assert await adapter.update(ITEM, {"objectId": "nope"}, {"title": "x"}) is None


async def test_update_writes_every_type(adapter: Any) -> None:
    await ready(adapter)
    doc = obj(title="t")
    await adapter.insert(ITEM, doc)
    values = {
        "when": date("2020-01-02T03:04:05.678Z"), "post": ptr("Post", "p1"),
        "photo": {"__type": "File", "name": "x.txt"}, "loc": geo(-10.5, 20.25),
        "area": {"__type": "Polygon", "coordinates": [[0, 0], [0, 2], [2, 2], [0, 0]]},
        "raw": {"__type": "Bytes", "base64": "aGk="},
        "meta": {"d": date("2020-01-01T00:00:00.000Z"), "p": ptr("Post", "p2")},
        "posts": [ptr("Post", "p3")], "nothing": None,
        "_rperm": ["u1"], "_wperm": ["u1"],
    }
    after = await adapter.update(ITEM, {"objectId": doc["objectId"]}, values)
    assert after == {**doc, **values}
    assert await get(adapter, doc["objectId"]) == as_stored(adapter, {**doc, **values})


async def test_increment_is_atomic(adapter: Any) -> None:
    await ready(adapter)
    doc = obj(n=0)
    await adapter.insert(ITEM, doc)
    where = {"objectId": doc["objectId"]}
    await asyncio.gather(*(adapter.update(ITEM, where, {"n": {"__op": "Increment", "amount": 1}})
                           for _ in range(20)))
    assert (await get(adapter, doc["objectId"]) or {})["n"] == 20


async def test_delete_and_delete_many(adapter: Any) -> None:
    await ready(adapter)
    docs = [obj(n=i % 2, title=str(i)) for i in range(5)]
    for doc in docs:
        await adapter.insert(ITEM, doc)
    removed = await adapter.delete(ITEM, {"objectId": docs[0]["objectId"]})
    assert removed == docs[0]
    assert await adapter.delete(ITEM, {"objectId": docs[0]["objectId"]}) is None
    assert await adapter.delete_many(ITEM, {"n": 1}) == 2
    assert await id_set(adapter, {}) == {docs[2]["objectId"], docs[4]["objectId"]}
    assert await adapter.delete_many(ITEM, {"n": 1}) == 0


# --- relations ------------------------------------------------------------------------------

async def test_relations(adapter: Any) -> None:
    await ready(adapter)
    await adapter.add_relations("Item", "likes", "o1", ["p1", "p2"])
    await adapter.add_relations("Item", "likes", "o1", ["p1"])
    await adapter.add_relations("Item", "likes", "o2", ["p2", "p3"])
    await adapter.add_relations("Item", "other", "o1", ["p9"])
    assert sorted(await adapter.related_ids("Item", "likes", ["o1"])) == ["p1", "p2"]
    assert sorted(await adapter.related_ids("Item", "likes", ["o1", "o2"])) == ["p1", "p2", "p3"]
    assert sorted(await adapter.owning_ids("Item", "likes", ["p2"])) == ["o1", "o2"]
    assert await adapter.owning_ids("Item", "likes", ["p9"]) == []
    assert await adapter.related_ids("Item", "likes", []) == []
    await adapter.remove_relations("Item", "likes", "o1", ["p1", "nope"])
    assert await adapter.related_ids("Item", "likes", ["o1"]) == ["p2"]
    assert await adapter.related_ids("Item", "other", ["o1"]) == ["p9"]
    assert await adapter.related_ids("Item", "never", ["o1"]) == []


# --- uniqueness ------------------------------------------------------------------------------

async def test_unique_constraint(adapter: Any) -> None:
    await ready(adapter)
    await adapter.ensure_unique(ITEM, ["code"])
    first = obj(code="a")
    await adapter.insert(ITEM, first)
    with pytest.raises(DuplicateValue) as raised:
        await adapter.insert(ITEM, obj(code="a"))
    assert raised.value.field == "code"
    other = obj(code="A")
    await adapter.insert(ITEM, other)  # case-sensitive outside _User
    await adapter.insert(ITEM, obj(title="no code"))
    await adapter.insert(ITEM, obj(title="no code either"))
    with pytest.raises(DuplicateValue) as raised:
        await adapter.update(ITEM, {"objectId": other["objectId"]}, {"code": "a"})
    assert raised.value.field == "code"
    assert (await get(adapter, other["objectId"]) or {})["code"] == "A"
    with pytest.raises(DuplicateValue) as raised:
        await adapter.insert(ITEM, obj(first["objectId"]))
    assert raised.value.field == "objectId"


async def test_insert_many_stores_in_order_and_refuses_a_duplicate(adapter: Any) -> None:
    await ready(adapter)
    await adapter.insert_many(ITEM, [])
    docs = [obj(f"many{n:06d}", n=n, tags=["a", n], _rperm=["*"] if n == 1 else None) for n in range(3)]
    await adapter.insert_many(ITEM, [{k: v for k, v in doc.items() if v is not None} for doc in docs])
    assert await ids(adapter, {"n": {"$gte": 0}}, sort=[("n", True)]) == ["many000000", "many000001", "many000002"]
    assert (await get(adapter, "many000001") or {})["tags"] == ["a", 1]
    assert await ids(adapter, {"_rperm": {"$in": ["*"]}, "n": 1}) == ["many000001"]
    with pytest.raises(DuplicateValue) as raised:
        await adapter.insert_many(ITEM, [obj("many000009", n=9), obj("many000002", n=2)])
    assert raised.value.field == "objectId"
    if adapter.capabilities.transactions:  # all or none
        assert await get(adapter, "many000009") is None
    assert await adapter.count(ITEM, {}) == (3 if adapter.capabilities.transactions else 4)


async def test_username_and_email_unique_ignoring_case(adapter: Any) -> None:
    await ready(adapter, USER)
    await adapter.ensure_unique(USER, ["username", "email"])
    alice = obj(username="Alice", email="alice@example.com")
    bob = obj(username="bob", email="bob@example.com")
    await adapter.insert(USER, alice)
    await adapter.insert(USER, bob)
    with pytest.raises(DuplicateValue) as raised:
        await adapter.insert(USER, obj(username="alice"))
    assert raised.value.field == "username"
    with pytest.raises(DuplicateValue) as raised:
        await adapter.insert(USER, obj(username="carol", email="ALICE@example.com"))
    assert raised.value.field == "email"
    with pytest.raises(DuplicateValue) as raised:
        await adapter.update(USER, {"objectId": bob["objectId"]}, {"username": "ALICE"})
    assert raised.value.field == "username"
    renamed = await adapter.update(USER, {"objectId": alice["objectId"]}, {"username": "ALICE"})
    assert renamed is not None and renamed["username"] == "ALICE"
    await adapter.insert(USER, obj(username="a.ice"))  # regex characters are literal


# --- transactions ------------------------------------------------------------------------------

async def test_transaction_commits(adapter: Any) -> None:
    await ready(adapter)
    async with adapter.transaction():
        await adapter.insert(ITEM, obj("t1"))
        await adapter.insert(ITEM, obj("t2"))
    assert await id_set(adapter, {}) == {"t1", "t2"}


async def test_transaction_rolls_back(adapter: Any) -> None:
    if not adapter.capabilities.transactions:
        pytest.skip("adapter has no transactions")
    await ready(adapter)
    await adapter.insert(ITEM, obj("keep", n=1))
    with pytest.raises(RuntimeError):
        async with adapter.transaction():
            await adapter.insert(ITEM, obj("gone"))
            await adapter.update(ITEM, {"objectId": "keep"}, {"n": {"__op": "Increment", "amount": 1}})
            raise RuntimeError("boom")
    assert await id_set(adapter, {}) == {"keep"}
    assert (await get(adapter, "keep") or {})["n"] == 1


# --- geo and text (by capability) -------------------------------------------------------------

async def test_geo_queries(adapter: Any) -> None:
    if not adapter.capabilities.geo:
        pytest.skip("adapter has no geo queries")
    await ready(adapter)
    near = obj("near", loc=geo(0, 1))
    mid = obj("mid", loc=geo(0, 2))
    far = obj("far", loc=geo(0, 10))
    shape = obj("shape", area={"__type": "Polygon", "coordinates": [[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]})
    for doc in (near, mid, far, shape):
        await adapter.insert(ITEM, doc)
    origin = geo(0, 0)
    assert await ids(adapter, {"loc": {"$nearSphere": origin}}) == ["near", "mid", "far"]
    assert await ids(adapter, {"loc": {"$nearSphere": origin, "$maxDistance": 0.1}}) == ["near", "mid"]
    assert await adapter.count(ITEM, {"loc": {"$nearSphere": origin, "$maxDistance": 0.1}}) == 2
    assert await ids(adapter, {"loc": {"$nearSphere": origin, "$maxDistance": 0.1}}, limit=1) == ["near"]
    box = {"$box": [geo(-1, 0.5), geo(1, 2.5)]}
    assert await id_set(adapter, {"loc": {"$within": box}}) == {"near", "mid"}
    square = [geo(-1, 0.5), geo(1, 0.5), geo(1, 1.5), geo(-1, 1.5)]
    assert await id_set(adapter, {"loc": {"$geoWithin": {"$polygon": square}}}) == {"near"}
    assert await id_set(adapter, {"loc": {"$geoWithin": {"$centerSphere": [origin, 0.03]}}}) == {"near"}
    assert await id_set(adapter, {"area": {"$geoIntersects": {"$point": geo(0.5, 0.5)}}}) == {"shape"}
    assert await id_set(adapter, {"area": {"$geoIntersects": {"$point": geo(5, 5)}}}) == set()


async def test_text_search(adapter: Any) -> None:
    if not adapter.capabilities.text_search:
        pytest.skip("adapter has no text search")
    await ready(adapter)
    await adapter.insert(ITEM, obj("coffee", title="the best coffee shop"))
    await adapter.insert(ITEM, obj("tea", title="a quiet tea house"))
    where = {"title": {"$text": {"$search": {"$term": "coffee"}}}}
    assert await ids(adapter, where) == ["coffee"]
