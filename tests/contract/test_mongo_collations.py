"""`enableCollationCaseComparison` on MongoDB (issue 14): with it, the adapter asks the server for
no collation at all — no `case_insensitive_*` index, no collation on the user checks (Atlas
Serverless and DocumentDB refuse them) — and still refuses a username taken in another case.

The server is a recording stand-in speaking the driver's calls, as in test_mongo_layout.py: no
MongoDB server runs in CI, and mongomock never takes the collation path."""

from __future__ import annotations

import re
from typing import Any

import pytest

from parse_compat.errors import DuplicateValue
from parse_compat.storage.base import ClassSchema
from parse_compat.storage.mongo.adapter import MongoAdapter

pytestmark = pytest.mark.asyncio

USER = ClassSchema("_User", {"username": {"type": "String"}, "email": {"type": "String"}})


class Server:
    """Keeps the `_User` documents and every index and lookup it is asked for."""

    def __init__(self) -> None:
        self.docs: list[dict[str, Any]] = []
        self.indexes: list[dict[str, Any]] = []
        self.lookups: list[dict[str, Any]] = []


def matches(doc: dict[str, Any], query: dict[str, Any]) -> bool:
    """The one user check the adapter sends: a username or email, exact or as a regex."""
    for name in ("username", "email"):
        if name in query:
            want, have = query[name], doc.get(name)
            if isinstance(want, re.Pattern):
                return isinstance(have, str) and bool(want.match(have))
            return bool(have == want)
    return False


class Collection:
    def __init__(self, server: Server) -> None:
        self.server = server

    async def create_index(self, keys: Any, **options: Any) -> str:
        self.server.indexes.append(options)
        return str(options.get("name", "index"))

    async def find_one(self, query: dict[str, Any], projection: Any = None, **options: Any) -> Any:
        self.server.lookups.append(options)
        return next((doc for doc in self.server.docs if matches(doc, query)), None)

    async def insert_one(self, doc: dict[str, Any], **options: Any) -> None:
        self.server.docs.append(doc)


class Database:
    def __init__(self, server: Server) -> None:
        self.server = server

    def __getitem__(self, name: str) -> Collection:
        return Collection(self.server)


class Admin:
    async def command(self, name: str) -> dict[str, Any]:
        return {}  # a standalone server: no transactions


class Client:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.admin = Admin()

    def __getitem__(self, name: str) -> Database:
        return Database(self.server)


async def adapter(server: Server, collations: bool) -> MongoAdapter:
    store = MongoAdapter("mongodb://db.example/app", client=Client(server), collations=collations)
    await store.connect()
    return store


@pytest.mark.parametrize("collations", [True, False])
async def test_collations_follow_the_option(collations: bool) -> None:
    server = Server()
    store = await adapter(server, collations)
    await store.ensure_unique(USER, ["username", "email"])
    named = [index.get("name") for index in server.indexes]
    assert ("case_insensitive_username" in named) is collations
    assert any("collation" in index for index in server.indexes) is collations
    await store.insert(USER, {"objectId": "u1", "username": "Snoopy"})
    assert server.lookups and all(("collation" in lookup) is collations for lookup in server.lookups)


async def test_without_collations_a_username_in_another_case_is_still_taken() -> None:
    server = Server()
    store = await adapter(server, collations=False)
    await store.insert(USER, {"objectId": "u1", "username": "Snoopy"})
    with pytest.raises(DuplicateValue):
        await store.insert(USER, {"objectId": "u2", "username": "snoopy"})
