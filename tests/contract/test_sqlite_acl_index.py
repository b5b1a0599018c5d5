"""The SQLite `_ACL` side table stays in step with every write, is rebuilt for databases made
before it existed, and lets an ACL-only query avoid a table scan."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from parse_compat.storage.base import ClassSchema, FindOptions
from parse_compat.storage.sqlite.adapter import SQLiteAdapter

pytestmark = pytest.mark.asyncio
SCHEMA = ClassSchema("Rec", {"objectId": {"type": "String"}, "n": {"type": "Number"}})
STAMP = "2024-01-01T00:00:00.000Z"


def doc(object_id: str, readers: list[str] | None, n: int = 0) -> dict:
    out = {"objectId": object_id, "createdAt": STAMP, "updatedAt": STAMP, "n": n}
    if readers is not None:
        out["_rperm"] = readers
        out["_wperm"] = readers[:1]
    return out


async def visible(adapter: SQLiteAdapter, group: list[str]) -> set[str]:
    found = await adapter.find(SCHEMA, {"_rperm": {"$in": group}}, FindOptions())
    return {d["objectId"] for d in found}


async def test_index_follows_inserts_updates_and_deletes(tmp_path: Path) -> None:
    adapter = SQLiteAdapter(str(tmp_path / "acl.db"))
    await adapter.connect()
    await adapter.save_schema(SCHEMA)
    await adapter.insert(SCHEMA, doc("pub", None))
    await adapter.insert(SCHEMA, doc("a", ["alice"]))
    await adapter.insert(SCHEMA, doc("b", ["bob", "role:staff"]))
    assert await visible(adapter, ["*", "alice"]) == {"pub", "a"}
    assert await visible(adapter, ["*", "carol", "role:staff"]) == {"pub", "b"}
    await adapter.update(SCHEMA, {"objectId": "a"}, {"_rperm": ["carol"], "_wperm": ["carol"]})
    assert await visible(adapter, ["*", "alice"]) == {"pub"}
    assert await visible(adapter, ["*", "carol"]) == {"pub", "a"}
    await adapter.update(SCHEMA, {"objectId": "b"}, {"n": {"__op": "Increment", "amount": 1}})
    assert await visible(adapter, ["role:staff"]) == {"pub", "b"}
    await adapter.delete(SCHEMA, {"objectId": "a"})
    await adapter.delete_many(SCHEMA, {"n": 1})
    assert await visible(adapter, ["*", "carol", "role:staff"]) == {"pub"}
    leftovers = adapter.db.execute('SELECT COUNT(*) FROM "_ACL"').fetchone()[0]
    assert leftovers == 0
    plan = " ".join(str(row) for row in adapter.db.execute(
        "EXPLAIN QUERY PLAN SELECT objectId FROM \"Rec\" AS t WHERE " +
        "t._rperm IS NULL OR t.objectId IN (SELECT objectId FROM \"_ACL\" WHERE cls='Rec' AND perm='r' "
        "AND entity IN ('*','x'))"))
    assert "MULTI-INDEX OR" in plan, plan
    await adapter.close()


async def test_index_is_rebuilt_for_an_older_database(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    adapter = SQLiteAdapter(path)
    await adapter.connect()
    await adapter.save_schema(SCHEMA)
    await adapter.insert(SCHEMA, doc("a", ["alice"]))
    await adapter.close()
    with sqlite3.connect(path) as db:  # as a database written before the index existed
        db.execute('DROP TABLE "_ACL"')
    reopened = SQLiteAdapter(path)
    await reopened.connect()
    assert [schema.class_name for schema in await reopened.load_schemas()] == ["Rec"]
    assert await visible(reopened, ["alice"]) == {"a"}
    assert await visible(reopened, ["bob"]) == set()
    await reopened.close()


async def test_acl_form_depends_on_the_other_constraints() -> None:
    from parse_compat.storage.sqlite.where import WhereCompiler

    acl = {"_rperm": {"$in": ["*", "u1"]}}
    alone = WhereCompiler(SCHEMA).compile(acl).sql
    assert "IN (SELECT objectId" in alone and "EXISTS" not in alone  # union of index lookups
    by_id = WhereCompiler(SCHEMA).compile({"$and": [{"objectId": "x"}, acl]}).sql
    assert "EXISTS (SELECT 1 FROM \"_ACL\"" in by_id  # one probe for the one row, no materialised list
