"""A database exported from Parse Server (its MongoDB layout, written by hand from the reference)
is served unchanged through the REST API: login with its bcrypt hash, ACLs, pointers, include,
relations, dates, files and geo points."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import bcrypt
import pytest
from aiohttp.test_utils import TestServer
from bson import ObjectId

from parse_compat.app import create_app
from parse_compat.storage.mongo import MongoAdapter

from .conftest import APP_ID, Client, make_settings

pytestmark = pytest.mark.asyncio
CREATED = datetime(2025, 3, 1, 9, 30, 0, 123000, tzinfo=UTC)
ALICE, BOB, POST, COMMENT = "lOYsIDM6QD", "bOb0000001", "qUCGALInXU", "QK6CQAASoZ"


async def _export(adapter: MongoAdapter) -> None:
    db = adapter.database
    await db["_SCHEMA"].insert_many([
        {"_id": "_User", "objectId": "string", "createdAt": "date", "updatedAt": "date", "username": "string",
         "email": "string", "emailVerified": "boolean", "authData": "object"},
        {"_id": "Post", "objectId": "string", "createdAt": "date", "updatedAt": "date", "title": "string",
         "author": "*_User", "likes": "relation<_User>",
         "_metadata": {"class_permissions": {"find": {"*": True}, "count": {"*": True}, "get": {"*": True},
                                             "create": {"*": True}, "update": {"*": True},
                                             "delete": {"*": True}, "addField": {"*": True},
                                             "protectedFields": {"*": []}}}},
        {"_id": "Comment", "objectId": "string", "createdAt": "date", "updatedAt": "date", "text": "string",
         "post": "*Post", "loc": "geopoint", "photo": "file", "when": "date"},
    ])
    hashed = bcrypt.hashpw(b"alice-pw", bcrypt.gensalt(rounds=4, prefix=b"2a")).decode()
    for object_id, name, password in ((ALICE, "alice", hashed), (BOB, "bob", hashed)):
        await db["_User"].insert_one({
            "_id": object_id, "username": name, "email": f"{name}@example.com", "_hashed_password": password,
            "_rperm": [object_id], "_wperm": [object_id], "_acl": {object_id: {"r": True, "w": True}},
            "_created_at": CREATED, "_updated_at": CREATED})
    await db["Post"].insert_one({"_id": POST, "title": "Hello", "_p_author": f"_User${ALICE}",
                                 "_rperm": ["*"], "_wperm": [ALICE],
                                 "_acl": {"*": {"r": True}, ALICE: {"w": True}},
                                 "_created_at": CREATED, "_updated_at": CREATED})
    await db["Comment"].insert_one({"_id": COMMENT, "text": "private", "_p_post": f"Post${POST}",
                                    "loc": [10.75, 59.91], "photo": "f4e9_hello.txt",
                                    "when": datetime(2020, 1, 1, tzinfo=UTC),
                                    "_rperm": [ALICE], "_wperm": [ALICE], "_acl": {ALICE: {"r": True, "w": True}},
                                    "_created_at": CREATED, "_updated_at": CREATED})
    await db["_Join:likes:Post"].insert_one({"_id": ObjectId(), "owningId": POST, "relatedId": BOB})


@pytest.fixture
async def exported(tmp_path: Path) -> AsyncIterator[Client]:
    adapter = MongoAdapter(f"mongomock://exported_{uuid.uuid4().hex[:10]}")
    await adapter.connect()
    await _export(adapter)
    settings = make_settings(tmp_path, "mongomock", schema=None, protectedFiles=False)
    server = TestServer(create_app(settings, storage=adapter), host="127.0.0.1")
    await server.start_server()
    settings.serverURL = settings.publicServerURL = f"http://127.0.0.1:{server.port}/parse"
    async with aiohttp.ClientSession() as session:
        yield Client(session, settings.serverURL)
    await server.close()


async def test_exported_database_is_served_unchanged(exported: Client) -> None:
    login = await exported.post("/login", {"username": "alice", "password": "alice-pw"})
    assert login.status == 200, login.body
    assert login.body["objectId"] == ALICE and login.body["createdAt"] == "2025-03-01T09:30:00.123Z"
    token = login.body["sessionToken"]
    comments = await exported.get("/classes/Comment", params={"include": "post"}, session_token=token)
    [comment] = comments.body["results"]
    assert comment["post"]["title"] == "Hello" and comment["post"]["__type"] == "Object"
    assert comment["loc"] == {"__type": "GeoPoint", "latitude": 59.91, "longitude": 10.75}
    assert comment["when"] == {"__type": "Date", "iso": "2020-01-01T00:00:00.000Z"}
    assert comment["photo"]["name"] == "f4e9_hello.txt"
    assert comment["photo"]["url"].endswith(f"/files/{APP_ID}/f4e9_hello.txt")
    assert comment["ACL"] == {ALICE: {"read": True, "write": True}}
    bob = await exported.post("/login", {"username": "bob", "password": "alice-pw"})
    hidden = await exported.get("/classes/Comment", session_token=bob.body["sessionToken"])
    assert hidden.body["results"] == []
    likers = await exported.get("/users", params={"where": {"$relatedTo": {
        "object": {"__type": "Pointer", "className": "Post", "objectId": POST}, "key": "likes"}}}, master=True)
    assert [u["username"] for u in likers.body["results"]] == ["bob"]
    by_author = await exported.get("/classes/Post", params={"where": {"author": {
        "__type": "Pointer", "className": "_User", "objectId": ALICE}}})
    assert [p["title"] for p in by_author.body["results"]] == ["Hello"]
    # the exported ACLs hold for writes too
    assert (await exported.put(f"/classes/Post/{POST}", {"title": "Edited"}, session_token=token)).status == 200
    assert (await exported.put(f"/classes/Post/{POST}", {"title": "No"}, session_token=bob.body["sessionToken"])
            ).body["code"] == 101
