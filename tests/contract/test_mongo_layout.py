"""MongoAdapter speaks Parse Server's own MongoDB layout (reference §10), both ways.

Documents are written by hand exactly as Parse Server stores them, inserted straight into
the emulator, and read back through the adapter; then what the adapter writes is read raw
and compared with the same layout. Runs on mongomock (no server needed); also pins what a
real MongoDB is sent (filters, capability probe, transaction sessions) without a server.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from bson import Binary, ObjectId

from parse_compat.storage.base import Capabilities, ClassSchema, FindOptions
from parse_compat.storage.mongo import MongoAdapter
from parse_compat.storage.mongo.connection import probe_capabilities
from parse_compat.storage.mongo.query import Dialect, compile_sort, compile_where

CREATED = datetime(2026, 11, 25, 4, 1, 13, 135000, tzinfo=UTC)
UPDATED = datetime(2026, 11, 25, 5, 0, 0, 1000, tzinfo=UTC)
WHEN = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture(params=["mongomock"])
async def mongo() -> AsyncIterator[MongoAdapter]:
    adapter = MongoAdapter(f"mongomock://layout_{uuid.uuid4().hex}")
    await adapter.connect()
    try:
        yield adapter
    finally:
        await adapter.close()


def ptr(class_name: str, object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


def date(iso: str) -> dict[str, str]:
    return {"__type": "Date", "iso": iso}


USER_SCHEMA_DOC: dict[str, Any] = {
    "_id": "_User", "objectId": "string", "createdAt": "date", "updatedAt": "date",
    "username": "string", "email": "string", "emailVerified": "boolean", "authData": "object",
}
COMMENT_SCHEMA_DOC: dict[str, Any] = {
    "_id": "Comment", "objectId": "string", "createdAt": "date", "updatedAt": "date",
    "text": "string", "post": "*Post", "posts": "array", "loc": "geopoint", "file": "file",
    "when": "date", "area": "polygon", "raw": "bytes", "meta": "object", "likes": "relation<Post>",
    "n": "number",
}
CITY_SCHEMA_DOC: dict[str, Any] = {
    "_id": "City", "objectId": "string", "createdAt": "date", "updatedAt": "date",
    "name": "string", "pop": "number", "mayor": "*_User", "parts": "relation<District>",
    "tags": "array", "meta": "object", "loc": "geopoint", "photo": "file", "raw": "bytes",
    "area": "polygon", "ok": "boolean", "legacy": "map",
    "_metadata": {
        "class_permissions": {"find": {"*": True}, "count": {"*": True}, "get": {"*": True},
                              "create": {"*": True}, "update": {"*": True}, "delete": {"*": True},
                              "addField": {"*": True}, "protectedFields": {"*": []}},
        "indexes": {"_id_": {"_id": 1}, "name_idx": {"name": 1}},
        "fields_options": {"name": {"required": True}, "pop": {"defaultValue": 0}},
    },
}


async def schemas_by_name(adapter: MongoAdapter) -> dict[str, ClassSchema]:
    return {schema.class_name: schema for schema in await adapter.load_schemas()}


async def raw(adapter: MongoAdapter, collection: str, object_id: Any) -> dict[str, Any]:
    found = await adapter.database[collection].find_one({"_id": object_id})
    assert found is not None
    return dict(found)


# --- reading Parse Server's documents ------------------------------------------------------

async def test_reads_schema_document(mongo: MongoAdapter) -> None:
    await mongo.database["_SCHEMA"].insert_one(dict(CITY_SCHEMA_DOC))
    city = (await schemas_by_name(mongo))["City"]
    assert city.fields == {
        "objectId": {"type": "String"}, "createdAt": {"type": "Date"}, "updatedAt": {"type": "Date"},
        "ACL": {"type": "ACL"},
        "name": {"type": "String", "required": True}, "pop": {"type": "Number", "defaultValue": 0},
        "mayor": {"type": "Pointer", "targetClass": "_User"},
        "parts": {"type": "Relation", "targetClass": "District"},
        "tags": {"type": "Array"}, "meta": {"type": "Object"}, "loc": {"type": "GeoPoint"},
        "photo": {"type": "File"}, "raw": {"type": "Bytes"}, "area": {"type": "Polygon"},
        "ok": {"type": "Boolean"}, "legacy": {"type": "Object"},
    }
    assert city.class_level_permissions == CITY_SCHEMA_DOC["_metadata"]["class_permissions"]
    assert city.indexes == {"_id_": {"_id": 1}, "name_idx": {"name": 1}}


async def test_reads_user_document(mongo: MongoAdapter) -> None:
    await mongo.database["_SCHEMA"].insert_one(dict(USER_SCHEMA_DOC))
    await mongo.database["_User"].insert_one({
        "_id": "lOYsIDM6QD", "username": "alice", "email": "alice@example.com",
        "_hashed_password": "$2b$10$hash", "emailVerified": False, "_email_verify_token": "k2",
        "_auth_data_anonymous": {"id": "1111"},
        "_rperm": ["lOYsIDM6QD"], "_wperm": ["lOYsIDM6QD"], "_acl": {"lOYsIDM6QD": {"w": True, "r": True}},
        "_created_at": CREATED, "_updated_at": UPDATED,
    })
    user_schema = (await schemas_by_name(mongo))["_User"]
    assert user_schema.fields["password"] == {"type": "String"}
    [user] = await mongo.find(user_schema, {"username": "alice"}, FindOptions())
    assert user == {
        "objectId": "lOYsIDM6QD", "username": "alice", "email": "alice@example.com",
        "_hashed_password": "$2b$10$hash", "emailVerified": False, "_email_verify_token": "k2",
        "authData": {"anonymous": {"id": "1111"}},
        "_rperm": ["lOYsIDM6QD"], "_wperm": ["lOYsIDM6QD"],
        "createdAt": "2026-11-25T04:01:13.135Z", "updatedAt": "2026-11-25T05:00:00.001Z",
    }
    found = await mongo.find(user_schema, {"authData.anonymous.id": "1111"}, FindOptions())
    assert [doc["objectId"] for doc in found] == ["lOYsIDM6QD"]


async def test_reads_object_document(mongo: MongoAdapter) -> None:
    await mongo.database["_SCHEMA"].insert_one(dict(COMMENT_SCHEMA_DOC))
    ring = [[20, 10], [21, 10], [21, 11], [20, 10]]
    await mongo.database["Comment"].insert_one({
        "_id": "QK6CQAASoZ", "text": "c1", "_p_post": "Post$qUCGALInXU",
        "posts": [{"__type": "Pointer", "className": "Post", "objectId": "qUCGALInXU"}],
        "loc": [20, 10], "file": "f4e9_hello.txt", "when": WHEN,
        "area": {"type": "Polygon", "coordinates": [ring]}, "raw": Binary(b"hello"),
        "meta": {"at": WHEN, "n": 1, "p": {"__type": "Pointer", "className": "Post", "objectId": "x"}},
        "_rperm": ["*"], "_wperm": ["u1"], "_acl": {"u1": {"w": True}, "*": {"r": True}},
        "_created_at": CREATED, "_updated_at": UPDATED,
    })
    comment = (await schemas_by_name(mongo))["Comment"]
    assert comment.fields["likes"] == {"type": "Relation", "targetClass": "Post"}
    [doc] = await mongo.find(comment, {"objectId": "QK6CQAASoZ"}, FindOptions())
    assert doc == {
        "objectId": "QK6CQAASoZ", "text": "c1", "post": ptr("Post", "qUCGALInXU"),
        "posts": [ptr("Post", "qUCGALInXU")],
        "loc": {"__type": "GeoPoint", "latitude": 10, "longitude": 20},
        "file": {"__type": "File", "name": "f4e9_hello.txt"},
        "when": date("2020-01-01T00:00:00.000Z"),
        "area": {"__type": "Polygon", "coordinates": [[10, 20], [10, 21], [11, 21], [10, 20]]},
        "raw": {"__type": "Bytes", "base64": "aGVsbG8="},
        "meta": {"at": date("2020-01-01T00:00:00.000Z"), "n": 1, "p": ptr("Post", "x")},
        "_rperm": ["*"], "_wperm": ["u1"],
        "createdAt": "2026-11-25T04:01:13.135Z", "updatedAt": "2026-11-25T05:00:00.001Z",
    }
    for where in ({"post": ptr("Post", "qUCGALInXU")}, {"posts": ptr("Post", "qUCGALInXU")},
                  {"when": date("2020-01-01T00:00:00.000Z")}, {"_rperm": {"$in": ["*"]}},
                  {"meta.at": {"$lt": date("2021-01-01T00:00:00.000Z")}}):
        assert await mongo.count(comment, where) == 1, where


async def test_reads_legacy_and_null_values(mongo: MongoAdapter) -> None:
    await mongo.database["_SCHEMA"].insert_one(dict(COMMENT_SCHEMA_DOC))
    await mongo.database["Comment"].insert_one({
        "_id": "a", "_p_post": None, "raw": "aGk=", "text": None,
        "_created_at": CREATED, "_updated_at": CREATED,
    })
    comment = (await schemas_by_name(mongo))["Comment"]
    [doc] = await mongo.find(comment, {}, FindOptions())
    assert doc == {"objectId": "a", "raw": {"__type": "Bytes", "base64": "aGk="}, "text": None,
                   "createdAt": "2026-11-25T04:01:13.135Z", "updatedAt": "2026-11-25T04:01:13.135Z"}


# --- writing Parse Server's documents -------------------------------------------------------

async def test_writes_schema_document(mongo: MongoAdapter) -> None:
    await mongo.database["_SCHEMA"].insert_one(dict(CITY_SCHEMA_DOC))
    city = (await schemas_by_name(mongo))["City"]
    await mongo.database["_SCHEMA"].delete_many({})
    await mongo.save_schema(city)
    written = await raw(mongo, "_SCHEMA", "City")
    expected = {**CITY_SCHEMA_DOC, "legacy": "object"}
    assert written == expected
    user = ClassSchema("_User", {"objectId": {"type": "String"}, "username": {"type": "String"},
                                 "password": {"type": "String"}, "ACL": {"type": "ACL"}})
    await mongo.save_schema(user)
    assert await raw(mongo, "_SCHEMA", "_User") == {
        "_id": "_User", "objectId": "string", "createdAt": "date", "updatedAt": "date", "username": "string",
    }
    assert "City" in await mongo.database.list_collection_names()


async def test_writes_object_document(mongo: MongoAdapter) -> None:
    await mongo.database["_SCHEMA"].insert_one(dict(COMMENT_SCHEMA_DOC))
    comment = (await schemas_by_name(mongo))["Comment"]
    await mongo.insert(comment, {
        "objectId": "QK6CQAASoZ", "createdAt": "2026-11-25T04:01:13.135Z",
        "updatedAt": "2026-11-25T05:00:00.001Z",
        "text": "c1", "post": ptr("Post", "qUCGALInXU"), "posts": [ptr("Post", "qUCGALInXU")],
        "loc": {"__type": "GeoPoint", "latitude": 10, "longitude": 20},
        "file": {"__type": "File", "name": "f4e9_hello.txt"},
        "when": date("2020-01-01T00:00:00.000Z"),
        "area": {"__type": "Polygon", "coordinates": [[10, 20], [10, 21], [11, 21]]},
        "raw": {"__type": "Bytes", "base64": "aGVsbG8="},
        "meta": {"at": date("2020-01-01T00:00:00.000Z"), "p": ptr("Post", "x")},
        "_rperm": ["*"], "_wperm": ["u1"],
    })
    written = await raw(mongo, "Comment", "QK6CQAASoZ")
    assert written == {
        "_id": "QK6CQAASoZ", "text": "c1", "_p_post": "Post$qUCGALInXU",
        "posts": [{"__type": "Pointer", "className": "Post", "objectId": "qUCGALInXU"}],
        "loc": [20, 10], "file": "f4e9_hello.txt", "when": WHEN,
        "area": {"type": "Polygon", "coordinates": [[[20, 10], [21, 10], [21, 11], [20, 10]]]},
        "raw": Binary(b"hello"),
        "meta": {"at": WHEN, "p": {"__type": "Pointer", "className": "Post", "objectId": "x"}},
        "_rperm": ["*"], "_wperm": ["u1"], "_acl": {"*": {"r": True}, "u1": {"w": True}},
        "_created_at": CREATED, "_updated_at": UPDATED,
    }
    assert isinstance(written["_id"], str)

    await mongo.update(comment, {"objectId": "QK6CQAASoZ"}, {
        "post": ptr("Post", "other"), "n": {"__op": "Increment", "amount": 3},
        "_rperm": ["u2"], "_wperm": ["u2"], "updatedAt": "2026-11-26T00:00:00.000Z",
        "meta.at": date("2021-01-01T00:00:00.000Z"), "file": {"__op": "Delete"},
    })
    written = await raw(mongo, "Comment", "QK6CQAASoZ")
    assert written["_p_post"] == "Post$other"
    assert written["n"] == 3
    assert written["_rperm"] == ["u2"] and written["_wperm"] == ["u2"]
    assert written["_acl"] == {"u2": {"r": True, "w": True}}
    assert written["_updated_at"] == datetime(2026, 11, 26, tzinfo=UTC)
    assert written["meta"]["at"] == datetime(2021, 1, 1, tzinfo=UTC)
    assert "file" not in written and "post" not in written


async def test_writes_user_session_and_join_documents(mongo: MongoAdapter) -> None:
    users = ClassSchema("_User", {"username": {"type": "String"}, "email": {"type": "String"},
                                  "authData": {"type": "Object"}})
    sessions = ClassSchema("_Session", {"user": {"type": "Pointer", "targetClass": "_User"},
                                        "sessionToken": {"type": "String"}, "expiresAt": {"type": "Date"}})
    await mongo.ensure_unique(users, ["username", "email"])
    await mongo.insert(users, {
        "objectId": "u1", "createdAt": "2026-11-25T04:01:13.135Z", "updatedAt": "2026-11-25T04:01:13.135Z",
        "username": "alice", "_hashed_password": "$2b$10$hash",
        "authData": {"anonymous": {"id": "1111"}, "facebook": None}, "_rperm": ["u1"], "_wperm": ["u1"],
    })
    written = await raw(mongo, "_User", "u1")
    assert written["_hashed_password"] == "$2b$10$hash"
    assert written["_auth_data_anonymous"] == {"id": "1111"}
    assert "authData" not in written and "_auth_data_facebook" not in written
    assert written["_acl"] == {"u1": {"r": True, "w": True}}
    indexes = await mongo.database["_User"].index_information()
    assert indexes["username_1"].get("unique") and indexes["username_1"].get("sparse")
    assert indexes["email_1"].get("unique")

    await mongo.update(users, {"objectId": "u1"}, {"authData": {"anonymous": None, "apple": {"id": "a"}}})
    written = await raw(mongo, "_User", "u1")
    assert "_auth_data_anonymous" not in written and written["_auth_data_apple"] == {"id": "a"}

    await mongo.insert(sessions, {
        "objectId": "s1", "createdAt": "2026-11-25T04:01:13.135Z", "updatedAt": "2026-11-25T04:01:13.135Z",
        "user": ptr("_User", "u1"), "sessionToken": "r:abc", "expiresAt": date("2020-01-01T00:00:00.000Z"),
    })
    written = await raw(mongo, "_Session", "s1")
    assert written["_session_token"] == "r:abc" and written["_p_user"] == "_User$u1"
    assert written["expiresAt"] == WHEN
    assert "sessionToken" not in written and "user" not in written and "_rperm" not in written

    await mongo.add_relations("_Role", "users", "r1", ["u1", "u2"])
    rows = await mongo.database["_Join:users:_Role"].find({}).to_list(None)
    assert sorted((row["owningId"], row["relatedId"]) for row in rows) == [("r1", "u1"), ("r1", "u2")]
    assert all(isinstance(row["_id"], ObjectId) and set(row) == {"_id", "owningId", "relatedId"}
               for row in rows)


# --- what a real MongoDB receives (pure translation, no server needed) ------------------------

NATIVE = Dialect(native_regex=True)
PLACES = ClassSchema("Place", {
    "objectId": {"type": "String"}, "name": {"type": "String"}, "loc": {"type": "GeoPoint"},
    "area": {"type": "Polygon"}, "owner": {"type": "Pointer", "targetClass": "_User"},
    "tags": {"type": "Array"}, "when": {"type": "Date"},
})


@pytest.mark.parametrize(("where", "expected"), [
    ({"name": {"$regex": "^\\Qa.b\\E", "$options": "i"}}, {"name": {"$regex": "^\\Qa.b\\E", "$options": "i"}}),
    ({"tags": {"$all": [{"$regex": "^\\Qx\\E"}]}}, {"$and": [{"tags": {"$regex": "^\\Qx\\E"}}]}),
    ({"owner": ptr("_User", "u1")}, {"_p_owner": "_User$u1"}),
    ({"owner": {"$in": [ptr("_User", "u1")]}}, {"_p_owner": {"$in": ["_User$u1"]}}),
    ({"_rperm": {"$in": ["*", "u1"]}}, {"_rperm": {"$in": [None, "*", "u1"]}}),
    ({"tags": {"$containedBy": ["a"]}}, {"tags": {"$not": {"$elemMatch": {"$nin": ["a"]}}}}),
    ({"createdAt": {"$gt": date("2020-01-01T00:00:00.000Z")}}, {"_created_at": {"$gt": WHEN}}),
    ({"when": {"$gt": "2000-01-01T00:00:00.000Z"}}, {"when": {"$gt": "2000-01-01T00:00:00.000Z"}}),
    ({"flag": 1}, {"flag": 1}),
    ({"loc": {"$nearSphere": {"__type": "GeoPoint", "latitude": 10, "longitude": 20}, "$maxDistance": 0.5}},
     {"loc": {"$nearSphere": [20, 10], "$maxDistance": 0.5}}),
    ({"loc": {"$within": {"$box": [{"__type": "GeoPoint", "latitude": 0, "longitude": 1},
                                   {"__type": "GeoPoint", "latitude": 2, "longitude": 3}]}}},
     {"loc": {"$geoWithin": {"$box": [[1, 0], [3, 2]]}}}),
    ({"loc": {"$geoWithin": {"$centerSphere": [[20, 10], 0.1]}}},
     {"loc": {"$geoWithin": {"$centerSphere": [[20, 10], 0.1]}}}),
    ({"area": {"$geoIntersects": {"$point": {"__type": "GeoPoint", "latitude": 1, "longitude": 2}}}},
     {"area": {"$geoIntersects": {"$geometry": {"type": "Point", "coordinates": [2, 1]}}}}),
    ({"name": {"$text": {"$search": {"$term": "coffee", "$language": "en"}}}},
     {"$text": {"$search": "coffee", "$language": "en"}}),
])
def test_native_filters(where: dict[str, Any], expected: dict[str, Any]) -> None:
    assert compile_where(PLACES, where, NATIVE).filter == expected


def test_native_count_turns_near_sphere_into_center_sphere() -> None:
    where = {"loc": {"$nearSphere": {"__type": "GeoPoint", "latitude": 10, "longitude": 20},
                     "$maxDistanceInKilometers": 6371.0}}
    compiled = compile_where(PLACES, where, NATIVE, for_count=True)
    assert compiled.filter == {"loc": {"$geoWithin": {"$centerSphere": [[20, 10], 1.0]}}}
    assert compile_where(PLACES, where, NATIVE).near_fields == ["loc"]


class _FakeAdmin:
    def __init__(self, hello: dict[str, Any]) -> None:
        self.hello = hello

    async def command(self, name: str) -> dict[str, Any]:
        return self.hello


class _FakeClient:
    def __init__(self, hello: dict[str, Any]) -> None:
        self.admin = _FakeAdmin(hello)


@pytest.mark.parametrize(("hello", "transactions"), [
    ({"isWritablePrimary": True, "logicalSessionTimeoutMinutes": 30}, False),
    ({"setName": "rs0", "logicalSessionTimeoutMinutes": 30}, True),
    ({"msg": "isdbgrid", "logicalSessionTimeoutMinutes": 30}, True),
])
async def test_capabilities_of_a_real_server(hello: dict[str, Any], transactions: bool) -> None:
    capabilities = await probe_capabilities(_FakeClient(hello))
    assert capabilities == Capabilities(transactions=transactions, text_search=True, geo=True)


# --- transaction plumbing (a recording stand-in for a replica-set client) ---------------------

class _Recorder:
    def __init__(self) -> None:
        self.log: list[Any] = []
        self.busy = False


class _TxContext:
    def __init__(self, recorder: _Recorder) -> None:
        self.recorder = recorder

    async def __aenter__(self) -> None:
        self.recorder.log.append("start")

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.recorder.log.append("abort" if exc_type else "commit")


class _Session:
    def __init__(self, recorder: _Recorder) -> None:
        self.recorder = recorder

    async def __aenter__(self) -> _Session:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.recorder.log.append("end")

    async def start_transaction(self) -> _TxContext:
        return _TxContext(self.recorder)


class _Collection:
    def __init__(self, recorder: _Recorder) -> None:
        self.recorder = recorder

    async def insert_one(self, doc: dict[str, Any], session: Any = None) -> None:
        assert not self.recorder.busy, "a session must run one operation at a time"
        self.recorder.busy = True
        await asyncio.sleep(0)
        self.recorder.busy = False
        self.recorder.log.append(("insert", doc["_id"], session is not None))


class _Database:
    def __init__(self, recorder: _Recorder) -> None:
        self.recorder = recorder

    def __getitem__(self, name: str) -> _Collection:
        return _Collection(self.recorder)


class _ReplicaSetClient:
    def __init__(self, recorder: _Recorder) -> None:
        self.recorder = recorder
        self.admin = _FakeAdmin({"setName": "rs0", "logicalSessionTimeoutMinutes": 30})

    def __getitem__(self, name: str) -> _Database:
        return _Database(self.recorder)

    def start_session(self) -> _Session:
        return _Session(self.recorder)


async def test_transaction_passes_one_session_serially_and_commits_or_aborts() -> None:
    recorder = _Recorder()
    adapter = MongoAdapter("mongodb://localhost/app", client=_ReplicaSetClient(recorder))
    await adapter.connect()
    assert adapter.capabilities.transactions
    item = ClassSchema("Item", {})
    async with adapter.transaction():
        async with adapter.transaction():  # nested: joins the open one
            await asyncio.gather(adapter.insert(item, {"objectId": "a"}), adapter.insert(item, {"objectId": "b"}))
    assert recorder.log == ["start", ("insert", "a", True), ("insert", "b", True), "commit", "end"]

    recorder.log.clear()
    with pytest.raises(RuntimeError):
        async with adapter.transaction():
            await adapter.insert(item, {"objectId": "c"})
            raise RuntimeError("boom")
    await adapter.insert(item, {"objectId": "d"})
    assert recorder.log == ["start", ("insert", "c", True), "abort", "end", ("insert", "d", False)]


async def test_acl_list_index_serves_the_main_screen(mongo: MongoAdapter) -> None:
    """The ACL-restricted list (`_rperm $in`, sorted on createdAt) has an index whose prefix is
    `_rperm` and whose next key is `_created_at`, so MongoDB can merge the principals' ranges in
    order (mongomock cannot show the plan; the declaration and the query's keys are checked)."""
    plans = ClassSchema("TreatmentPlan", {"status": {"type": "String"}})
    await mongo.save_schema(plans)
    indexes = await mongo.database["TreatmentPlan"].index_information()
    assert indexes["_rperm_1__created_at_-1"]["key"] == [("_rperm", 1), ("_created_at", -1)]
    await mongo.save_schema(plans)  # saving the schema again keeps it (no conflict, no drop)
    assert "_rperm_1__created_at_-1" in await mongo.database["TreatmentPlan"].index_information()
    query = compile_where(plans, {"status": "planned", "_rperm": {"$in": ["*", "u1"]}}, Dialect()).filter
    assert query["_rperm"] == {"$in": [None, "*", "u1"]}
    assert compile_sort(plans, [("createdAt", False)]) == [("_created_at", -1)]
